package export

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Range is a stretch of wall-clock time to export: [Start, End).
type Range struct {
	Start, End time.Time
}

// Duration is the range's length.
func (r Range) Duration() time.Duration { return r.End.Sub(r.Start) }

// localLayout is a wall-clock time in the server's zone, without offset;
// fractions of a second are optional.
const localLayout = "2006-01-02T15:04:05"

// ParseTime reads an RFC 3339 time (2026-11-20T10:32:00.5+01:00, Z for
// UTC) or a wall-clock time in loc (2026-11-20T10:32:00[.fff]). A local
// time the clocks skipped (spring forward) or passed twice (fall back) is
// an error naming what to write instead: footage is evidence, and a
// guessed hour is the wrong footage.
func ParseTime(s string, loc *time.Location) (time.Time, error) {
	if strings.ContainsAny(s, "Zz") || hasOffset(s) {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %q is not RFC 3339 (2006-01-02T15:04:05Z07:00) nor local YYYY-MM-DDTHH:MM:SS[.fff]", ErrBadRange, s)
		}
		return t, nil
	}
	if len(s) == len(localLayout)-3 {
		s += ":00" // a browser's datetime-local leaves out seconds that are 0
	}
	w, err := time.ParseInLocation(localLayout, s, time.UTC)
	if err != nil || !localShape(s) {
		return time.Time{}, fmt.Errorf("%w: %q is not local YYYY-MM-DDTHH:MM:SS[.fff] nor RFC 3339", ErrBadRange, s)
	}
	var found []time.Time
	for _, off := range offsetsAround(w, loc) {
		t := w.Add(-time.Duration(off) * time.Second).In(loc)
		if sameWall(t, w) && !containsTime(found, t) {
			found = append(found, t)
		}
	}
	switch len(found) {
	case 0:
		return time.Time{}, fmt.Errorf("%w: %s does not exist in %s: the clocks skipped it", ErrBadRange, s, loc)
	case 1:
		return found[0], nil
	}
	return time.Time{}, fmt.Errorf("%w: %s happened twice in %s (the clocks went back): write %s or %s",
		ErrBadRange, s, loc, found[0].Format(time.RFC3339Nano), found[1].Format(time.RFC3339Nano))
}

// localShape reports a time written exactly YYYY-MM-DDTHH:MM:SS[.fff]:
// time.Parse would also take a one-digit hour or a comma before the
// fraction, which the README does not promise.
func localShape(s string) bool {
	if len(s) < len(localLayout) || len(s) == len(localLayout)+1 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 4, 7:
			if c != '-' {
				return false
			}
		case 10:
			if c != 'T' {
				return false
			}
		case 13, 16:
			if c != ':' {
				return false
			}
		case len(localLayout):
			if c != '.' {
				return false
			}
		default:
			if c < '0' || c > '9' {
				return false
			}
		}
	}
	return true
}

// hasOffset reports a time that ends in a numeric offset (+01:00, -05:00).
func hasOffset(s string) bool {
	if len(s) < len(localLayout)+6 {
		return false
	}
	o := s[len(s)-6:]
	return (o[0] == '+' || o[0] == '-') && o[3] == ':'
}

// offsetsAround are loc's offsets from UTC within a day of the wall time w
// (read as if it were UTC): every offset a reading of w could have.
func offsetsAround(w time.Time, loc *time.Location) []int {
	var offs []int
	for _, d := range []time.Duration{-26 * time.Hour, 0, 26 * time.Hour} {
		_, off := w.Add(d).In(loc).Zone()
		if !containsInt(offs, off) {
			offs = append(offs, off)
		}
	}
	// A change inside the window but at neither end: look at the
	// transitions themselves.
	start, end := w.Add(-26 * time.Hour).In(loc).ZoneBounds()
	for _, t := range []time.Time{start, end} {
		if t.IsZero() {
			continue
		}
		for _, d := range []time.Duration{-time.Second, 0} {
			_, off := t.Add(d).In(loc).Zone()
			if !containsInt(offs, off) {
				offs = append(offs, off)
			}
		}
	}
	return offs
}

func sameWall(t, w time.Time) bool {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	wy, wmo, wd := w.Date()
	wh, wmi, ws := w.Clock()
	return y == wy && mo == wmo && d == wd && h == wh && mi == wmi && s == ws && t.Nanosecond() == w.Nanosecond()
}

func containsInt(xs []int, x int) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

func containsTime(ts []time.Time, t time.Time) bool {
	for _, u := range ts {
		if u.Equal(t) {
			return true
		}
	}
	return false
}

// ParseEnd reads the end of a range: a time as ParseTime reads it, or a
// duration after start (90s, 15m, 1h30m; plain seconds such as 600 too).
func ParseEnd(start time.Time, s string, loc *time.Location) (time.Time, error) {
	if d, err := parseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("%w: duration %s is not positive", ErrBadRange, s)
		}
		return start.Add(d), nil
	}
	t, err := ParseTime(s, loc)
	if err != nil {
		return time.Time{}, fmt.Errorf("end: %w", err)
	}
	return t, nil
}

func parseDuration(s string) (time.Duration, error) {
	if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eEnNiIxXpP") {
		if f > float64(1<<62)/float64(time.Second) || f < -float64(1<<62)/float64(time.Second) {
			return 0, errors.New("duration out of range")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	return time.ParseDuration(s)
}

// ParseRange reads a range: start, and end as a time or a duration. It
// fails with ErrBadRange for a malformed or reversed range and with
// ErrTooLong for one longer than max (0: no limit).
func ParseRange(start, end string, loc *time.Location, max time.Duration) (Range, error) {
	if start == "" || end == "" {
		return Range{}, fmt.Errorf("%w: want a start and an end (a time or a duration)", ErrBadRange)
	}
	s, err := ParseTime(start, loc)
	if err != nil {
		return Range{}, fmt.Errorf("start: %w", err)
	}
	e, err := ParseEnd(s, end, loc)
	if err != nil {
		return Range{}, err
	}
	r := Range{Start: s, End: e}
	return r, r.Check(max)
}

// Check refuses a reversed or empty range (ErrBadRange) and one longer
// than max (ErrTooLong; 0: no limit).
func (r Range) Check(max time.Duration) error {
	switch {
	case !r.End.After(r.Start):
		return fmt.Errorf("%w: end %s is not after start %s", ErrBadRange, r.End.Format(time.RFC3339Nano), r.Start.Format(time.RFC3339Nano))
	case max > 0 && r.Duration() > max:
		return fmt.Errorf("%w: %s is longer than the most an export may be, %s", ErrTooLong, r.Duration(), max)
	}
	return nil
}
