package thumbs

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// A thumbnail's name is its hour in the configured time zone. What it
// shows is a moment, though, so each day folder also holds at.json: when
// each of its thumbnails was filmed (the start of the segment it was
// grabbed from). When the zone changes, New names every thumbnail anew
// from that moment (another hour, or another day), so that the page's
// hour labels and seeking follow the zone. A thumbnail with no moment on
// record (made before they were recorded) is taken as made in the zone of
// the first start that finds it.

const atName = "at.json"

// readAt reads a day's record of when its thumbnails were filmed, by hour.
func (t *Thumbs) readAt(d day.Date) (map[int]time.Time, error) {
	b, err := t.dir.ReadFile(d.String() + "/" + atName)
	if errors.Is(err, fs.ErrNotExist) {
		return map[int]time.Time{}, nil
	}
	if err != nil {
		return nil, err
	}
	var byName map[string]time.Time
	if err := json.Unmarshal(b, &byName); err != nil {
		return nil, fmt.Errorf("%s/%s: %w", d, atName, err)
	}
	out := make(map[int]time.Time, len(byName))
	for hh, at := range byName {
		if h, ok := hourOf(hh + ".jpg"); ok {
			out[h] = at
		}
	}
	return out, nil
}

// writeAt records when day d's thumbnails were filmed; a hidden temporary
// file renamed into place, so that a crash leaves the old record or none.
func (t *Thumbs) writeAt(d day.Date, at map[int]time.Time) error {
	byName := make(map[string]time.Time, len(at))
	for h, a := range at {
		byName[fmt.Sprintf("%02d", h)] = a
	}
	b, err := json.Marshal(byName)
	if err != nil {
		return err
	}
	tmp, n := d.String()+"/."+atName+".tmp", d.String()+"/"+atName
	if err := t.dir.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	if err := t.dir.Rename(tmp, n); err != nil {
		t.dir.Remove(tmp)
		return err
	}
	return nil
}

// place is a thumbnail's name: its day and hour.
type place struct {
	d day.Date
	h int
}

// placeOf is where a moment's thumbnail belongs in loc.
func placeOf(at time.Time, loc *time.Location) place {
	at = at.In(loc)
	return place{day.Of(at), at.Hour()}
}

// follow renames the loaded thumbnails (t.hours) to the hours their
// moments fall in in loc, and records the moments of those that had none.
// Moves go through hidden names first, so that shifting every hour of a
// day by one never overwrites a thumbnail still to be moved; two that land
// on one hour (the hour repeated when clocks go back) keep the first.
func (t *Thumbs) follow(loc *time.Location) error {
	ats := map[day.Date]map[int]time.Time{}
	dirty := map[day.Date]bool{}
	type move struct {
		from, to place
		at       time.Time
	}
	var moves []move
	for _, d := range slices.SortedFunc(maps.Keys(t.hours), day.Date.Compare) {
		at, err := t.readAt(d)
		if err != nil {
			t.log.Warn("thumbnail times unreadable; taken as made in this zone", "day", d.String(), "err", err)
			at = map[int]time.Time{}
		}
		ats[d] = at
		for h := range 24 {
			if t.hours[d]&(1<<h) == 0 {
				continue
			}
			a, ok := at[h]
			if !ok {
				at[h], dirty[d] = time.Date(d.Year, d.Month, d.Day, h, 0, 0, 0, loc), true
				continue
			}
			if to := placeOf(a, loc); to != (place{d, h}) {
				moves = append(moves, move{place{d, h}, to, a})
			}
		}
	}
	hidden := func(p place) string { return fmt.Sprintf("%s/.relabel-%02d.jpg", p.d, p.h) }
	for _, m := range moves {
		if err := t.dir.Rename(name(m.from.d, m.from.h), hidden(m.from)); err != nil {
			return fmt.Errorf("thumbs: relabel: %w", err)
		}
		t.hours[m.from.d] &^= 1 << m.from.h
		delete(ats[m.from.d], m.from.h)
		dirty[m.from.d] = true
	}
	for _, m := range moves {
		to := m.to
		if t.hours[to.d]&(1<<to.h) != 0 {
			t.dir.Remove(hidden(m.from)) // the hour has its thumbnail
			continue
		}
		if err := t.dir.Mkdir(to.d.String(), 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("thumbs: relabel: %w", err)
		}
		if err := t.dir.Rename(hidden(m.from), name(to.d, to.h)); err != nil {
			return fmt.Errorf("thumbs: relabel: %w", err)
		}
		t.hours[to.d] |= 1 << to.h
		if ats[to.d] == nil {
			ats[to.d] = map[int]time.Time{}
		}
		ats[to.d][to.h] = m.at
		dirty[to.d] = true
		t.log.Info("thumbnail renamed to its hour in this time zone", "from", name(m.from.d, m.from.h), "to", name(to.d, to.h))
	}
	for d := range dirty {
		if err := t.writeAt(d, ats[d]); err != nil {
			return fmt.Errorf("thumbs: %w", err)
		}
	}
	t.at = ats
	return nil
}

// record notes when the thumbnail of hour h of day d was filmed. A record
// that cannot be written costs only the renaming after a zone change.
func (t *Thumbs) record(d day.Date, h int, at time.Time) {
	t.mu.Lock()
	m := t.at[d]
	if m == nil {
		m = map[int]time.Time{}
		t.at[d] = m
	}
	m[h] = at
	cp := maps.Clone(m)
	t.mu.Unlock()
	if err := t.writeAt(d, cp); err != nil {
		t.log.Warn("cannot record when a thumbnail was filmed", "day", d.String(), "hour", strconv.Itoa(h), "err", err)
	}
}
