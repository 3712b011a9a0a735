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

// dayStates counts the days by state, as ListDays reports them, and adds
// up the bytes they hold, segments and archives.
func (s *service) dayStates() (counts map[cctvv1.DayState]int32, rootBytes uint64) {
	jobs, now := s.jobs(), s.now()
	counts = map[cctvv1.DayState]int32{}
	for _, info := range s.days.Days() {
		counts[dayState(s.cal, now, &info, jobs[info.Date])]++
		rootBytes += uint64(info.Bytes + info.archiveBytes())
	}
	return counts, rootBytes
}

// DayStates counts the days by state, exactly as ListDays reports them,
// with lower-case names ("recording", "archived", …) for metrics and pages.
func (s *Server) DayStates() map[string]int {
	counts, _ := s.svc.dayStates()
	out := make(map[string]int, len(counts))
	for st, n := range counts {
		out[strings.ToLower(strings.TrimPrefix(st.String(), "DAY_STATE_"))] = int(n)
	}
	return out
}
