package thumbs

import (
	"context"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
)

// Run makes the missing thumbnails of what the catalog lists, then again
// at each of its changes, until ctx ends.
func (t *Thumbs) Run(ctx context.Context) error {
	for {
		changed := t.cfg.Catalog.Changed()
		t.sync(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-changed:
		}
	}
}

// sync drops the thumbnails of days that are gone and makes the missing
// ones, newest day first.
func (t *Thumbs) sync(ctx context.Context) {
	days := t.cfg.Catalog.Days()
	t.prune(days)
	loc := t.cfg.Now().Location()
	made, start := 0, time.Now()
	for _, v := range days {
		have := t.Hours(v.Date)
		for i := range v.Plan.Segments {
			if ctx.Err() != nil {
				return
			}
			seg := &v.Plan.Segments[i]
			at := seg.Start.In(loc)
			if day.Of(at) != v.Date || have&(1<<at.Hour()) != 0 {
				continue // another day's time (a camera's clock astray), or done
			}
			key := v.Date.String() + "/" + seg.Name
			if t.failed[key] {
				continue
			}
			if err := t.make(ctx, v.Date, at.Hour(), seg.Name); err != nil {
				if ctx.Err() != nil {
					return
				}
				t.failed[key] = true
				t.log.Warn("no thumbnail", "day", v.Date.String(), "segment", seg.Name, "err", err)
				continue
			}
			have |= 1 << at.Hour()
			t.add(v.Date, at.Hour())
			made++
		}
	}
	if made > 0 {
		t.log.Info("thumbnails made", "count", made, "took", time.Since(start).Round(time.Millisecond))
	}
}

// prune removes the thumbnails of days no longer in the catalog.
func (t *Thumbs) prune(days []*catalog.DayView) {
	keep := make(map[day.Date]bool, len(days))
	for _, v := range days {
		keep[v.Date] = true
	}
	t.mu.Lock()
	var gone []day.Date
	for d := range t.hours {
		if !keep[d] {
			gone = append(gone, d)
		}
	}
	t.mu.Unlock()
	for _, d := range gone {
		if err := t.dir.RemoveAll(d.String()); err != nil {
			t.log.Warn("cannot remove thumbnails", "day", d.String(), "err", err)
			continue
		}
		t.mu.Lock()
		delete(t.hours, d)
		t.bump()
		t.mu.Unlock()
		for k := range t.failed {
			if strings.HasPrefix(k, d.String()+"/") {
				delete(t.failed, k)
			}
		}
		t.log.Info("thumbnails removed", "day", d.String())
	}
}
