package daemon

import (
	"context"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/control"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/retention"
	"github.com/cctvd/cctvd/internal/uploader"
)

// buildOffsite builds the uploader of every camera's archived days, when
// --offsite asks for one. It comes before retention (which asks it which
// days are verified off-site) and the stacks (whose archivers kick it).
// The bucket is opened when the uploader runs, not here: a server that
// cannot be reached, or a wrong key, must not stop cctvd from recording.
func (c *components) buildOffsite() error {
	if c.cfg.Offsite == "" {
		return nil
	}
	t, ocfg, err := c.cfg.offsiteSettings()
	if err != nil {
		return err
	}
	state, err := offsiteState(c.cfg.StateDir)
	if err != nil {
		return err
	}
	c.closers = append(c.closers, state.Close)
	c.offsiteState = state
	c.openBucket = func(ctx context.Context) (*offsite.Bucket, error) {
		return offsite.Open(ctx, t, ocfg, state, c.log)
	}
	// Pages and exports read the days whose local archives are gone from
	// the bucket; they open it when a file is first asked for.
	c.offsite = newOffsiteSource(state, c.openBucket, c.log)
	met := c.met.NewOffsite()
	var up *uploader.Uploader
	up, err = uploader.New(uploader.Config{
		Target: t.String(),
		Open: func(ctx context.Context) (uploader.Bucket, error) {
			// Opened again after wrong credentials: the credentials
			// file is read again, so a fixed one needs no restart.
			b, err := c.openBucket(ctx)
			if err != nil {
				return nil, err
			}
			b.CountSent(up.Sent)
			return b, nil
		},
		State:     state,
		Days:      c.offsiteDays,
		Cameras:   c.cameraNames,
		Version:   Version(),
		KeepLocal: c.cfg.KeepLocal,
		OnVerified: func(camera string, at time.Time) {
			met.Verified(camera, at)
			c.ret.Kick() // --keep-local may let the day's local archives go
		},
		OnError: met.Error,
		OnSent:  met.Sent,
		OnScan:  met.Scanned,
	}, c.log)
	if err != nil {
		return err
	}
	c.up = up
	return nil
}

// cameraNames are the cameras' names, for the bucket's site marker.
func (c *components) cameraNames() []string {
	var out []string
	for _, s := range c.cams.all() {
		out = append(out, s.name)
	}
	return out
}

// offsiteDays are every camera's days with archives, as the uploader
// copies them.
func (c *components) offsiteDays() []uploader.Day {
	var out []uploader.Day
	for _, s := range c.cams.all() {
		root, state := c.folders(s.name)
		busy := map[day.Date]bool{}
		for _, j := range s.arc.Status().Days {
			if j.State == archive.StateQueued || j.State == archive.StateConverting {
				busy[j.Date] = true
			}
		}
		for _, v := range s.cat.Days() {
			if len(v.Archives) == 0 {
				continue
			}
			d := uploader.Day{Camera: s.name, Date: v.Date, Root: root, State: state, Busy: busy[v.Date], Version: v.Version,
				Damaged: c.scrub.Damaged(s.name, v.Date)}
			for _, a := range v.Archives {
				d.Archives = append(d.Archives, uploader.Archive{Name: a.Name, Size: a.Size, Checksum: a.Checksum})
			}
			out = append(out, d)
		}
	}
	return out
}

// offsiteCovers tells retention which days' archives are verified
// off-site; nil when off-site copies are off.
func (c *components) offsiteCovers() func(camera string, d day.Date, archives []retention.Archive) bool {
	if c.up == nil {
		return nil
	}
	up := c.up
	return func(camera string, d day.Date, archives []retention.Archive) bool {
		list := make([]uploader.Archive, 0, len(archives))
		for _, a := range archives {
			list = append(list, uploader.Archive{Name: a.Name, Size: a.Size, Checksum: a.Checksum})
		}
		return up.Covers(camera, d, list)
	}
}

// offsiteStatus is the uploader as the control plane asks it; nil when
// off-site copies are off.
func (c *components) offsiteStatus() control.Offsite {
	if c.up == nil {
		return nil
	}
	return c.up
}

// kickOffsite has the uploader look at the days now (an archive run ended).
func (c *components) kickOffsite() {
	if c.up != nil {
		c.up.Kick()
	}
}

// OffsiteDay is where a camera's day's off-site copy is, for the page
// (web.Config.OffsiteState): "none", "pending", "uploading", "verified"
// or "error", errText saying why. When it was verified the page reads
// from the receipts, which also list the days --keep-local left in the
// bucket only.
type OffsiteDay func(d day.Date) (state, errText string)

// offsiteOf is camera's OffsiteDay; nil when off-site copies are off.
func (c *components) offsiteOf(camera string) OffsiteDay {
	if c.up == nil {
		return nil
	}
	up := c.up
	return func(d day.Date) (string, string) {
		st := up.Day(camera, d)
		return string(st.State), st.Err
	}
}
