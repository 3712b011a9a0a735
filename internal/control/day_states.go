package control

import (
	"strings"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// DayStates counts the days by state, exactly as ListDays reports them,
// with lower-case names ("recording", "archived", …) for metrics and pages.
func (s *Server) DayStates() map[string]int {
	jobs := s.svc.jobs()
	days := s.svc.days.Days()
	counts := make(map[string]int, len(cctvv1.DayState_name))
	for i := range days {
		st := s.svc.cal.dayState(&days[i], jobs[days[i].Date])
		counts[strings.ToLower(strings.TrimPrefix(st.String(), "DAY_STATE_"))]++
	}
	return counts
}
