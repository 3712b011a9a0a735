package web

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// timelineRun is a run of a timeline as a test sees it.
type timelineRun struct{ title, x string }

// dayTimelineCase is a day's segments and the timeline they must make.
type dayTimelineCase struct {
	name    string
	date    day.Date
	loc     *time.Location
	segs    func(day.Date, *time.Location) []segSpec
	len     int64
	runs    []timelineRun
	gaps    []string // titles
	wantMap string
	zone    string
	ticks   int
}

func TestTimeline(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	spring := day.Date{Year: 2026, Month: 3, Day: 29} // 23 hours in Berlin
	tests := []dayTimelineCase{
		{
			name: "restart joins, gap splits", date: day22, loc: cet,
			segs: func(d day.Date, loc *time.Location) []segSpec {
				at := d.Start(loc).Add(8 * time.Hour)
				return []segSpec{{at, 4}, {at.Add(40 * time.Second), 3}, {at.Add(100 * time.Second), 3}}
			},
			len:  86400,
			runs: []timelineRun{{"08:00:00–08:01:10", "33.333%"}, {"08:01:40–08:02:10", "33.449%"}},
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
			runs:    []timelineRun{{"23:59:45–00:00:15", "99.850%"}}, // widened to minRun, kept inside the day
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
			runs:    []timelineRun{{"12:00:00–13:00:00", "47.826%"}}, // 11 hours in
			wantMap: "1774778400000 0.000 3600.000",
			// CET until 02:00, then CEST.
			zone:  ms(spring, berlin, 0) + " 3600," + ms(spring, berlin, 2*time.Hour) + " 7200",
			ticks: 8,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := dayTimeline(view(tt.date, mkSegs(tt.segs(tt.date, tt.loc))), tt.loc)
			if tl == nil {
				t.Fatal("no timeline")
			}
			tt.check(t, tl)
		})
	}
	if tl := dayTimeline(view(day22, nil), cet); tl != nil {
		t.Errorf("a day without segments has a timeline: %+v", tl)
	}
}

func (tt *dayTimelineCase) check(t *testing.T, tl *timeline) {
	t.Helper()
	if tl.Len != tt.len || tl.Start != tt.date.Start(tt.loc).UnixMilli() {
		t.Errorf("start %d len %d, want %d %d", tl.Start, tl.Len, tt.date.Start(tt.loc).UnixMilli(), tt.len)
	}
	var runs []timelineRun
	for _, r := range tl.Runs {
		runs = append(runs, timelineRun{r.Title, r.X})
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
}

// TestArchiveTimeline lays out a day's archives: the main one's runs and
// those of archives of late segments, in time order, each run seeking in
// its own file.
func TestArchiveTimeline(t *testing.T) {
	// Camera times have fractions of a second.
	at := func(h, m, s int) time.Time {
		return day22.Start(cet).Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute +
			time.Duration(s)*time.Second + 153192286*time.Nanosecond)
	}
	msOf := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	main := []ts.Run{ // 08:00–10:00, a gap, 10:05–12:00
		{Start: at(8, 0, 0), Pos: 0, Len: 2 * time.Hour},
		{Start: at(10, 5, 0), Pos: 2 * time.Hour, Len: 115 * time.Minute},
	}
	late := []ts.Run{{Start: at(10, 0, 0), Pos: 0, Len: 10 * time.Second}} // a segment of the gap, uploaded late
	evening := []ts.Run{{Start: at(20, 0, 0), Pos: 0, Len: 20 * time.Second}}
	tests := []archiveTimelineCase{
		{
			name: "one archive", files: []string{"f1"}, runs: [][]ts.Run{main},
			titles:  []string{"08:00:00–10:00:00", "10:05:00–12:00:00"},
			gaps:    []string{"no footage 10:00:00–10:05:00"},
			wantMap: msOf(at(8, 0, 0)) + " 0.000 7200.000," + msOf(at(10, 5, 0)) + " 7200.000 6900.000",
			missing: 5 * time.Minute,
		},
		{
			name: "a late segment inside the main archive's gap", files: []string{"f1", "f2"}, runs: [][]ts.Run{main, late},
			titles:  []string{"08:00:00–10:00:00", "10:00:00–10:00:10", "10:05:00–12:00:00"},
			gaps:    []string{"no footage 10:00:10–10:05:00"},
			wantMap: msOf(at(8, 0, 0)) + " 0.000 7200.000 0," + msOf(at(10, 0, 0)) + " 0.000 10.000 1," + msOf(at(10, 5, 0)) + " 7200.000 6900.000 0",
			files2:  "f1 f2", missing: 4*time.Minute + 50*time.Second,
		},
		{
			// The late archives come before the main one in name order
			// ("-" before "."), never in the timeline's.
			name: "late archives after the day", files: []string{"f1", "f2", "f3"}, runs: [][]ts.Run{main, evening, late},
			titles: []string{"08:00:00–10:00:00", "10:00:00–10:00:10", "10:05:00–12:00:00", "20:00:00–20:00:20"},
			gaps:   []string{"no footage 10:00:10–10:05:00", "no footage 12:00:00–20:00:00"},
			wantMap: msOf(at(8, 0, 0)) + " 0.000 7200.000 0," + msOf(at(10, 0, 0)) + " 0.000 10.000 2," +
				msOf(at(10, 5, 0)) + " 7200.000 6900.000 0," + msOf(at(20, 0, 0)) + " 0.000 20.000 1",
			files2: "f1 f2 f3", missing: 4*time.Minute + 50*time.Second + 8*time.Hour,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tl := archiveTimeline(day22, tt.files, tt.runs, cet)
			if tl == nil {
				t.Fatal("no timeline")
			}
			tt.check(t, tl)
		})
	}
	// An archive without runs (made before they were recorded): its
	// footage cannot be placed, so there is no timeline.
	if tl := archiveTimeline(day22, []string{"f1", "f2"}, [][]ts.Run{nil, late}, cet); tl != nil {
		t.Errorf("a timeline without the main archive's runs: %+v", tl)
	}
}

// archiveTimelineCase is a day's archives with their runs and the
// timeline they must make.
type archiveTimelineCase struct {
	name    string
	files   []string
	runs    [][]ts.Run
	titles  []string // of the runs
	gaps    []string
	wantMap string
	files2  string // timeline.Files
	missing time.Duration
}

func (tt *archiveTimelineCase) check(t *testing.T, tl *timeline) {
	t.Helper()
	var titles, gaps []string
	for _, r := range tl.Runs {
		titles = append(titles, r.Title)
	}
	for _, g := range tl.Gaps {
		gaps = append(gaps, g.Title)
	}
	if !slices.Equal(titles, tt.titles) || !slices.Equal(gaps, tt.gaps) {
		t.Errorf("runs %q gaps %q, want %q %q", titles, gaps, tt.titles, tt.gaps)
	}
	if tl.Map != tt.wantMap {
		t.Errorf("map\n %q, want\n %q", tl.Map, tt.wantMap)
	}
	if tl.File != "f1" || tl.Files != tt.files2 {
		t.Errorf("file %q files %q, want f1 and %q", tl.File, tl.Files, tt.files2)
	}
	if tl.missing != tt.missing {
		t.Errorf("missing %v, want %v", tl.missing, tt.missing)
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
