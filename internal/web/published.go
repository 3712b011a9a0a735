package web

import (
	"log/slog"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/hls"
)

// published remembers what the EVENT playlists of today (and of days
// after it, a camera's clock ahead) have listed. An EVENT playlist may
// only grow: a player that loaded it keeps its entries, so an entry once
// listed never changes or goes, whatever later happens to its file, and
// new segments are only appended. The catalog publishes a segment once it
// is complete, so in practice the day's plan grows at its end; what does
// not (a file that changed after all, a late file placed before the end)
// is logged and kept out of the way: the day's VOD playlist, once it is
// over, is made from the plan again.
type published struct {
	mu   sync.Mutex
	days map[day.Date]*eventDay
}

// eventDay is one day's EVENT playlist so far.
type eventDay struct {
	version uint64 // of the view merged last
	segs    []hls.Segment
	at      map[string]int // segment name → index in segs
	last    string         // name of segs' last entry
	warned  map[string]bool
	sig     uint64 // changes whenever segs does
}

// has reports whether d's EVENT playlist was ever made.
func (p *published) has(d day.Date) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.days[d]
	return ok
}

// list is d's EVENT playlist so far, merged with v unless v is nil (its
// files still wait for their scan, so its plan may be partial); ok is
// false when nothing was ever merged for the day. The result is shared
// and must not be changed.
func (p *published) list(v *catalog.DayView, d day.Date, today day.Date, loc *time.Location, log *slog.Logger) (segs []hls.Segment, sig uint64, ok bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.days == nil {
		p.days = map[day.Date]*eventDay{}
	}
	for old := range p.days {
		if old.Before(today) {
			delete(p.days, old) // its playlist is a VOD made from the plan now
		}
	}
	e := p.days[d]
	if v != nil {
		if e == nil {
			e = &eventDay{at: map[string]int{}, warned: map[string]bool{}}
			p.days[d] = e
		}
		if e.version != v.Version {
			e.merge(v, loc, log)
		}
	}
	if e == nil {
		return nil, 0, false
	}
	return e.segs[:len(e.segs):len(e.segs)], e.sig, true
}

func (e *eventDay) merge(v *catalog.DayView, loc *time.Location, log *slog.Logger) {
	e.version = v.Version
	segs := v.Plan.Segments
	end := -1 // plan index of the last listed segment
	for i := range segs {
		if _, ok := e.at[segs[i].Name]; ok {
			end = i
		}
	}
	found, appended := 0, false
	for i := range segs {
		s := &segs[i]
		if j, ok := e.at[s.Name]; ok {
			found++
			if d := s.Report.Duration(); d != e.segs[j].Duration && !e.warned[s.Name] {
				e.warned[s.Name] = true
				log.Warn("listed segment changed; today's playlist keeps what it listed",
					"day", v.Date.String(), "segment", s.Name, "listed", e.segs[j].Duration, "now", d)
			}
			continue
		}
		if i < end {
			// Placed before segments already listed: appending it would
			// play it out of order, inserting it would change the list.
			if !e.warned[s.Name] {
				e.warned[s.Name] = true
				log.Warn("late segment left out of today's playlist until the day is over",
					"day", v.Date.String(), "segment", s.Name)
			}
			continue
		}
		seg := hls.Segment{URI: segmentURI(v.Date, s.Name), Duration: s.Report.Duration(),
			ProgramDateTime: s.Start.In(loc), Discontinuity: s.Discontinuity}
		if len(e.segs) > 0 && (i == 0 || segs[i-1].Name != e.last) {
			seg.Discontinuity = true // it follows on from its plan neighbour, not from what is listed before it
		}
		e.at[s.Name] = len(e.segs)
		e.segs = append(e.segs, seg)
		e.last = s.Name
		found++
		appended = true
	}
	if found < len(e.segs) {
		// A listed segment left the plan: its file changed or went away.
		in := make(map[string]bool, len(segs))
		for i := range segs {
			in[segs[i].Name] = true
		}
		for name := range e.at {
			if !in[name] && !e.warned[name] {
				e.warned[name] = true
				log.Warn("listed segment changed or gone; today's playlist keeps it", "day", v.Date.String(), "segment", name)
			}
		}
	}
	if appended || e.sig == 0 {
		e.sig = mix(uint64(len(e.segs))+1, 0)
		if n := len(e.segs); n > 0 {
			e.sig = mix(e.sig, uint64(e.segs[n-1].ProgramDateTime.UnixNano()))
		}
	}
}
