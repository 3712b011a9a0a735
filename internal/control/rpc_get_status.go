package control

import (
	"context"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/logring"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// RecentErrors reports the errors the daemon logged lately: *logring.Handler.
type RecentErrors interface {
	// Recent lists them, newest first.
	Recent() []logring.Entry
}

// GetStatus is the daemon at a glance.
func (s *service) GetStatus(ctx context.Context, req *cctvv1.GetStatusRequest) (*cctvv1.GetStatusResponse, error) {
	resp := &cctvv1.GetStatusResponse{
		Version:   s.vers,
		StartTime: timeProto(s.start),
		Uptime:    durProto(s.now().Sub(s.start)),
		Root:      s.root,
		Settle:    durProto(s.cal.Settle),
		Misplaced: misplacedProto(s.misplaced()),
		Pending:   pendingProto(s.arc.Pending()),
	}
	counts, rootBytes := s.dayStates()
	for st := cctvv1.DayState_DAY_STATE_RECORDING; st <= cctvv1.DayState_DAY_STATE_PARTIAL; st++ {
		if counts[st] > 0 {
			resp.DayCounts = append(resp.DayCounts, &cctvv1.DayStateCount{State: st, Count: counts[st]})
		}
	}
	for _, j := range s.arc.Status().Days {
		if active(&j) {
			resp.Conversions = append(resp.Conversions, progressProto(&j.Progress))
		}
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

func pendingProto(ps []archive.Pending) []*cctvv1.PendingConversion {
	var out []*cctvv1.PendingConversion
	for _, p := range ps {
		out = append(out, &cctvv1.PendingConversion{Date: p.Date.String(), Forced: p.Forced,
			ChunksDone: int32(p.ChunksDone), ChunkCount: int32(p.Chunks), Committing: p.Committing})
	}
	return out
}
