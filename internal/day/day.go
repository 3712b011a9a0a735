// Package day names the folders of a footage root: one calendar date each.
package day

import (
	"cmp"
	"errors"
	"fmt"
	"time"
)

// ErrBadDate reports a string that is not a real calendar date in YYYY-MM-DD form.
var ErrBadDate = errors.New("not a date (want YYYY-MM-DD)")

// Layout is the folder name layout of a day.
const Layout = "2006-01-02"

// Date is one calendar day; its zero value is not a valid date.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// Parse accepts exactly YYYY-MM-DD for a real calendar date; it is strict
// because the result names a folder: "2024-2-3" or "2024-02-30" must not pass.
func Parse(s string) (Date, error) {
	if len(s) != len(Layout) {
		return Date{}, fmt.Errorf("%q: %w", clip(s), ErrBadDate)
	}
	t, err := time.Parse(Layout, s)
	if err != nil || t.Format(Layout) != s {
		return Date{}, fmt.Errorf("%q: %w", clip(s), ErrBadDate)
	}
	return Of(t), nil
}

// Of is the date of t in t's location.
func Of(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// IsZero reports whether d is the zero Date.
func (d Date) IsZero() bool { return d == Date{} }

// String is the folder name of the day.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day)
}

// Start is midnight at the beginning of the day in loc.
func (d Date) Start(loc *time.Location) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc)
}

// End is midnight at the end of the day in loc (the start of the next day).
func (d Date) End(loc *time.Location) time.Time {
	return d.Next().Start(loc)
}

// Next is the following day.
func (d Date) Next() Date { return d.AddDays(1) }

// AddDays is the day n days after d (before it for negative n).
func (d Date) AddDays(n int) Date {
	return Of(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool { return d.Compare(e) < 0 }

// Compare orders dates: -1 if d is before e, 0 if equal, +1 if after.
func (d Date) Compare(e Date) int {
	return cmp.Or(cmp.Compare(d.Year, e.Year), cmp.Compare(d.Month, e.Month), cmp.Compare(d.Day, e.Day))
}

// clip keeps error messages short when the input is hostile (a 3,000-character value).
func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}
