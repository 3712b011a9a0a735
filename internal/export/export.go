// Package export cuts any time range of a camera's footage into one checked MP4 with a manifest.
//
// An export is a stream copy: the frames of the range, from the segments
// that hold them, go into the mp4 as they were filmed, never re-encoded.
// The file's timeline is the footage's: a gap in the range stays a gap of
// the same length, and the mp4's edit list starts playback at the first
// frame of the range although the file begins at the keyframe before it,
// which a decoder needs. Beside the mp4 come its .sha512sum and a JSON
// manifest naming every source file with its size and SHA-512. A range
// across archives, or archives and H.264 segments, is one H.265 clip: the
// archives' frames copied, the segments' encoded with the archiver's
// settings (join.go).
//
//	range ─► days' plans ─► segments (wall clock → timeline) ─► ts.ConcatRange ─► ffmpeg -c copy ─► mp4
//	                                                          └► SHA-512 of each source as it is read
//	mp4 ─► ffprobe (frames, first frame shown at 0) ─► .sha512sum, manifest
package export

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Errors of an export, for the edges to map to status codes.
var (
	// ErrBadRange: a malformed or reversed range (HTTP 400).
	ErrBadRange = errors.New("bad range")
	// ErrTooLong: a range longer than the most allowed (HTTP 413).
	ErrTooLong = errors.New("range too long")
	// ErrNoFootage: nothing was filmed in the range (HTTP 404).
	ErrNoFootage = errors.New("no footage in the range")
	// ErrBusy: as many exports as allowed run already (HTTP 429).
	ErrBusy = errors.New("too many exports at once")
	// ErrArchived: the range touches an archive that exports cannot read
	// yet (HTTP 501): one written before the archiver recorded where its
	// footage is, or one whose footage lies inside another source's (a
	// late archive filling a gap of an earlier one). Refused rather than
	// exported without it: the archived footage would pass for a gap.
	ErrArchived = errors.New("exports from archived days are not supported yet")
)

// DefaultMax is the longest range an export takes by default.
const DefaultMax = 24 * time.Hour

// DefaultJobs is how many exports run at once by default.
const DefaultJobs = 2

// Pool bounds the exports that run at once over all cameras and knows the
// days their sources are in, so that retention leaves those alone.
type Pool struct {
	mu   sync.Mutex
	max  int
	runs int
	held map[holdKey]int
}

type holdKey struct {
	camera string
	date   day.Date
}

// NewPool makes a pool of at most jobs exports at once (DefaultJobs when 0).
func NewPool(jobs int) *Pool {
	if jobs <= 0 {
		jobs = DefaultJobs
	}
	return &Pool{max: jobs, held: map[holdKey]int{}}
}

// InUse reports whether an export running now reads footage of camera's
// day d (its segments or its archives). Retention must not delete such a
// day's files until it reports false; a new export may begin right after,
// so retention should ask again just before it deletes, and an export that
// finds a file gone fails rather than cut a range short.
func (p *Pool) InUse(camera string, d day.Date) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held[holdKey{camera, d}] > 0
}

// acquire takes a place for an export holding camera's days, or fails
// with ErrBusy.
func (p *Pool) acquire(camera string, days []day.Date) (release func(), err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.runs >= p.max {
		return nil, fmt.Errorf("%w: %d run already", ErrBusy, p.runs)
	}
	p.runs++
	for _, d := range days {
		p.held[holdKey{camera, d}]++
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			p.runs--
			for _, d := range days {
				k := holdKey{camera, d}
				if p.held[k]--; p.held[k] <= 0 {
					delete(p.held, k)
				}
			}
		})
	}, nil
}

// tmpPrefix names an export's work folder in Config.Dir; one left behind
// by a crash is removed by New.
const tmpPrefix = "export-"

// removeLeftovers deletes work folders of exports that never ended.
func removeLeftovers(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), tmpPrefix) {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}
