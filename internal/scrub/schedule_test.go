package scrub

import (
	"context"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

const tenDays = 10 * 24 * time.Hour

// TestDue: when one archive falls due, from its phase in the period.
func TestDue(t *testing.T) {
	k := key{date(t, "2026-10-01"), "video.mp4"}
	ph := phase("garage", k, tenDays)
	s0 := slot(ph, tenDays, t0) // its first due time after t0
	tests := []struct {
		name string
		e    entry
		want time.Time
	}{
		{name: "never scrubbed: its next slot after first seen", e: entry{Seen: t0}, want: s0},
		{name: "seen at its slot: due at once", e: entry{Seen: s0}, want: s0},
		{name: "scrubbed on time: one period on", e: entry{Seen: t0, Last: s0.Add(3 * time.Minute)}, want: s0.Add(tenDays)},
		{name: "scrubbed 0.3 period late: back to its slot", e: entry{Seen: t0, Last: s0.Add(3 * tenDays / 10)}, want: s0.Add(tenDays)},
		{name: "scrubbed 0.7 period late: the slot after", e: entry{Seen: t0, Last: s0.Add(7 * tenDays / 10)}, want: s0.Add(2 * tenDays)},
		{name: "scrubbed a year ago (clock jumped)", e: entry{Seen: t0, Last: s0.Add(-365 * 24 * time.Hour)}, want: slot(ph, tenDays, s0.Add(-365*24*time.Hour+tenDays/2))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := due("garage", k, &tt.e, tenDays)
			if !got.Equal(tt.want) {
				t.Errorf("due %v, want %v", got, tt.want)
			}
			if !tt.e.Last.IsZero() {
				if gap := got.Sub(tt.e.Last); gap < tenDays/2 || gap > 3*tenDays/2 {
					t.Errorf("due %v after the scrub, want half a period to one and a half", gap)
				}
			}
		})
	}
	if ph2 := phase("", k, tenDays); ph2 == ph {
		t.Error("the same archive of two cameras has the same phase")
	}
}

// TestDueSpread: which archives are due when, over three periods on a
// fake clock, with the clock jumping back to 1970 and a year ahead.
func TestDueSpread(t *testing.T) {
	s := New(Config{Every: tenDays}, quietLog())
	c := &camState{Camera: Camera{Name: "garage"}, archives: map[key]*entry{}}
	s.cams["garage"] = c
	const n = 300
	for i := range n {
		k := key{date(t, "2025-01-01").AddDays(i), "video.mp4"}
		c.archives[k] = &entry{Seen: t0}
	}
	if list, _ := s.dueAt(t0); len(list) != 0 {
		t.Fatalf("%d of %d archives due on the first start, want none", len(list), n)
	}
	// Step a day at a time, scrubbing what is due.
	scrubs := map[key]int{}
	for d := 1; d <= 30; d++ {
		now := t0.Add(time.Duration(d) * 24 * time.Hour)
		list, next := s.dueAt(now)
		if !next.After(now) {
			t.Fatalf("day %d: next due %v is not after now", d, next)
		}
		// n archives over 10 days is 30 a day; a hash spreads them
		// roughly evenly.
		if len(list) < 10 || len(list) > 55 {
			t.Errorf("day %d: %d archives due, want about %d", d, len(list), n/10)
		}
		for i, a := range list {
			if i > 0 && a.due.Before(list[i-1].due) {
				t.Errorf("day %d: not the longest due first", d)
			}
			scrubs[a.key]++
			c.archives[a.key].Last = now
		}
	}
	for k, got := range scrubs {
		if got != 3 {
			t.Errorf("%s scrubbed %d times in 3 periods, want 3", k, got)
		}
	}
	if len(scrubs) != n {
		t.Errorf("%d archives scrubbed, want %d", len(scrubs), n)
	}
	// The Pi boots without its clock: nothing is due in 1970.
	if list, _ := s.dueAt(time.Unix(3, 0)); len(list) != 0 {
		t.Errorf("%d archives due in 1970, want none", len(list))
	}
	// A clock a year ahead finds all due: read once at the rate limit,
	// then each goes back to its phase.
	year := t0.Add(30*24*time.Hour + 365*24*time.Hour)
	list, _ := s.dueAt(year)
	if len(list) != n {
		t.Errorf("%d due a year on, want %d", len(list), n)
	}
	for _, a := range list {
		c.archives[a.key].Last = year
	}
	for d := 1; d <= 10; d++ {
		list, _ := s.dueAt(year.Add(time.Duration(d) * 24 * time.Hour))
		if len(list) > 55 {
			t.Errorf("day %d after the jump: %d due at once, want them spread", d, len(list))
		}
		for _, a := range list {
			c.archives[a.key].Last = year.Add(time.Duration(d) * 24 * time.Hour)
		}
	}
}

// TestRunScrubsOnSchedule: Run, on a fake clock, scrubs each archive once
// a period, spread over the days, and new archives join.
func TestRunScrubsOnSchedule(t *testing.T) {
	root := t.TempDir()
	for i := range 20 {
		writeArchive(t, root, date(t, "2026-09-01").AddDays(i), "video.mp4", 2000+i, false)
	}
	ft := newFakeTime()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s := New(Config{Every: tenDays, Rate: 1 << 20, Now: ft.Now, Sleep: ft.Sleep}, quietLog())
	s.Add(Camera{Root: root, State: t.TempDir()})
	seen := map[string][]time.Time{}
	added := false
	ft.onSleep = func() {
		now := ft.Now()
		s.mu.Lock()
		for k, e := range s.cams[""].archives {
			ts := seen[k.String()]
			if !e.Last.IsZero() && (len(ts) == 0 || !ts[len(ts)-1].Equal(e.Last)) {
				seen[k.String()] = append(ts, e.Last)
			}
		}
		s.mu.Unlock()
		if !added && now.Sub(t0) > tenDays {
			writeArchive(t, root, date(t, "2026-09-25"), "video.mp4", 1000, false)
			added = true
		}
		if now.Sub(t0) > 3*tenDays {
			cancel()
		}
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		k := date(t, "2026-09-01").AddDays(i).String() + "/video.mp4"
		ts := seen[k]
		if len(ts) != 3 {
			t.Errorf("%s scrubbed %d times in 3 periods, want 3: %v", k, len(ts), ts)
			continue
		}
		for j := 1; j < len(ts); j++ {
			if gap := ts[j].Sub(ts[j-1]); gap < tenDays-time.Hour || gap > tenDays+2*time.Hour {
				t.Errorf("%s scrubbed %v after the last, want about %v", k, gap, tenDays)
			}
		}
	}
	if n := len(seen["2026-09-25/video.mp4"]); n < 1 || n > 2 {
		t.Errorf("an archive that appeared after 10 days scrubbed %d times, want 1 or 2", n)
	}
	if s.Damaged("", date(t, "2026-09-05")) {
		t.Error("a sound archive is damaged")
	}
}

// TestRunWaitsForBusyDay: an archive due while its day is being archived
// is tried again every retry, not in a busy loop, and scrubbed once free.
func TestRunWaitsForBusyDay(t *testing.T) {
	root := t.TempDir()
	d := date(t, "2026-09-01")
	writeArchive(t, root, d, "video.mp4", 1000, true) // no checksum yet: being committed
	ft := newFakeTime()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	busy := true
	s := New(Config{Every: tenDays, Now: ft.Now, Sleep: ft.Sleep}, quietLog())
	s.Add(Camera{Root: root, State: t.TempDir(), Busy: func(day.Date) bool { return busy }})
	sleeps := 0
	ft.onSleep = func() {
		sleeps++
		if ft.Now().Sub(t0) > tenDays+time.Hour && busy {
			busy = false
			writeArchive(t, root, d, "video.mp4", 1000, false) // committed
		}
		if ft.Now().Sub(t0) > tenDays+2*time.Hour {
			cancel()
		}
	}
	if err := s.Run(ctx); err != nil {
		t.Fatal(err)
	}
	// At most one sleep per retry while busy, plus the rescans before.
	if max := int(tenDays/retry) + 10; sleeps > max {
		t.Errorf("%d sleeps, want at most %d: a busy loop", sleeps, max)
	}
	st := s.Archives("", d)
	if len(st) != 1 || st[0].Result != OK {
		t.Errorf("after the day was archived: %+v, want scrubbed ok", st)
	}
}
