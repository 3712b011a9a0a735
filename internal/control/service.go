package control

import (
	"log/slog"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/disk"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// service implements CctvService over each camera's catalog and archiver;
// each RPC is in its rpc_NAME.go.
type service struct {
	cctvv1.UnimplementedCctvServiceServer

	listCameras func() []Camera
	errs        RecentErrors // nil: none reported
	ret         Retention    // nil: retention off
	disk        func(path string) (disk.Usage, error)
	cal         day.Calendar
	now         func() time.Time
	root        string
	vers        string
	start       time.Time
	every       time.Duration   // at most one progress message per every, phase changes aside
	closed      <-chan struct{} // closed when the server stops: streams end
	log         *slog.Logger

	checked checkedArchives
	scrub   Scrubber // nil: no scrubs
	offsite Offsite  // nil: off-site copies are off
}

var _ cctvv1.CctvServiceServer = (*service)(nil)

// active reports a job queued or converting.
func active(j *archive.DayStatus) bool {
	return j.State == archive.StateQueued || j.State == archive.StateConverting
}
