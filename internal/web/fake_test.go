package web

import (
	"context"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/ts"
)

// fakeCatalog serves hand-made day views.
type fakeCatalog struct {
	mu      sync.Mutex
	days    []*catalog.DayView // newest first
	version uint64
	arrived []string
}

func (f *fakeCatalog) Days() []*catalog.DayView {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.days)
}

func (f *fakeCatalog) Day(d day.Date) (*catalog.DayView, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, v := range f.days {
		if v.Date == d {
			return v, true
		}
	}
	return nil, false
}

func (f *fakeCatalog) Arrived(d day.Date, name string) {
	f.mu.Lock()
	f.arrived = append(f.arrived, d.String()+"/"+name)
	f.mu.Unlock()
}

// set replaces (or adds) a day's view with a new version.
func (f *fakeCatalog) set(v *catalog.DayView) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.version++
	v.Version = f.version
	f.days = slices.DeleteFunc(f.days, func(o *catalog.DayView) bool { return o.Date == v.Date })
	f.days = append(f.days, v)
	slices.SortFunc(f.days, func(a, b *catalog.DayView) int { return b.Date.Compare(a.Date) })
}

const frameTicks = ts.Clock / 25

// run makes n contiguous 10-second segments of one camera run, named
// seg<first>… and starting at start with the given first DTS.
func run(first, n int, start time.Time, dts int64) []ts.Segment {
	segs := make([]ts.Segment, n)
	for i := range segs {
		d := dts + int64(i)*10*ts.Clock
		segs[i] = ts.Segment{
			Name:  "seg" + itoa(first+i) + ".ts",
			Start: start.Add(time.Duration(i) * 10 * time.Second),
			Report: ts.Report{Size: 700_000, Frames: 250, FrameTicks: frameTicks,
				FirstDTS: d, LastDTS: d + 249*frameTicks, Codec: "h264"},
		}
	}
	return segs
}

func itoa(i int) string { return string(appendInt(nil, i)) }

func appendInt(b []byte, i int) []byte {
	if i >= 10 {
		b = appendInt(b, i/10)
	}
	return append(b, byte('0'+i%10))
}

// view makes a day's view of segments, with totals as the catalog sums them.
func view(d day.Date, segs []ts.Segment) *catalog.DayView {
	p := &ts.Plan{Segments: segs}
	v := &catalog.DayView{Date: d, Plan: p}
	t := &v.Totals
	t.Segments, t.Bytes = len(segs), p.Bytes()
	for i, s := range segs {
		t.Covered += s.Report.Duration()
		if s.Discontinuity && i > 0 {
			prev := segs[i-1]
			if gap := s.Start.Sub(prev.Start.Add(prev.Report.Duration())); gap > time.Second {
				t.Gaps++
				t.Missing += gap
			} else {
				t.Restarts++
			}
		}
	}
	if len(segs) > 0 {
		t.First = segs[0].Start
		last := segs[len(segs)-1]
		t.Last = last.Start.Add(last.Report.Duration())
	}
	return v
}

// restartAndGap is a day of 10 segments: a camera restart after seg4 and
// a 30-second gap after seg7.
func restartAndGap(d day.Date) []ts.Segment {
	at := d.Start(cet).Add(8 * time.Hour)
	a := run(1, 4, at, 126000)
	b := run(5, 3, at.Add(40*time.Second), 126000)
	b[0].Discontinuity = true
	c := run(9, 3, at.Add(100*time.Second), 126000+9*10*ts.Clock)
	c[0].Discontinuity = true
	return slices.Concat(a, b, c)
}

// fakeThumbs has thumbnails of the hours it is given, all the same
// picture; a test that changes hours bumps version.
type fakeThumbs struct {
	hours   map[day.Date]uint32
	version uint64
	picture string // a file's path
}

func (f *fakeThumbs) Hours(d day.Date) uint32 { return f.hours[d] }

func (f *fakeThumbs) Version() uint64 { return f.version }

func (f *fakeThumbs) Open(d day.Date, hour int) (*os.File, error) {
	if f.hours[d]&(1<<hour) == 0 {
		return nil, os.ErrNotExist
	}
	return os.Open(f.picture)
}

// fakeExporter turns exports on for the page; it cuts nothing.
type fakeExporter struct{}

func (fakeExporter) ParseRange(start, end string) (export.Range, error) {
	return export.Range{}, export.ErrBadRange
}

func (fakeExporter) Export(context.Context, export.Range, func(export.Progress)) (*export.Clip, error) {
	return nil, export.ErrNoFootage
}
