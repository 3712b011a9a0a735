package daemon

import (
	"context"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/retention"
)

// pageActions are what an operator does to one camera's days from its
// page: the same calls as cctvctl hold, release, convert --force, cancel.
type pageActions struct {
	ret    *retention.Retention
	arc    *archive.Archiver
	camera string
}

func (p pageActions) Hold(d day.Date, reason, who string) error {
	_, err := p.ret.Hold(p.camera, d, reason, who)
	return err
}

func (p pageActions) Release(d day.Date, who string) error {
	_, err := p.ret.Release(p.camera, d, who)
	return err
}

func (p pageActions) Convert(ctx context.Context, d day.Date) error {
	_, err := p.arc.Convert(ctx, d, true, false)
	return err
}

func (p pageActions) Cancel(ctx context.Context, d day.Date) error {
	_, err := p.arc.Cancel(ctx, d)
	return err
}

func (p pageActions) Converting() map[day.Date]bool {
	var out map[day.Date]bool
	for _, d := range p.arc.Status().Days {
		if d.State == archive.StateQueued || d.State == archive.StateConverting {
			if out == nil {
				out = map[day.Date]bool{}
			}
			out[d.Date] = true
		}
	}
	return out
}
