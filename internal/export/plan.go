package export

import (
	"fmt"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// piece is a segment to export: the day folder it is in, and the plan's
// segment with Shift moved onto the export's timeline.
type piece struct {
	date day.Date
	seg  ts.Segment
	// planShift is the segment's Shift in its day's plan.
	planShift int64
}

func (p *piece) path() string { return p.date.String() + "/" + p.seg.Name }

// outStart and outEnd bound the segment's frames on the export's timeline.
func (p *piece) outStart() int64 { return p.seg.OutDTS() }
func (p *piece) outEnd() int64   { return p.seg.OutDTS() + p.seg.Report.EndDTS() - p.seg.Report.FirstDTS }

// wallAt is the wall-clock time of the frame at pts on the export's timeline.
func (p *piece) wallAt(pts int64) time.Time {
	return p.seg.Start.Add(ts.Ticks(pts - p.outStart()))
}

// exportPlan is what an export reads and where it puts it.
type exportPlan struct {
	r      Range
	pieces []piece
	// from and to bound the range on the export's timeline.
	from, to int64
}

func (p *exportPlan) days() []day.Date {
	var ds []day.Date
	for i := range p.pieces {
		if !slices.Contains(ds, p.pieces[i].date) {
			ds = append(ds, p.pieces[i].date)
		}
	}
	return ds
}

func (p *exportPlan) bytes() int64 {
	var n int64
	for i := range p.pieces {
		n += p.pieces[i].seg.Report.Size
	}
	return n
}

// origin is where the range's start is on the export's timeline before
// the timeline is moved to put its first frame at a whole second: far
// enough from 0 that a segment starting before the range stays above it.
const origin = 3600 * ts.Clock

// toTicks converts a duration to 90 kHz ticks, rounding down.
func toTicks(d time.Duration) int64 {
	t := d.Microseconds() * 9 / 100
	if d < 0 && d.Microseconds()*9%100 != 0 {
		t--
	}
	return t
}

// plan finds the segments that hold r's footage and lays them on one
// timeline. Within a camera run of one day they keep the distances of
// their timestamps, as in the day's plan (gaps stay gaps); a new run or
// a new day goes where its wall-clock time puts it, but never before the
// end of the footage before it (a restart's clock estimate may overlap).
func (e *Exporter) plan(r Range) (*exportPlan, error) {
	loc := e.cfg.Location
	var pieces []piece
	for d := day.Of(r.Start.In(loc)).AddDays(-1); !day.Of(r.End.In(loc)).AddDays(1).Before(d); d = d.Next() {
		v, ok := e.cfg.Days.Day(d)
		if !ok || v.Plan == nil {
			continue
		}
		segs := v.Plan.Segments
		for i := range segs {
			s := &segs[i]
			if s.Start.IsZero() || !s.Start.Before(r.End) || !s.Start.Add(s.Report.Duration()).After(r.Start) {
				continue
			}
			// A segment that does not start with a keyframe needs the one
			// before it, if it runs on from it, for its first frames to decode.
			if len(pieces) == 0 && !s.Report.StartsWithKeyframe && i > 0 && !s.Discontinuity {
				pieces = append(pieces, piece{date: d, seg: segs[i-1], planShift: segs[i-1].Shift})
			}
			pieces = append(pieces, piece{date: d, seg: *s, planShift: s.Shift})
		}
	}
	if len(pieces) == 0 {
		return nil, e.noFootage(r)
	}
	slices.SortStableFunc(pieces, func(a, b piece) int { return a.seg.Start.Compare(b.seg.Start) })
	var end int64
	for i := range pieces {
		p := &pieces[i]
		if i > 0 && pieces[i-1].date == p.date && pieces[i-1].seg.Run == p.seg.Run {
			q := &pieces[i-1]
			p.seg.Shift = q.seg.Shift + p.planShift - q.planShift
		} else {
			at := max(origin+toTicks(p.seg.Start.Sub(r.Start)), end)
			p.seg.Shift = at - p.seg.Report.FirstDTS
		}
		end = p.outEnd()
	}
	return &exportPlan{r: r, pieces: pieces, from: origin, to: origin + toTicks(r.Duration())}, nil
}

// shift moves the whole timeline by d ticks.
func (p *exportPlan) shift(d int64) {
	for i := range p.pieces {
		p.pieces[i].seg.Shift += d
	}
	p.from += d
	p.to += d
}

// at is the piece that holds the frame at pts on the export's timeline.
func (p *exportPlan) at(pts int64) *piece {
	for i := len(p.pieces) - 1; i >= 0; i-- {
		if p.pieces[i].outStart() <= pts {
			return &p.pieces[i]
		}
	}
	return &p.pieces[0]
}

// noFootage is ErrNoFootage naming the footage nearest to r.
func (e *Exporter) noFootage(r Range) error {
	var before, after time.Time
	for _, v := range e.cfg.Days.Days() {
		if v.Plan == nil {
			continue
		}
		for i := range v.Plan.Segments {
			s := &v.Plan.Segments[i]
			if s.Start.IsZero() {
				continue
			}
			end := s.Start.Add(s.Report.Duration())
			if !end.After(r.Start) && end.After(before) {
				before = end
			}
			if !s.Start.Before(r.End) && (after.IsZero() || s.Start.Before(after)) {
				after = s.Start
			}
		}
	}
	const layout = "2006-01-02T15:04:05.000Z07:00"
	loc := e.cfg.Location
	msg := fmt.Sprintf("%v from %s to %s", ErrNoFootage, r.Start.In(loc).Format(layout), r.End.In(loc).Format(layout))
	switch {
	case before.IsZero() && after.IsZero():
		msg += "; the camera has no footage in segments"
	case before.IsZero():
		msg += "; the nearest footage begins at " + after.In(loc).Format(layout)
	case after.IsZero():
		msg += "; the nearest footage ends at " + before.In(loc).Format(layout)
	default:
		msg += "; the nearest footage ends at " + before.In(loc).Format(layout) + " and begins again at " + after.In(loc).Format(layout)
	}
	return &noFootageError{msg: msg}
}

type noFootageError struct{ msg string }

func (e *noFootageError) Error() string { return e.msg }
func (e *noFootageError) Unwrap() error { return ErrNoFootage }
