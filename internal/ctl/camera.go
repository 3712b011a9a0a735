package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/camera"
	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// checkCameraName refuses, before any request, what cannot be a camera's
// name (the daemon's own rule, camera.CheckName); "" is the default camera.
func checkCameraName(name string) error {
	if name == "" {
		return nil
	}
	return camera.CheckName(name)
}

// cameraValue is --camera: a name, and whether it was given at all, for
// an empty --camera names the default camera where no flag means every
// camera.
type cameraValue struct {
	name string
	set  bool
}

func (c *cameraValue) String() string { return c.name }

func (c *cameraValue) Set(s string) error {
	if err := checkCameraName(s); err != nil {
		return errors.New("want a camera name: letters, digits, '-' and '_', starting with a letter")
	}
	c.name, c.set = s, true
	return nil
}

func (c *cameraValue) register(fs *flag.FlagSet, usage string) { fs.Var(c, "camera", usage) }

const cameraUsage = "the camera: its folder under the root (ROOT/NAME/DATE); default: the default camera (ROOT/DATE)"

// dayRef is one camera's day: DATE is the default camera's, CAMERA/DATE
// camera CAMERA's.
type dayRef struct {
	camera string // "" is the default camera
	date   string // YYYY-MM-DD
}

// String is the day as the command line names it.
func (d dayRef) String() string { return refText(d.camera, d.date) }

// refText names a camera's day: "2026-11-20", "front/2026-11-20".
func refText(camera, date string) string {
	if camera == "" {
		return date
	}
	return camera + "/" + date
}

// dayArg is the single DATE or CAMERA/DATE argument, with --camera,
// checked before any request is made.
func (r *runner) dayArg(args []string, flagCam cameraValue) (dayRef, error) {
	switch {
	case len(args) == 0:
		return dayRef{}, usageErr(fmt.Errorf("%s: missing DATE (usage: cctvctl %s)", r.cmd.name, r.cmd.usageLine()))
	case len(args) > 1:
		return dayRef{}, usageErr(fmt.Errorf("%s: unexpected argument %q (usage: cctvctl %s)", r.cmd.name, args[1], r.cmd.usageLine()))
	}
	arg := args[0]
	ref := dayRef{camera: flagCam.name}
	if cam, date, ok := strings.Cut(arg, "/"); ok {
		switch {
		case cam == "":
			return dayRef{}, usageErr(fmt.Errorf("%s: %q: no camera before the / (DATE alone is the default camera's day)", r.cmd.name, arg))
		case flagCam.set && flagCam.name != cam:
			return dayRef{}, usageErr(fmt.Errorf("%s: two cameras: --camera %q and %q", r.cmd.name, flagCam.name, arg))
		}
		if err := checkCameraName(cam); err != nil {
			return dayRef{}, usageErr(fmt.Errorf("%s: %w", r.cmd.name, err))
		}
		ref.camera, arg = cam, date
	}
	d, err := day.Parse(arg)
	if err != nil {
		return dayRef{}, usageErr(fmt.Errorf("%s: %w", r.cmd.name, err))
	}
	ref.date = d.String()
	return ref, nil
}

// errNoCameras is a daemon older than cameras.
var errNoCameras = errors.New("cctvd does not know cameras (it is older than cctvctl); nothing was asked of it")

// knowsCameras checks, before asking for a named camera, that the daemon
// knows cameras: one older than them would ignore the camera and act on
// the default camera's day of the same date.
func knowsCameras(ctx context.Context, api cctvv1.CctvServiceClient, camera string) error {
	if camera == "" {
		return nil
	}
	_, err := api.ListCameras(ctx, &cctvv1.ListCamerasRequest{})
	if status.Code(err) == codes.Unimplemented {
		return errNoCameras
	}
	return err
}

// cameraText is a camera's name for people: the default camera has none.
func cameraText(name string) string {
	if name == "" {
		return "(default)"
	}
	return name
}
