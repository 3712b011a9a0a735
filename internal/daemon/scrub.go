package daemon

import (
	"flag"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/control"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/metrics"
	"github.com/cctvd/cctvd/internal/scrub"
	"github.com/cctvd/cctvd/internal/web"
)

func (c *Config) scrubFlags(fs *flag.FlagSet) {
	c.ScrubRate = scrub.DefaultRate
	fs.DurationVar(&c.ScrubEvery, "scrub-every", scrub.DefaultEvery, "re-hash each archive against its .sha512sum this often, spread over the period (0: only by hand, cctvctl scrub)")
	fs.Var(&c.ScrubRate, "scrub-rate", "bytes a second scrubs read at most, over all cameras: 20MiB, 512KiB, 0 for no limit")
}

// newScrubber is the scrubber of every camera's archives, reporting to met.
func newScrubber(cfg Config, met *metrics.Metrics, log *slog.Logger) *scrub.Scrubber {
	return scrub.New(scrub.Config{Every: cfg.ScrubEvery, Rate: int64(cfg.ScrubRate),
		OnBytes: met.ScrubBytes, OnDamaged: met.ScrubDamaged}, log)
}

// scrubber is the scrubber as the control plane asks it.
func (c *components) scrubber() control.Scrubber {
	if c.scrub == nil {
		return nil
	}
	return c.scrub
}

// scrubbing reports whether the scrubber runs on a schedule.
func (c *components) scrubbing() bool { return c.scrub != nil && c.cfg.ScrubEvery > 0 }

// addScrub has camera name's archives scrubbed; a day its archiver is
// working on is left alone, since its archive may lack its checksum file
// for a moment.
func (c *components) addScrub(name, root, state string, arc *archive.Archiver) error {
	if c.scrub == nil {
		return nil
	}
	c.met.ScrubCamera(name)
	return c.scrub.Add(scrub.Camera{Name: name, Root: root, State: state, Busy: func(d day.Date) bool {
		for _, j := range arc.Status().Days {
			if j.Date == d && (j.State == archive.StateQueued || j.State == archive.StateConverting) {
				return true
			}
		}
		return false
	}})
}

// rateFlag is a byte rate: a number of bytes, optionally with a binary
// unit (KiB, MiB, GiB), a second.
type rateFlag int64

var rateUnits = []struct {
	suffix string
	n      int64
}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}, {"", 1}}

func (r *rateFlag) Set(s string) error {
	t := strings.TrimSuffix(strings.TrimSpace(s), "/s")
	for _, u := range rateUnits {
		num, ok := strings.CutSuffix(t, u.suffix)
		if !ok {
			continue
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
		if err != nil || f < 0 {
			return fmt.Errorf("%q is not a rate such as 20MiB", s)
		}
		*r = rateFlag(f * float64(u.n))
		return nil
	}
	return fmt.Errorf("%q is not a rate such as 20MiB", s)
}

func (r *rateFlag) String() string {
	if r == nil {
		return "0"
	}
	n := int64(*r)
	for _, u := range rateUnits[:3] {
		if n >= u.n && n%u.n == 0 {
			return strconv.FormatInt(n/u.n, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func (r *rateFlag) Get() any { return r.String() }

// scrubsOf is what the last scrubs of camera's archives found, by day,
// as its page shows them.
// Only the archives the catalog lists count: the scrubber lists the
// folders now and then, and an archive may have gone since.
func (c *components) scrubsOf(camera string, cat *catalog.Catalog) func() map[day.Date]web.Scrub {
	if c.scrub == nil {
		return nil
	}
	return func() map[day.Date]web.Scrub {
		out := map[day.Date]web.Scrub{}
		for d, list := range c.scrub.Days(camera) {
			v, ok := cat.Day(d)
			if !ok {
				continue
			}
			var sc web.Scrub
			never := false
			for _, st := range list {
				if !slices.ContainsFunc(v.Archives, func(a catalog.Archive) bool { return a.Name == st.File }) {
					continue
				}
				if st.Result.Damaged() {
					sc.Damaged = append(sc.Damaged, st.File+": "+string(st.Result))
				}
				if st.Last.IsZero() {
					never = true
				} else if sc.Last.IsZero() || st.Last.Before(sc.Last) {
					sc.Last = st.Last
				}
			}
			if never {
				sc.Last = time.Time{}
			}
			out[d] = sc
		}
		return out
	}
}
