// Package thumbs makes and keeps the thumbnails of the index page.
//
// A thumbnail is one frame of the first segment of an hour, scaled to
// Config.Width, kept as STATE/thumbs/YYYY-MM-DD/HH.jpg. It is made once,
// when the catalog first lists a segment of that hour, by ffmpeg running
// niced, and never per request. Thumbnails stay when their day is archived
// (its segments go) and go when the day's folder does; their names follow
// the time zone when it changes (zone.go). Segments are read and
// thumbnails written through os.Root: ffmpeg opens no path itself.
package thumbs

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
)

// Defaults of Config.
const (
	DefaultWidth = 320
	DefaultNice  = 10
)

// Config configures Thumbs.
type Config struct {
	// Root is the footage root.
	Root string
	// StateDir is the state folder; thumbnails go in STATE/thumbs.
	StateDir string
	// Catalog lists the segments and says when they change.
	Catalog Catalog
	// FFmpeg is the binary; default "ffmpeg".
	FFmpeg string
	// Nice is the niceness ffmpeg runs at; 0 means DefaultNice,
	// a negative value leaves it unchanged.
	Nice int
	// Width of a thumbnail in pixels; default DefaultWidth.
	Width int
	// Now is the clock; its location says which hour a segment is in.
	// Default time.Now.
	Now func() time.Time
}

// Catalog is what Thumbs needs of the catalog.
type Catalog interface {
	Days() []*catalog.DayView
	Changed() <-chan struct{}
}

// Thumbs keeps the thumbnails; Run makes the missing ones. Its methods
// are safe for concurrent use.
type Thumbs struct {
	cfg     Config
	log     *slog.Logger
	footage *os.Root
	dir     *os.Root // STATE/thumbs

	mu      sync.Mutex
	hours   map[day.Date]uint32
	at      map[day.Date]map[int]time.Time // when each thumbnail was filmed (zone.go)
	changed chan struct{}
	version atomic.Uint64

	// Owned by Run's goroutine: segments ffmpeg could not make a picture
	// of ("DATE/NAME"), so that they are not tried again at every change,
	// and how many failed in each hour ("DATE/HH.jpg").
	failed map[string]bool
	tries  map[string]int

	made  atomic.Int64
	spent atomic.Int64 // ns of ffmpeg runs
}

// New opens the footage root and STATE/thumbs (made if missing) and takes
// in the thumbnails already there.
func New(cfg Config, log *slog.Logger) (*Thumbs, error) {
	switch {
	case cfg.Root == "":
		return nil, errors.New("thumbs: no root")
	case cfg.StateDir == "":
		return nil, errors.New("thumbs: no state folder")
	case cfg.Catalog == nil:
		return nil, errors.New("thumbs: no catalog")
	case cfg.Nice > 19:
		return nil, fmt.Errorf("thumbs: invalid nice %d (want at most 19)", cfg.Nice)
	}
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	if cfg.Nice == 0 {
		cfg.Nice = DefaultNice
	}
	if cfg.Width <= 0 {
		cfg.Width = DefaultWidth
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	t := &Thumbs{cfg: cfg, log: log.With("component", "thumbs"), hours: map[day.Date]uint32{},
		at: map[day.Date]map[int]time.Time{}, changed: make(chan struct{}), failed: map[string]bool{}, tries: map[string]int{}}
	path := filepath.Join(cfg.StateDir, "thumbs")
	if err := os.MkdirAll(path, 0o750); err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	var err error
	if t.dir, err = os.OpenRoot(path); err != nil {
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	if t.footage, err = os.OpenRoot(cfg.Root); err != nil {
		t.dir.Close()
		return nil, fmt.Errorf("thumbs: %w", err)
	}
	if err := t.load(); err != nil {
		t.Close()
		return nil, err
	}
	if err := t.follow(cfg.Now().Location()); err != nil {
		t.Close()
		return nil, err
	}
	return t, nil
}

// Close releases the folders. Call it after Run returned.
func (t *Thumbs) Close() error {
	return errors.Join(t.dir.Close(), t.footage.Close())
}

// load takes in the thumbnails on disk and removes what a crash left.
func (t *Thumbs) load() error {
	days, err := fs.ReadDir(t.dir.FS(), ".")
	if err != nil {
		return fmt.Errorf("thumbs: %w", err)
	}
	for _, de := range days {
		d, err := day.Parse(de.Name())
		if err != nil || !de.IsDir() {
			continue
		}
		files, err := fs.ReadDir(t.dir.FS(), de.Name())
		if err != nil {
			return fmt.Errorf("thumbs: %w", err)
		}
		for _, f := range files {
			if strings.HasPrefix(f.Name(), ".") {
				t.dir.Remove(de.Name() + "/" + f.Name()) // a thumbnail being written
				continue
			}
			if h, ok := hourOf(f.Name()); ok && f.Type().IsRegular() {
				t.hours[d] |= 1 << h
			}
		}
	}
	return nil
}

// hourOf reads HH.jpg.
func hourOf(name string) (int, bool) {
	hh, ok := strings.CutSuffix(name, ".jpg")
	if !ok || len(hh) != 2 || hh[0] < '0' || hh[0] > '2' || hh[1] < '0' || hh[1] > '9' {
		return 0, false
	}
	h, _ := strconv.Atoi(hh)
	return h, h < 24
}

func name(d day.Date, hour int) string { return fmt.Sprintf("%s/%02d.jpg", d, hour) }

// Hours has bit h set when day d has a thumbnail of hour h.
func (t *Thumbs) Hours(d day.Date) uint32 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.hours[d]
}

// Version changes whenever a thumbnail comes or goes.
func (t *Thumbs) Version() uint64 { return t.version.Load() }

// Changed is closed at the next change; call it again for the one after.
func (t *Thumbs) Changed() <-chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.changed
}

// Made counts the thumbnails made since New, and the time ffmpeg took.
func (t *Thumbs) Made() (int64, time.Duration) {
	return t.made.Load(), time.Duration(t.spent.Load())
}

// Open opens the thumbnail of hour h of day d: a regular file in its day's
// folder, not a symlink.
func (t *Thumbs) Open(d day.Date, hour int) (*os.File, error) {
	if hour < 0 || hour > 23 || d.IsZero() {
		return nil, fmt.Errorf("thumbs: no hour %d of %v: %w", hour, d, fs.ErrNotExist)
	}
	n := name(d, hour)
	li, err := t.dir.Lstat(n)
	if err != nil {
		return nil, err
	}
	if !li.Mode().IsRegular() {
		return nil, fmt.Errorf("thumbs: %s is not a regular file: %w", n, fs.ErrNotExist)
	}
	f, err := t.dir.Open(n)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !os.SameFile(li, fi) {
		f.Close()
		return nil, fmt.Errorf("thumbs: %s changed while opened: %w", n, fs.ErrNotExist)
	}
	return f, nil
}

// add marks the thumbnail of an hour made and tells whoever waits.
func (t *Thumbs) add(d day.Date, hour int) {
	t.mu.Lock()
	t.hours[d] |= 1 << hour
	t.bump()
	t.mu.Unlock()
}

// bump publishes a change; t.mu is held.
func (t *Thumbs) bump() {
	t.version.Add(1)
	close(t.changed)
	t.changed = make(chan struct{})
}
