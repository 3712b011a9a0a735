package control

import (
	"context"

	"github.com/cctvd/cctvd/internal/retention"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// PlanRetention is what retention would delete now and why the rest stays.
func (s *service) PlanRetention(ctx context.Context, req *cctvv1.PlanRetentionRequest) (*cctvv1.PlanRetentionResponse, error) {
	if s.ret == nil {
		return nil, toStatus(errNoRetention)
	}
	p, err := s.ret.DryRun()
	if err != nil {
		return nil, toStatus(err)
	}
	st := s.ret.Status()
	resp := &cctvv1.PlanRetentionResponse{FreeBytes: st.Free, KeepFreeBytes: st.Need, Short: p.Short}
	if !p.Reference.IsZero() {
		resp.ReferenceDate = p.Reference.String()
	}
	add := func(items []retention.Item, del bool) {
		for _, it := range items {
			resp.Days = append(resp.Days, &cctvv1.RetentionDay{Camera: it.Day.Camera, Date: it.Day.Date.String(),
				Delete: del, Reason: string(it.Reason), ArchiveBytes: it.Day.Bytes()})
		}
	}
	add(p.Delete, true)
	add(p.Kept, false)
	return resp, nil
}
