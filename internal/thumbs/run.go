package thumbs

import (
	"context"
	"os/exec"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
)

// maxTries is how many segments of an hour ffmpeg is given before the
// hour goes without a thumbnail (until a restart).
const maxTries = 3

// Run makes the missing thumbnails of what the catalog lists, then again
// at each of its changes, until ctx ends. Without ffmpeg it says so once
// and makes none.
func (t *Thumbs) Run(ctx context.Context) error {
	if _, err := exec.LookPath(t.cfg.FFmpeg); err != nil {
		t.log.Warn("no thumbnails: ffmpeg not found", "err", err)
		<-ctx.Done()
		return nil
	}
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
			key, hour := v.Date.String()+"/"+seg.Name, hourKey(v.Date, at.Hour())
			if t.failed[key] || t.tries[hour] >= maxTries {
				continue
			}
			if err := t.make(ctx, v.Date, at.Hour(), seg.Name); err != nil {
				if ctx.Err() != nil {
					return
				}
				t.failed[key] = true
				t.tries[hour]++
				t.log.Warn("no thumbnail", "day", v.Date.String(), "segment", seg.Name, "tries", t.tries[hour], "err", err)
				continue
			}
			have |= 1 << at.Hour()
			t.record(v.Date, at.Hour(), seg.Start)
			t.add(v.Date, at.Hour())
			made++
		}
	}
	if made > 0 {
		t.log.Info("thumbnails made", "count", made, "took", time.Since(start).Round(time.Millisecond))
	}
}

func hourKey(d day.Date, hour int) string { return name(d, hour) }

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
		delete(t.at, d)
		t.bump()
		t.mu.Unlock()
		for k := range t.failed {
			if strings.HasPrefix(k, d.String()+"/") {
				delete(t.failed, k)
			}
		}
		for k := range t.tries {
			if strings.HasPrefix(k, d.String()+"/") {
				delete(t.tries, k)
			}
		}
		t.log.Info("thumbnails removed", "day", d.String())
	}
}
