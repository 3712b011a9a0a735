// Package camera names the cameras of a footage root and finds their
// folders as they appear.
//
// ROOT/YYYY-MM-DD/ is the default camera's day, as in a root of one
// camera; ROOT/NAME/YYYY-MM-DD/ is camera NAME's. A camera's name is its
// folder's and a path segment of its URLs, so only plain names are
// cameras: anything else is left alone and reported.
package camera

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Default is the default camera's name: its days are the root's own day folders.
const Default = ""

// maxName keeps a name a short path segment.
const maxName = 64

var namePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// reserved are names of the site's routes and of cctvd's own folders: a
// camera of such a name would hide one or be hidden, now or later.
var reserved = map[string]bool{
	"api": true, "camera": true, "cameras": true, "default": true, "healthz": true, "index": true,
	"live": true, "metrics": true, "playlist": true, "static": true, "thumb": true, "thumbs": true,
	"upload": true, "uploads": true, "vod": true, "state": true, "cctvd": true,
}

// ErrName is a name that cannot be a camera's.
var ErrName = errors.New("not a camera name")

// CheckName says why name cannot be a camera's, or nil.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty", ErrName)
	case len(name) > maxName:
		return fmt.Errorf("%w: %q is longer than %d characters", ErrName, name, maxName)
	case !namePattern.MatchString(name):
		return fmt.Errorf("%w: %q: want a letter, then letters, digits, - or _", ErrName, name)
	case reserved[strings.ToLower(name)]:
		return fmt.Errorf("%w: %q is reserved for cctvd's own routes and folders", ErrName, name)
	}
	return nil
}
