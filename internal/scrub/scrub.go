// Package scrub re-hashes every camera's archives against their checksum
// files on a schedule, so that bit rot is found while a copy may still exist.
//
// Each archive (video.mp4, video-N.mp4) is due once per Config.Every. Its
// due times fall at a fixed phase of the period, a hash of its camera, day
// and name (schedule.go), so the archives of a root are spread evenly over
// the period and the disk is read a little each day, whatever the restarts:
// an archive first seen is due at its next phase, one scrubbed is due at
// the first of its phases at least half a period after the scrub. Due
// archives are scrubbed one at a time, the longest due first, reading at
// most Config.Rate bytes a second on a thread at idle I/O priority
// (hash.go), for every camera together since they share a disk.
//
// A scrub never changes footage. An archive that no longer matches its
// checksum, or has no readable checksum file, or cannot be read, is
// damaged: an ERROR names the file, the result is kept in the camera's
// STATE/scrub.json (written whole: temp, fsync, rename), and Damaged
// reports its day until a later scrub finds the file sound again (restored
// from a copy). Retention asks Damaged and keeps such days.
package scrub

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Defaults of the flags.
const (
	// DefaultEvery re-hashes each archive once in 30 days.
	DefaultEvery = 30 * 24 * time.Hour
	// DefaultRate is 20 MiB/s: a fraction of a Pi's USB disk, so playback
	// stays fast while a scrub reads.
	DefaultRate = 20 << 20
)

// StateFile is the name of a camera's scrub results in its state folder.
const StateFile = "scrub.json"

// Errors.
var (
	// ErrUnknownCamera reports a camera the scrubber was not given.
	ErrUnknownCamera = errors.New("unknown camera")
	// ErrNoArchive reports a day that has no archive to scrub.
	ErrNoArchive = errors.New("no archive to scrub")
)

// Config configures a Scrubber.
type Config struct {
	// Every is how often each archive is re-hashed; 0 means DefaultEvery.
	Every time.Duration
	// Rate caps the bytes read a second, over all scrubs; 0 is no cap.
	Rate int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends; nil means a timer. Tests pass a
	// fake clock's, so that the rate limit is measured without waiting.
	Sleep func(ctx context.Context, d time.Duration) error
	// OnBytes, if set, is told of bytes read for camera (metrics).
	OnBytes func(camera string, n int64)
	// OnDamaged, if set, is told of each scrub that finds an archive
	// damaged (metrics).
	OnDamaged func(camera string)
}

// Camera is one camera's folders and what the scrubber asks of its archiver.
type Camera struct {
	// Name is the camera's name; "" is the default camera.
	Name string
	// Root is the camera's footage folder, State its state folder.
	Root, State string
	// Busy reports a day its archiver is converting or committing, whose
	// archive may be half-written (a video.mp4 before its checksum file):
	// such a day is skipped. Nil means never busy.
	Busy func(d day.Date) bool
}

// Scrubber re-hashes the archives of the cameras it is given.
type Scrubber struct {
	cfg Config
	log *slog.Logger
	lim *limiter

	mu   sync.Mutex
	cams map[string]*camState
	// run serialises the scrubs: one archive is read at a time.
	run        sync.Mutex
	warnedIdle atomic.Bool
}

// New makes a Scrubber with no cameras; Add gives it them.
func New(cfg Config, log *slog.Logger) *Scrubber {
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Sleep == nil {
		cfg.Sleep = sleep
	}
	return &Scrubber{cfg: cfg, log: log.With("component", "scrub"), cams: map[string]*camState{},
		lim: &limiter{rate: cfg.Rate, now: cfg.Now, sleep: cfg.Sleep}}
}

// Add starts scrubbing camera c, reading its results kept so far.
func (s *Scrubber) Add(c Camera) error {
	st, err := load(filepath.Join(c.State, StateFile))
	if err != nil {
		return fmt.Errorf("camera %q: %w", c.Name, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cams[c.Name] = &camState{Camera: c, archives: st}
	return nil
}

// Damaged reports whether a scrub found an archive of camera's day d
// damaged (mismatch, missing or unreadable checksum, unreadable file), as
// the last scrub of each archive found. Retention must not delete such a
// day. It is safe to call from any goroutine and reads memory only.
func (s *Scrubber) Damaged(camera string, d day.Date) bool {
	for _, a := range s.Archives(camera, d) {
		if a.Result.Damaged() {
			return true
		}
	}
	return false
}

// Archives are the scrub states of camera's day d's archives in name
// order: every archive the scrubber has seen, scrubbed or not.
func (s *Scrubber) Archives(camera string, d day.Date) []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cams[camera]
	if !ok {
		return nil
	}
	var out []Status
	for k, e := range c.archives {
		if k.Date == d {
			out = append(out, s.status(c, k, e))
		}
	}
	slices.SortFunc(out, func(a, b Status) int { return archiveOrder(a.File, b.File) })
	return out
}

// Days are the scrub states of every archive of camera, by day.
func (s *Scrubber) Days(camera string) map[day.Date][]Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cams[camera]
	if !ok {
		return nil
	}
	out := map[day.Date][]Status{}
	for k, e := range c.archives {
		out[k.Date] = append(out[k.Date], s.status(c, k, e))
	}
	for _, list := range out {
		slices.SortFunc(list, func(a, b Status) int { return archiveOrder(a.File, b.File) })
	}
	return out
}

// Oldest is the oldest last scrub of camera's archives, an archive never
// scrubbed counting from when it was first seen; zero without archives.
// Alert when it is older than twice Every.
func (s *Scrubber) Oldest(camera string) time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.cams[camera]
	if !ok {
		return time.Time{}
	}
	var oldest time.Time
	for _, e := range c.archives {
		t := e.Last
		if t.IsZero() {
			t = e.Seen
		}
		if oldest.IsZero() || t.Before(oldest) {
			oldest = t
		}
	}
	return oldest
}

// Status is one archive's scrub state.
type Status struct {
	Camera string
	Date   day.Date
	File   string
	Bytes  int64
	// Last is when it was last scrubbed, zero if never; Result what that
	// scrub found, Detail its words.
	Last   time.Time
	Result Result
	Detail string
	// Due is when it is next scrubbed on schedule.
	Due time.Time
}

func (s *Scrubber) status(c *camState, k key, e *entry) Status {
	return Status{Camera: c.Name, Date: k.Date, File: k.File, Bytes: e.Bytes, Last: e.Last, Result: e.Result,
		Detail: e.Detail, Due: due(c.Name, k, e, s.cfg.Every)}
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// camState is one camera and its archives' scrub states.
type camState struct {
	Camera
	archives map[key]*entry
}

// key names an archive of a camera.
type key struct {
	Date day.Date
	File string
}

func (k key) String() string { return k.Date.String() + "/" + k.File }

// archiveOrder sorts video.mp4 before video-2.mp4 before video-10.mp4.
func archiveOrder(a, b string) int {
	na, _ := day.ArchiveNumber(a)
	nb, _ := day.ArchiveNumber(b)
	return na - nb
}

// exists is false only when name is certainly not there.
func exists(root *os.Root, name string) bool {
	_, err := root.Stat(name)
	return !errors.Is(err, os.ErrNotExist)
}
