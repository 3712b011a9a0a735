package retention

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Limit is --keep-free: a share of the file system ("10%") or bytes ("50GiB").
type Limit struct {
	Percent float64 // 0..100, when set
	Bytes   int64
}

// DefaultKeepFree is --keep-free's default.
const DefaultKeepFree = "10%"

// ParseLimit reads "10%", "0", "50GiB", "500MB", "1048576".
func ParseLimit(s string) (Limit, error) {
	t := strings.TrimSpace(s)
	if p, ok := strings.CutSuffix(t, "%"); ok {
		v, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || v < 0 || v > 90 {
			return Limit{}, fmt.Errorf("keep-free %q: want a percentage from 0%% to 90%%", s)
		}
		return Limit{Percent: v}, nil
	}
	n, err := parseBytes(t)
	if err != nil {
		return Limit{}, fmt.Errorf("keep-free %q: %w", s, err)
	}
	return Limit{Bytes: n}, nil
}

var units = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12},
	{"K", 1 << 10}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40},
	{"B", 1},
}

func parseBytes(s string) (int64, error) {
	mult := int64(1)
	for _, u := range units {
		if v, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(v), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v*float64(mult) > 1<<62 {
		return 0, fmt.Errorf("want a percentage (10%%) or bytes (50GiB)")
	}
	return int64(v * float64(mult)), nil
}

// Need is the bytes the limit keeps free on a file system of total bytes.
func (l Limit) Need(total uint64) int64 {
	if l.Percent > 0 {
		return int64(float64(total) * l.Percent / 100)
	}
	return l.Bytes
}

func (l Limit) String() string {
	if l.Percent > 0 {
		return strconv.FormatFloat(l.Percent, 'f', -1, 64) + "%"
	}
	return strconv.FormatInt(l.Bytes, 10)
}

// ParseAge reads --max-age: "365d", "52w", a Go duration of whole days
// ("8760h"), or "" / "0" / "off" for none. It returns days.
func ParseAge(s string) (int, error) {
	t := strings.TrimSpace(s)
	switch t {
	case "", "0", "off":
		return 0, nil
	}
	for _, u := range []struct {
		suffix string
		days   int
	}{{"d", 1}, {"w", 7}, {"y", 365}} {
		if v, ok := strings.CutSuffix(t, u.suffix); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 100*365/u.days {
				return 0, fmt.Errorf("max-age %q: want days such as 365d, or off", s)
			}
			return n * u.days, nil
		}
	}
	d, err := time.ParseDuration(t)
	if err != nil || d < 24*time.Hour || d%(24*time.Hour) != 0 {
		return 0, fmt.Errorf("max-age %q: want days such as 365d, or off", s)
	}
	return int(d / (24 * time.Hour)), nil
}
