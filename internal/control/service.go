package control

import (
	"log/slog"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/disk"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// service implements CctvService over the catalog and the archiver.
type service struct {
	cctvv1.UnimplementedCctvServiceServer

	days   Days
	arc    Archiver
	errs   RecentErrors // nil: none reported
	mis    Misplaced    // nil: none reported
	disk   func(path string) (disk.Usage, error)
	cal    calendar
	root   string
	vers   string
	start  time.Time
	every  time.Duration   // at most one progress message per every, phase changes aside
	closed <-chan struct{} // closed when the server stops: streams end
	log    *slog.Logger

	checked checkedArchives
}

var _ cctvv1.CctvServiceServer = (*service)(nil)

// progressEvery is how often a ConvertDay stream reports progress at most,
// phase changes aside.
const progressEvery = time.Second

// parseDate checks a request's date before anything else is done.
func parseDate(s string) (day.Date, error) {
	return day.Parse(s)
}

// jobs are the archiver's days by date.
func (s *service) jobs() map[day.Date]*Job {
	list := s.arc.Status()
	m := make(map[day.Date]*Job, len(list))
	for i := range list {
		m[list[i].Date] = &list[i]
	}
	return m
}
