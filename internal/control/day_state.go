package control

import (
	"time"

	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// calendar is how the control plane places days in time; it must agree
// with the archiver's settings.
type calendar struct {
	now    func() time.Time
	loc    *time.Location
	settle time.Duration
}

// due is when d becomes due for conversion: its end plus the settle time.
func (c calendar) due(d day.Date) time.Time {
	return d.End(c.loc).Add(c.settle)
}

func (c calendar) today() day.Date {
	return day.Of(c.now().In(c.loc))
}

// dayState is where a day is in its life. What the archiver is doing wins;
// then the calendar and the folder decide. A day that is due but not yet
// queued is reported queued: the archiver takes it at its next look. A
// cancelled day that is due is reported failed (its last conversion did
// not finish) until it is converted again. A due day without segments or
// archives (only kept files, or nothing) has nothing left to archive and is
// reported archived.
func (c calendar) dayState(info *DayInfo, job *Job) cctvv1.DayState {
	if job != nil {
		switch job.State {
		case JobQueued:
			return cctvv1.DayState_DAY_STATE_QUEUED
		case JobConverting:
			return cctvv1.DayState_DAY_STATE_CONVERTING
		case JobFailed:
			return cctvv1.DayState_DAY_STATE_FAILED
		}
	}
	switch {
	case !info.Date.Before(c.today()):
		return cctvv1.DayState_DAY_STATE_RECORDING
	case len(info.Archives) > 0 && info.Segments > 0:
		return cctvv1.DayState_DAY_STATE_PARTIAL
	case len(info.Archives) > 0:
		return cctvv1.DayState_DAY_STATE_ARCHIVED
	case c.now().Before(c.due(info.Date)):
		return cctvv1.DayState_DAY_STATE_SETTLING
	case job != nil && job.State == JobCancelled:
		return cctvv1.DayState_DAY_STATE_FAILED
	case info.Segments == 0 && info.Pending == 0:
		return cctvv1.DayState_DAY_STATE_ARCHIVED
	}
	return cctvv1.DayState_DAY_STATE_QUEUED
}
