package control

import (
	"context"
	"fmt"
	"slices"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// ListDays lists the day folders, oldest first, optionally only some states.
func (s *service) ListDays(ctx context.Context, req *cctvv1.ListDaysRequest) (*cctvv1.ListDaysResponse, error) {
	want, err := stateFilter(req.GetStates())
	if err != nil {
		return nil, toStatus(err)
	}
	jobs := s.jobs()
	days := s.days.Days()
	slices.SortFunc(days, func(a, b DayInfo) int { return a.Date.Compare(b.Date) })
	resp := &cctvv1.ListDaysResponse{Days: make([]*cctvv1.Day, 0, len(days))}
	for i := range days {
		s.checked.fill(&days[i], jobs[days[i].Date])
		d := s.cal.dayProto(&days[i], jobs[days[i].Date])
		if want == nil || want[d.State] {
			resp.Days = append(resp.Days, d)
		}
	}
	return resp, nil
}

// stateFilter is the set of states asked for; nil means all.
func stateFilter(states []cctvv1.DayState) (map[cctvv1.DayState]bool, error) {
	if len(states) == 0 {
		return nil, nil
	}
	want := map[cctvv1.DayState]bool{}
	for _, st := range states {
		if _, ok := cctvv1.DayState_name[int32(st)]; !ok || st == cctvv1.DayState_DAY_STATE_UNSPECIFIED {
			return nil, markAs(fmt.Errorf("states: %d is not a day state", st), errInvalid)
		}
		want[st] = true
	}
	return want, nil
}

// VerifyDay checks one day now; what it finds is data, not an error.
func (s *service) VerifyDay(ctx context.Context, req *cctvv1.VerifyDayRequest) (*cctvv1.VerifyDayResponse, error) {
	d, err := parseDate(req.GetDate())
	if err != nil {
		return nil, toStatus(err)
	}
	rep, err := s.arc.Verify(ctx, d)
	if err != nil {
		return nil, toStatus(withMisplaced(err, s.misplaced(), d))
	}
	s.checked.record(rep)
	// The state follows the fresh scan rather than the catalog, which does
	// not know that a segment is a copy of one already archived.
	info := reportInfo(rep)
	resp := verifyProto(rep, s.cal.dayState(&info, s.jobs()[d]))
	resp.Findings = append(resp.Findings, misplacedFindings(s.misplaced(), d)...)
	return resp, nil
}

// reportInfo is what a verify report says of its day, for its state.
func reportInfo(r *Report) DayInfo {
	info := DayInfo{Date: r.Date}
	if r.Plan != nil {
		info.Segments = len(r.Plan.Segments)
	}
	for _, a := range r.Archives {
		info.Archives = append(info.Archives, ArchiveFile{Name: a.File, Bytes: a.Bytes})
	}
	return info
}
