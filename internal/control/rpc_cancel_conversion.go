package control

import (
	"context"

	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// CancelConversion stops a day's conversion; the segments stay as they were.
func (s *service) CancelConversion(ctx context.Context, req *cctvv1.CancelConversionRequest) (*cctvv1.CancelConversionResponse, error) {
	d, err := day.Parse(req.GetDate())
	if err != nil {
		return nil, toStatus(err)
	}
	cam, err := s.camera(req.GetCamera())
	if err != nil {
		return nil, toStatus(err)
	}
	c, err := cam.Archiver.Cancel(ctx, d)
	if err != nil {
		return nil, toStatus(err)
	}
	s.log.Info("conversion cancelled", "camera", cam.Name, "day", d.String(), "phase", string(c.Phase), "removed", c.Removed)
	return &cctvv1.CancelConversionResponse{Camera: cam.Name, Date: d.String(), Phase: phaseProto(c.Phase), RemovedFiles: int32(c.Removed)}, nil
}
