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
	all := e.window(r)
	// The runs are laid out whole, before the range is picked out, so
	// that a frame's place does not depend on where the range begins.
	sortRuns(all)
	layout(all, r, 0, time.Time{})
	var pieces []piece
	for i := range all {
		s := &all[i].seg
		if !s.Start.Before(r.End) || !s.Start.Add(s.Report.Duration()).After(r.Start) {
			continue
		}
		// A segment that does not start with a keyframe needs the one
		// before it, if it runs on from it, for its first frames to decode.
		if len(pieces) == 0 && !s.Report.StartsWithKeyframe && i > 0 && sameRun(&all[i-1], &all[i]) && !s.Discontinuity {
			pieces = append(pieces, all[i-1])
		}
		pieces = append(pieces, all[i])
	}
	if len(pieces) == 0 {
		return nil, e.noFootage(r)
	}
	return &exportPlan{r: r, pieces: pieces, from: origin, to: origin + toTicks(r.Duration())}, nil
}

// window lists the segments of the range's days and the days either side
// (a segment may be filed under the day it was uploaded on), in plan order.
func (e *Exporter) window(r Range) []piece {
	loc := e.cfg.Location
	var all []piece
	for d := day.Of(r.Start.In(loc)).AddDays(-1); !day.Of(r.End.In(loc)).AddDays(1).Before(d); d = d.Next() {
		v, ok := e.cfg.Days.Day(d)
		if !ok || v.Plan == nil {
			continue
		}
		for _, s := range v.Plan.Segments {
			if !s.Start.IsZero() {
				all = append(all, piece{date: d, seg: s, planShift: s.Shift})
			}
		}
	}
	return all
}

// sameRun reports whether b runs on a's camera clock: same day folder, same run.
func sameRun(a, b *piece) bool { return a.date == b.date && a.seg.Run == b.seg.Run }

// sortRuns orders the pieces by their runs' wall-clock start, keeping
// each run whole and in its own order: a restart whose clock estimate
// overlaps the run before must not be interleaved with it.
func sortRuns(pieces []piece) {
	type span struct{ lo, hi int }
	var runs []span
	for i := range pieces {
		if i == 0 || !sameRun(&pieces[i-1], &pieces[i]) {
			runs = append(runs, span{i, i})
		}
		runs[len(runs)-1].hi = i + 1
	}
	slices.SortStableFunc(runs, func(a, b span) int { return pieces[a.lo].seg.Start.Compare(pieces[b.lo].seg.Start) })
	sorted := make([]piece, 0, len(pieces))
	for _, s := range runs {
		sorted = append(sorted, pieces[s.lo:s.hi]...)
	}
	copy(pieces, sorted)
}

// layout lays the pieces on the export's timeline, none before end.
// Within a camera run of one day they keep the distances of their
// timestamps (gaps stay gaps); a new run or a new day goes where its
// wall-clock time puts it, but never before the end of the footage
// before it. Where its clock estimate overlaps, the run follows on and
// its wall-clock times move with it: the clip's timeline and the
// manifest's times are one. endWall is the wall-clock time at end. It
// returns the end of the last piece, on the timeline and on the wall clock.
func layout(pieces []piece, r Range, end int64, endWall time.Time) (int64, time.Time) {
	var push time.Duration // how far the current run was moved later
	for i := range pieces {
		p := &pieces[i]
		if i > 0 && sameRun(&pieces[i-1], p) {
			q := &pieces[i-1]
			p.seg.Shift = q.seg.Shift + p.planShift - q.planShift
			p.seg.Start = p.seg.Start.Add(push)
		} else {
			push = 0
			at := origin + toTicks(p.seg.Start.Sub(r.Start))
			if at < end {
				at = end
				if !endWall.IsZero() {
					push = max(endWall.Sub(p.seg.Start), 0) // not earlier: a tick's rounding
					p.seg.Start = p.seg.Start.Add(push)
				}
			}
			p.seg.Shift = at - p.seg.Report.FirstDTS
		}
		end, endWall = p.outEnd(), p.seg.Start.Add(p.seg.Report.Duration())
	}
	return end, endWall
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
