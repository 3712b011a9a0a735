package control

import (
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// dayState is where a day is in its life at now. What the archiver is
// doing (job, nil if it has not dealt with the day) wins; then the
// calendar and the folder decide. A day that is due but not yet queued is
// reported queued: the archiver takes it at its next look. A cancelled day
// that is due is reported failed (its last conversion did not finish)
// until it is converted again. A due day without segments or archives
// (only kept files, or nothing) has nothing left to archive and is
// reported archived.
func dayState(cal day.Calendar, now time.Time, info *DayInfo, job *archive.DayStatus) cctvv1.DayState {
	if job != nil {
		switch job.State {
		case archive.StateQueued:
			return cctvv1.DayState_DAY_STATE_QUEUED
		case archive.StateConverting:
			return cctvv1.DayState_DAY_STATE_CONVERTING
		case archive.StateFailed:
			return cctvv1.DayState_DAY_STATE_FAILED
		}
	}
	switch {
	case !info.Date.Before(cal.Today(now)):
		return cctvv1.DayState_DAY_STATE_RECORDING
	case len(info.Archives) > 0 && info.Segments > 0:
		return cctvv1.DayState_DAY_STATE_PARTIAL
	case len(info.Archives) > 0:
		return cctvv1.DayState_DAY_STATE_ARCHIVED
	case !cal.IsDue(info.Date, now):
		return cctvv1.DayState_DAY_STATE_SETTLING
	case job != nil && job.State == archive.StateCancelled:
		return cctvv1.DayState_DAY_STATE_FAILED
	case info.Segments == 0 && info.Pending == 0:
		return cctvv1.DayState_DAY_STATE_ARCHIVED
	}
	return cctvv1.DayState_DAY_STATE_QUEUED
}

// dayStates counts a camera's days by state at now, as ListDays reports
// them, and adds up the bytes they hold: segments and archives, and
// archives alone.
func (s *service) dayStates(now time.Time, c *Camera) (counts map[cctvv1.DayState]int32, bytes, archived int64) {
	jobs := c.jobs()
	counts = map[cctvv1.DayState]int32{}
	for _, info := range c.Days.Days() {
		counts[dayState(s.cal, now, &info, jobs[info.Date])]++
		bytes += info.Bytes + info.archiveBytes()
		archived += info.archiveBytes()
	}
	return counts, bytes, archived
}

// countsProto lists the states that have days, in the order of their life.
func countsProto(counts map[cctvv1.DayState]int32) []*cctvv1.DayStateCount {
	var out []*cctvv1.DayStateCount
	for st := cctvv1.DayState_DAY_STATE_RECORDING; st <= cctvv1.DayState_DAY_STATE_PARTIAL; st++ {
		if counts[st] > 0 {
			out = append(out, &cctvv1.DayStateCount{State: st, Count: counts[st]})
		}
	}
	return out
}

// DayStatesOf counts a camera's days by state ("" the default camera),
// exactly as ListDays reports them, with lower-case names ("recording",
// "archived", …) for metrics and pages; nil for a camera it does not have.
func (s *Server) DayStatesOf(camera string) map[string]int {
	c, err := s.svc.camera(camera)
	if err != nil {
		return nil
	}
	counts, _, _ := s.svc.dayStates(s.svc.now(), c)
	out := make(map[string]int, len(counts))
	for st, n := range counts {
		out[strings.ToLower(strings.TrimPrefix(st.String(), "DAY_STATE_"))] = int(n)
	}
	return out
}
