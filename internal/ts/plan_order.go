package ts

import (
	"fmt"
	"slices"
	"time"
)

// Reordered marks files whose names put them out of the order they were
// filmed in: the plan follows the filming, and says which files it moved.
const Reordered Kind = "reordered"

// When names and timestamps disagree, timestamps win. Names are a
// camera's (or a person's) labels: a camera that changes its naming
// (seg1.ts… beside 2026-11-28T10-01-00.ts) or a file renamed by hand sorts
// anywhere, while the stream's clock and the time a file was written are
// what happened. But a file's time is only evidence while it is the
// camera's: a copy that did not keep the times (cp without -p) gives every
// file of a run nearly the same time. So the order is decided in pieces
// (stretches that names and stream timestamps agree on, cut at every gap
// and restart) and a piece goes before one that names put ahead of it only
// when the clocks say so without doubt:
//
//   - both pieces' file times are the camera's (clockSpread), and
//   - it was filmed wholly before the other (within orderSlack), or its
//     stream's timestamps run on into the other's first frame while the
//     file times agree that one follows the other (within followSlack).
//
// Otherwise names decide, as they always did; where names and timestamps
// agree nothing changes.
const (
	// orderSlack is how far two pieces' wall-clock stretches may overlap
	// with one still counting as filmed before the other: more than an
	// upload's usual delay, less than the length of one segment, by which
	// the stretches of copied files overlap.
	orderSlack = 3 * time.Second
	// followSlack bounds how far apart in file times two pieces whose
	// stream timestamps join may be for the join to count.
	followSlack = 10 * time.Second
	// clockSpread is how far the starts that a run's files' times imply
	// may scatter for those times to count as the camera's (each file
	// written as its last frame was filmed). A copy scatters them by the
	// run's length.
	clockSpread = 5 * time.Second
)

// piece is a stretch of a plan's segments that names and stream
// timestamps agree on: no gap or restart inside.
type piece struct {
	lo, hi     int       // Segments[lo:hi]
	from, to   time.Time // filmed from the first frame to the end of the last
	clocked    bool      // from and to come from the camera's file times
	head, tail *Report   // of its first and last segments, in the plan
}

// orderPieces cuts the plan's segments at every gap and restart.
func (p *Plan) orderPieces() []piece {
	clocked := p.clockedRuns()
	var ps []piece
	for i := range p.Segments {
		s := &p.Segments[i]
		if i == 0 || s.Discontinuity {
			ps = append(ps, piece{lo: i, from: s.Start, head: &s.Report,
				clocked: clocked[s.Run] && !s.Start.IsZero()})
		}
		c := &ps[len(ps)-1]
		c.hi, c.to = i+1, s.Start.Add(s.Report.Duration())
		c.tail = &s.Report
	}
	return ps
}

// clockedRuns reports, per run, whether its files' times are the camera's:
// every file has one, and the starts they imply agree within clockSpread.
func (p *Plan) clockedRuns() map[int]bool {
	out := map[int]bool{}
	for lo := 0; lo < len(p.Segments); {
		hi := lo
		var early, late time.Time
		ok := true
		for hi < len(p.Segments) && p.Segments[hi].Run == p.Segments[lo].Run {
			s := &p.Segments[hi]
			if s.ModTime.IsZero() {
				ok = false
			}
			t := s.ModTime.Add(-s.Report.Duration() - Ticks(s.OutDTS()-p.Segments[lo].OutDTS()))
			if early.IsZero() || t.Before(early) {
				early = t
			}
			if late.IsZero() || t.After(late) {
				late = t
			}
			hi++
		}
		out[p.Segments[lo].Run] = ok && late.Sub(early) <= clockSpread
		lo = hi
	}
	return out
}

// before reports that piece a was filmed before piece b, beyond doubt.
func before(a, b *piece) bool {
	if !a.clocked || !b.clocked || !a.from.Before(b.from) {
		return false
	}
	if !a.to.After(b.from.Add(orderSlack)) {
		return true
	}
	return runsInto(a, b) && b.from.Sub(a.to).Abs() <= followSlack
}

// runsInto reports that b's stream timestamps start where a's end.
func runsInto(a, b *piece) bool {
	return FollowsOn(a.tail, b.head)
}

// filmingOrder is the pieces' order when the clocks make names wrong; nil
// when names stand. Among the pieces free to go next, the first by name goes.
func filmingOrder(ps []piece) []int {
	// Pieces filmed in name order need no more: before requires a start
	// earlier than the other's, so no clock can put one ahead of a piece
	// named before it.
	var last time.Time
	sorted := true
	for i := range ps {
		if !ps[i].clocked {
			continue
		}
		if !last.IsZero() && !last.Before(ps[i].from) {
			sorted = false
			break
		}
		last = ps[i].from
	}
	if sorted {
		return nil
	}
	n := len(ps)
	waits := make([]int, n) // pieces not yet placed that must go before
	for a := range ps {
		for b := range ps {
			if a != b && before(&ps[a], &ps[b]) {
				waits[b]++
			}
		}
	}
	placed := make([]bool, n)
	order := make([]int, 0, n)
	for len(order) < n {
		next := -1
		for i := range ps {
			if !placed[i] && waits[i] == 0 {
				next = i
				break
			}
		}
		if next < 0 { // cannot happen (before orders by start); names decide
			next = slices.Index(placed, false)
		}
		placed[next] = true
		order = append(order, next)
		for b := range ps {
			if !placed[b] && before(&ps[next], &ps[b]) {
				waits[b]--
			}
		}
	}
	for i, k := range order {
		if i != k {
			return order
		}
	}
	return nil
}

// inFilmingOrder is p, its segments put in the order they were filmed in
// where names got it wrong. The files kept out stay out, with their
// findings; the timeline and its findings are worked out again in the new
// order, and a Reordered finding names each piece that was moved.
func (p *Plan) inFilmingOrder() Plan {
	ps := p.orderPieces()
	if len(ps) < 2 {
		return *p
	}
	order := filmingOrder(ps)
	if order == nil {
		return *p
	}
	q := Plan{Kept: p.Kept}
	for _, f := range p.Findings {
		switch f.Kind {
		case Gap, Restart, Damaged:
			continue // found again by add
		}
		q.Findings = append(q.Findings, f)
	}
	for _, k := range order {
		for i := ps[k].lo; i < ps[k].hi; i++ {
			s := &p.Segments[i]
			q.add(&File{Name: s.Name, Size: s.Report.Size, ModTime: s.ModTime, Report: s.Report})
		}
	}
	q.wallClock()
	q.Findings = append(p.moved(ps, order), q.Findings...)
	return q
}

// moved describes each piece that goes ahead of pieces named before it.
func (p *Plan) moved(ps []piece, order []int) []Finding {
	var out []Finding
	for pos, k := range order {
		// The first by name of the pieces it now goes before.
		ahead := -1
		for _, j := range order[pos+1:] {
			if j < k && (ahead < 0 || j < ahead) {
				ahead = j
			}
		}
		if ahead < 0 {
			continue
		}
		a, b := &ps[k], &ps[ahead]
		files := []string{p.Segments[a.lo].Name}
		what, verb := p.Segments[a.lo].Name, "goes"
		if a.hi-a.lo > 1 {
			files = append(files, p.Segments[a.hi-1].Name)
			what, verb = fmt.Sprintf("%d files %s … %s", a.hi-a.lo, files[0], files[1]), "go"
		}
		ahd := p.Segments[b.lo].Name
		why := "its files' times say it was filmed first"
		if pos+1 < len(order) && order[pos+1] == ahead && runsInto(a, b) {
			why = "the stream's timestamps run on from " + p.Segments[a.hi-1].Name + " into " + ahd
		}
		out = append(out, Finding{Kind: Reordered, Files: append(files, ahd),
			Detail: fmt.Sprintf("%s (filmed %s–%s) %s before %s (filmed from %s), which names put first: %s",
				what, clock(a.from), clock(a.to), verb, ahd, clock(b.from), why)})
	}
	return out
}

func clock(t time.Time) string { return t.Format("15:04:05") }
