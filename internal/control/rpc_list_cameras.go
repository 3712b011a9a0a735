package control

import (
	"context"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// ListCameras lists the cameras, the default camera first, then by name.
func (s *service) ListCameras(ctx context.Context, req *cctvv1.ListCamerasRequest) (*cctvv1.ListCamerasResponse, error) {
	now := s.now()
	cams := s.cameras()
	resp := &cctvv1.ListCamerasResponse{Cameras: make([]*cctvv1.Camera, 0, len(cams))}
	for i := range cams {
		resp.Cameras = append(resp.Cameras, s.cameraProto(now, &cams[i]))
	}
	return resp, nil
}
