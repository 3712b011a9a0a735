package control

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/camera"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// Camera is one camera's footage as the control plane reads and controls it.
type Camera struct {
	// Name is the camera's folder under the root; "" is the default
	// camera (ROOT/YYYY-MM-DD).
	Name string
	// Title is the name shown to people; "" shows the name.
	Title    string
	Days     Days
	Archiver Archiver
	// Misplaced lists footage in the wrong place in the camera's folder;
	// nil: none reported.
	Misplaced Misplaced
	// LastSegment is when its newest segment ends; zero: none yet. Nil
	// means none known.
	LastSegment func() time.Time
	// Silent reports a camera that has sent nothing for longer than the
	// silence threshold; nil means never silent.
	Silent func() bool
	// Exporter cuts ranges of the camera's footage; nil: ExportRange is refused.
	Exporter Exporter
}

// OneCamera is a root with the default camera alone, as before cameras:
// for tests and for a daemon that serves one camera.
func OneCamera(days Days, arc Archiver, mis Misplaced) func() []Camera {
	cams := []Camera{{Days: days, Archiver: arc, Misplaced: mis}}
	return func() []Camera { return cams }
}

// errNoCamera marks a request for a camera the root does not have.
var errNoCamera = errors.New("no such camera")

// checkCameraName refuses a name that cannot be a camera's (the one rule,
// camera.CheckName); "" is the default camera.
func checkCameraName(name string) error {
	if name == "" {
		return nil
	}
	if err := camera.CheckName(name); err != nil {
		return markAs(err, errInvalid)
	}
	return nil
}

// cameras lists the cameras now: the default camera first, then by name,
// so that every answer lists them in the same order whatever the lister's.
func (s *service) cameras() []Camera {
	cams := slices.Clone(s.listCameras())
	slices.SortStableFunc(cams, func(a, b Camera) int { return strings.Compare(a.Name, b.Name) })
	return cams
}

// camera is the camera named name ("" the default camera).
func (s *service) camera(name string) (*Camera, error) {
	if err := checkCameraName(name); err != nil {
		return nil, err
	}
	for _, c := range s.listCameras() {
		if c.Name == name {
			return &c, nil
		}
	}
	if name == "" {
		return nil, fmt.Errorf("no default camera (day folders right under the root): %w", errNoCamera)
	}
	return nil, fmt.Errorf("no camera %q: %w", name, errNoCamera)
}

// jobs are the camera's archiver's days by date.
func (c *Camera) jobs() map[day.Date]*archive.DayStatus {
	list := c.Archiver.Status().Days
	m := make(map[day.Date]*archive.DayStatus, len(list))
	for i := range list {
		m[list[i].Date] = &list[i]
	}
	return m
}

// misplaced is what the camera's lister lists; nil without one.
func (c *Camera) misplaced() []catalog.Misplaced {
	if c.Misplaced == nil {
		return nil
	}
	return c.Misplaced.Misplaced()
}

func (c *Camera) lastSegment() time.Time {
	if c.LastSegment == nil {
		return time.Time{}
	}
	return c.LastSegment()
}

func (c *Camera) silent() bool { return c.Silent != nil && c.Silent() }

// cameraProto is a camera as ListCameras and GetStatus show it at now.
func (s *service) cameraProto(now time.Time, c *Camera) *cctvv1.Camera {
	counts, bytes, archived := s.dayStates(now, c)
	out := &cctvv1.Camera{
		Name:         c.Name,
		Title:        c.Title,
		Silent:       c.silent(),
		DayCounts:    countsProto(counts),
		Bytes:        bytes,
		ArchiveBytes: archived,
	}
	if last := c.lastSegment(); !last.IsZero() {
		out.LastSegmentTime = timeProto(last)
		out.SinceLastSegment = durProto(max(now.Sub(last), 0))
	}
	return out
}
