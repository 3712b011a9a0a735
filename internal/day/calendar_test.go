package day

import (
	"testing"
	"time"
)

func TestCalendar(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	d := Date{2026, time.November, 23}
	tests := []struct {
		name  string
		cal   Calendar
		now   time.Time
		today Date
		due   time.Time
		isDue bool
	}{
		{name: "settling, UTC", cal: Calendar{Location: time.UTC, Settle: 48 * time.Hour},
			now: time.Date(2026, 11, 25, 12, 0, 0, 153192286, time.UTC), today: Date{2026, time.November, 25},
			due: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)},
		{name: "due to the nanosecond", cal: Calendar{Location: time.UTC, Settle: 48 * time.Hour},
			now: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), today: Date{2026, time.November, 26},
			due: time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), isDue: true},
		{name: "no settle: due at its end", cal: Calendar{Location: time.UTC},
			now: time.Date(2026, 11, 24, 0, 0, 0, 153192286, time.UTC), today: Date{2026, time.November, 24},
			due: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC), isDue: true},
		// 23:30 UTC is already the next day in Berlin; the 23rd ended
		// there at 23:00 UTC and is due an hour later.
		{name: "cut in its zone", cal: Calendar{Location: berlin, Settle: time.Hour},
			now: time.Date(2026, 11, 23, 23, 30, 0, 153192286, time.UTC), today: Date{2026, time.November, 24},
			due: time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.Today(tt.now); got != tt.today {
				t.Errorf("Today = %v, want %v", got, tt.today)
			}
			if got := tt.cal.Due(d); !got.Equal(tt.due) {
				t.Errorf("Due = %v, want %v", got, tt.due)
			}
			if got := tt.cal.IsDue(d, tt.now); got != tt.isDue {
				t.Errorf("IsDue = %v, want %v", got, tt.isDue)
			}
			if tt.cal.IsDue(d, tt.due.Add(-time.Nanosecond)) || !tt.cal.IsDue(d, tt.due) {
				t.Error("IsDue does not turn at Due")
			}
		})
	}
}

// A calendar without a zone cuts days in time.Local, as the archiver's
// and the control plane's defaults always did.
func TestCalendarLocal(t *testing.T) {
	now := time.Date(2026, 11, 25, 23, 59, 59, 153192286, time.UTC)
	if got, want := (Calendar{}).Today(now), Of(now.In(time.Local)); got != want {
		t.Errorf("Today = %v, want %v", got, want)
	}
	d := Date{2026, time.November, 23}
	if got, want := (Calendar{Settle: time.Hour}).Due(d), d.End(time.Local).Add(time.Hour); !got.Equal(want) {
		t.Errorf("Due = %v, want %v", got, want)
	}
}
