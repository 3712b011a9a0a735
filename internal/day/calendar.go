package day

import "time"

// Calendar places days in time: a day is cut at midnight in Location and
// is due for archiving Settle after its end. The archiver and the control
// plane are handed the same one, so they never disagree on a day.
type Calendar struct {
	// Location is the time zone days are cut in; nil means time.Local.
	Location *time.Location
	// Settle is how long after its end a day is left for late files.
	Settle time.Duration
}

// Today is the day being recorded at now.
func (c Calendar) Today(now time.Time) Date { return Of(now.In(c.loc())) }

// Due is when d becomes due: its end plus the settle time.
func (c Calendar) Due(d Date) time.Time { return d.End(c.loc()).Add(c.Settle) }

// IsDue reports whether d is due at now.
func (c Calendar) IsDue(d Date, now time.Time) bool { return !now.Before(c.Due(d)) }

func (c Calendar) loc() *time.Location {
	if c.Location == nil {
		return time.Local
	}
	return c.Location
}
