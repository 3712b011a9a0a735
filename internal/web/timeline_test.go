package web

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

func TestTimeline(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	spring := day.Date{Year: 2026, Month: 3, Day: 29} // 23 hours in Berlin
	type run struct{ title, x string }
	tests := []struct {
		name    string
		date    day.Date
		loc     *time.Location
		segs    func(day.Date, *time.Location) []segSpec
		len     int64
		runs    []run
		gaps    []string // titles
		wantMap string
		zone    string
		ticks   int
	}{
		{
			name: "restart joins, gap splits", date: day22, loc: cet,
			segs: func(d day.Date, loc *time.Location) []segSpec {
				at := d.Start(loc).Add(8 * time.Hour)
				return []segSpec{{at, 4}, {at.Add(40 * time.Second), 3}, {at.Add(100 * time.Second), 3}}
			},
			len:  86400,
			runs: []run{{"08:00:00–08:01:10", "33.333%"}, {"08:01:40–08:02:10", "33.449%"}},
			gaps: []string{"no footage 08:01:10–08:01:40"},
			wantMap: ms(day22, cet, 8*time.Hour) + " 0.000 70.000," +
				ms(day22, cet, 8*time.Hour+100*time.Second) + " 70.000 30.000",
			zone:  ms(day22, cet, 0) + " 3600",
			ticks: 8,
		},
		{
			name: "across midnight, clipped", date: day22, loc: cet,
			segs: func(d day.Date, loc *time.Location) []segSpec {
				return []segSpec{{d.End(loc).Add(-15 * time.Second), 3}}
			},
			len:     86400,
			runs:    []run{{"23:59:45–00:00:15", "99.850%"}}, // widened to minRun, kept inside the day
			wantMap: ms(day22, cet, 24*time.Hour-15*time.Second) + " 0.000 30.000",
			zone:    ms(day22, cet, 0) + " 3600",
			ticks:   8,
		},
		{
			name: "a day of 23 hours", date: spring, loc: berlin,
			segs: func(d day.Date, loc *time.Location) []segSpec {
				return []segSpec{{time.Date(2026, 3, 29, 12, 0, 0, 0, loc), 360}}
			},
			len:     23 * 3600,
			runs:    []run{{"12:00:00–13:00:00", "47.826%"}}, // 11 hours in
			wantMap: "1774778400000 0.000 3600.000",
			// CET until 02:00, then CEST.
			zone:  ms(spring, berlin, 0) + " 3600," + ms(spring, berlin, 2*time.Hour) + " 7200",
			ticks: 8,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var segs = mkSegs(tt.segs(tt.date, tt.loc))
			tl := dayTimeline(view(tt.date, segs), tt.loc)
			if tl == nil {
				t.Fatal("no timeline")
			}
			if tl.Len != tt.len || tl.Start != tt.date.Start(tt.loc).UnixMilli() {
				t.Errorf("start %d len %d, want %d %d", tl.Start, tl.Len, tt.date.Start(tt.loc).UnixMilli(), tt.len)
			}
			var runs []run
			for _, r := range tl.Runs {
				runs = append(runs, run{r.Title, r.X})
			}
			if !slices.Equal(runs, tt.runs) {
				t.Errorf("runs %v, want %v", runs, tt.runs)
			}
			var gaps []string
			for _, g := range tl.Gaps {
				gaps = append(gaps, g.Title)
			}
			if !slices.Equal(gaps, tt.gaps) {
				t.Errorf("gaps %v, want %v", gaps, tt.gaps)
			}
			if tl.Map != tt.wantMap {
				t.Errorf("map %q, want %q", tl.Map, tt.wantMap)
			}
			if tl.Zone != tt.zone {
				t.Errorf("zone %q, want %q", tl.Zone, tt.zone)
			}
			if len(tl.Ticks) != tt.ticks || tl.Ticks[0].X != "0.000%" || tl.Ticks[0].Label != "00:00" {
				t.Errorf("ticks %v", tl.Ticks)
			}
		})
	}
	if tl := dayTimeline(view(day22, nil), cet); tl != nil {
		t.Errorf("a day without segments has a timeline: %+v", tl)
	}
}

// segSpec is a camera run of n 10-second segments from at.
type segSpec struct {
	at time.Time
	n  int
}

func mkSegs(specs []segSpec) []ts.Segment {
	var segs []ts.Segment
	for i, sp := range specs {
		r := run(len(segs)+1, sp.n, sp.at, 126000)
		if i > 0 {
			r[0].Discontinuity = true
		}
		segs = append(segs, r...)
	}
	return segs
}

func ms(d day.Date, loc *time.Location, after time.Duration) string {
	return strconv.FormatInt(d.Start(loc).Add(after).UnixMilli(), 10)
}

func TestLiveFrom(t *testing.T) {
	cat := &fakeCatalog{}
	s, clk := fakeServer(t, cat, Config{})
	if got := s.liveFrom(cat.Days()); !got.IsZero() {
		t.Errorf("no days: live from %v", got)
	}
	yesterday, today := midnight()
	cat.set(yesterday)
	cat.set(today)
	for _, tt := range []struct {
		now  time.Time
		want day.Date
	}{
		{day24.Start(cet).Add(25 * time.Second), day23},    // the live hour reaches back into yesterday
		{day24.Start(cet).Add(2 * time.Hour), day24},       // it does not
		{day24.Start(cet).Add(49 * time.Hour), day.Date{}}, // no recent footage
	} {
		clk.Set(tt.now)
		if got := s.liveFrom(cat.Days()); got != tt.want {
			t.Errorf("at %v: live from %v, want %v", tt.now, got, tt.want)
		}
	}
}
