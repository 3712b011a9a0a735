package control

import (
	"context"
	"time"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// GetStatus is the daemon at a glance.
func (s *service) GetStatus(ctx context.Context, req *cctvv1.GetStatusRequest) (*cctvv1.GetStatusResponse, error) {
	now := s.cal.now()
	resp := &cctvv1.GetStatusResponse{
		Version:   s.vers,
		StartTime: timeProto(s.start),
		Uptime:    durProto(now.Sub(s.start)),
		Root:      s.root,
		Settle:    durProto(s.cal.settle),
		Misplaced: misplacedProto(s.misplaced()),
	}
	jobs := s.jobs()
	counts := map[cctvv1.DayState]int32{}
	var rootBytes uint64
	for _, info := range s.days.Days() {
		counts[s.cal.dayState(&info, jobs[info.Date])]++
		rootBytes += uint64(info.Bytes + info.archiveBytes())
	}
	for st := cctvv1.DayState_DAY_STATE_RECORDING; st <= cctvv1.DayState_DAY_STATE_PARTIAL; st++ {
		if counts[st] > 0 {
			resp.DayCounts = append(resp.DayCounts, &cctvv1.DayStateCount{State: st, Count: counts[st]})
		}
	}
	for _, j := range s.arc.Status() {
		if j.active() {
			resp.Conversions = append(resp.Conversions, progressProto(&j.Progress))
		}
	}
	for _, p := range s.arc.Pending() {
		resp.Pending = append(resp.Pending, &cctvv1.PendingConversion{Date: p.Date.String(), Forced: p.Forced,
			ChunksDone: int32(p.ChunksDone), ChunkCount: int32(p.Chunks), Committing: p.Committing})
	}
	if u, err := s.disk(s.root); err != nil {
		s.log.Warn("cannot measure the root's file system", "err", err)
	} else {
		resp.Disk = &cctvv1.DiskUsage{TotalBytes: u.Total, UsedBytes: u.Used, FreeBytes: u.Free, RootBytes: rootBytes}
	}
	if s.errs != nil {
		for _, e := range s.errs.Recent() {
			resp.RecentErrors = append(resp.RecentErrors, &cctvv1.RecentError{
				Time: timeProto(e.Time), Date: e.Day, Component: e.Component, Message: e.Message})
		}
	}
	return resp, nil
}

// RecentErrors reports the errors the daemon logged lately.
type RecentErrors interface {
	// Recent lists them, newest first.
	Recent() []RecentError
}

// RecentError is one error the daemon logged.
type RecentError struct {
	Time time.Time
	// Day is the date it concerns (YYYY-MM-DD), if any.
	Day string
	// Component reported it: "archive", "http", "catalog", ...
	Component string
	Message   string
}
