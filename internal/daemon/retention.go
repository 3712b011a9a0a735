package daemon

import (
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/retention"
)

// buildRetention builds retention over every camera's days: the catalog
// tells a day's archives and segments, the camera's calendar when it is due.
func (c *components) buildRetention() error {
	keep, err := retention.ParseLimit(c.cfg.KeepFree)
	if err != nil {
		return err
	}
	maxAge, err := retention.ParseAge(c.cfg.MaxAge)
	if err != nil {
		return err
	}
	ages := map[string]int{}
	for name, cc := range c.cfg.Cameras {
		if cc.MaxAge != "" {
			if ages[name], err = retention.ParseAge(cc.MaxAge); err != nil {
				return err
			}
		}
	}
	met := c.met.NewRetention()
	c.ret, err = retention.New(retention.Config{
		Root: c.cfg.Root, State: c.cfg.StateDir, KeepFree: keep, Calendar: c.cal,
		MaxAge: func(camera string) int {
			if n, ok := ages[camera]; ok {
				return n
			}
			return maxAge
		},
		Days: c.retentionDays,
		Folder: func(camera string) string {
			root, _ := c.folders(camera)
			return root
		},
		// A day whose archive a scrub found damaged is evidence that a
		// copy may still restore: never deleted.
		Damaged:   c.scrub.Damaged,
		InUse:     c.exports.InUse,
		KeepLocal: c.cfg.KeepLocal,
		Offsite:   c.offsiteCovers(),
		OnDelete:  func(camera string, _ int, bytes int64) { met.Deleted(camera, bytes) },
		OnBlocked: met.Blocked,
	}, c.log)
	return err
}

// retentionDays are every camera's days as retention plans them at now.
func (c *components) retentionDays(now time.Time) []retention.Day {
	var out []retention.Day
	for _, s := range c.cams.all() {
		for _, v := range s.cat.Days() {
			d := retention.Day{Camera: s.name, Date: v.Date, Segments: len(v.Plan.Segments), Pending: v.Pending,
				Due: s.cal.IsDue(v.Date, now)}
			for _, a := range v.Archives {
				d.Archives = append(d.Archives, retention.Archive{Name: a.Name, Size: a.Size, Checksum: a.Checksum})
			}
			out = append(out, d)
		}
	}
	return out
}

// heldDays are one camera's holds and the banner, as its site shows them.
type heldDays struct {
	ret    *retention.Retention
	camera string
}

func (h heldDays) HeldDays() map[day.Date]string { return h.ret.HeldDays(h.camera) }
func (h heldDays) Blocked() string               { return h.ret.Blocked() }
