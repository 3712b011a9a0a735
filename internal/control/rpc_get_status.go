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

// GetStatus is the daemon at a glance, all cameras together, and each
// camera with whether it went silent.
func (s *service) GetStatus(ctx context.Context, req *cctvv1.GetStatusRequest) (*cctvv1.GetStatusResponse, error) {
	now := s.now()
	resp := &cctvv1.GetStatusResponse{
		Version:   s.vers,
		StartTime: timeProto(s.start),
		Uptime:    durProto(now.Sub(s.start)),
		Root:      s.root,
		Settle:    durProto(s.cal.Settle),
	}
	counts := map[cctvv1.DayState]int32{}
	var rootBytes int64
	for _, c := range s.cameras() {
		cam := s.cameraProto(now, &c)
		resp.Cameras = append(resp.Cameras, cam)
		for _, n := range cam.DayCounts {
			counts[n.State] += n.Count
		}
		rootBytes += cam.Bytes
		resp.Misplaced = append(resp.Misplaced, misplacedProto(c.Name, c.misplaced())...)
		resp.Pending = append(resp.Pending, pendingProto(c.Name, c.Archiver.Pending())...)
		for _, j := range c.Archiver.Status().Days {
			if active(&j) {
				resp.Conversions = append(resp.Conversions, progressProto(c.Name, &j.Progress))
			}
		}
	}
	resp.DayCounts = countsProto(counts)
	s.fillScrubStatus(resp, s.cameras())
	if u, err := s.disk(s.root); err != nil {
		s.log.Warn("cannot measure the root's file system", "err", err)
	} else {
		resp.Disk = &cctvv1.DiskUsage{TotalBytes: u.Total, UsedBytes: u.Used, FreeBytes: u.Free, RootBytes: uint64(rootBytes)}
	}
	if s.ret != nil {
		resp.Retention = retentionStatusProto(s.ret.Status())
	}
	if s.offsite != nil {
		resp.Offsite = offsiteStatusProto(s.offsite.Status())
	}
	if s.errs != nil {
		for _, e := range s.errs.Recent() {
			resp.RecentErrors = append(resp.RecentErrors, &cctvv1.RecentError{
				Time: timeProto(e.Time), Date: e.Day, Component: e.Component, Message: e.Message})
		}
	}
	return resp, nil
}

func pendingProto(camera string, ps []archive.Pending) []*cctvv1.PendingConversion {
	var out []*cctvv1.PendingConversion
	for _, p := range ps {
		out = append(out, &cctvv1.PendingConversion{Camera: camera, Date: p.Date.String(), Forced: p.Forced,
			ChunksDone: int32(p.ChunksDone), ChunkCount: int32(p.Chunks), Committing: p.Committing})
	}
	return out
}
