package camera

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/fsnotify/fsnotify"
)

// DefaultRescan is how often a Finder lists the root again besides
// watching it, in case the kernel dropped an event.
const DefaultRescan = time.Minute

// Finder reports the camera folders of a root: those there when it
// starts and those made later, each once.
type Finder struct {
	dir   string
	root  *os.Root
	skip  func(name string) bool
	found func(name string) bool
	log   *slog.Logger
	// Rescan is how often Run lists the root again; default DefaultRescan.
	Rescan time.Duration

	mu      sync.Mutex
	decided map[string]bool // names found or refused
}

// NewFinder opens the root dir. found is told each camera's name until it
// takes it (returns true); skip tells cctvd's own folders (a state folder
// inside the root) from cameras.
func NewFinder(dir string, skip, found func(name string) bool, log *slog.Logger) (*Finder, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("cameras: %w", err)
	}
	return &Finder{dir: dir, root: root, skip: skip, found: found, log: log, Rescan: DefaultRescan, decided: map[string]bool{}}, nil
}

// Close releases the root.
func (f *Finder) Close() error { return f.root.Close() }

// Run watches the root for new camera folders until ctx ends.
func (f *Finder) Run(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("cameras: watch: %w", err)
	}
	defer w.Close()
	// Watch before listing, so that a folder made in between is seen.
	if err := w.Add(f.dir); err != nil {
		return fmt.Errorf("cameras: watch %s: %w", f.dir, err)
	}
	f.Scan()
	tick := time.NewTicker(f.Rescan)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev := <-w.Events:
			if ev.Has(fsnotify.Create) || ev.Has(fsnotify.Rename) {
				f.look(filepath.Base(ev.Name))
			}
		case err := <-w.Errors:
			f.log.Warn("watching the root for camera folders", "err", err)
			f.Scan()
		case <-tick.C:
			f.Scan()
		}
	}
}

// Scan lists the root once and reports the cameras not reported yet.
func (f *Finder) Scan() {
	entries, err := fs.ReadDir(f.root.FS(), ".")
	if err != nil {
		f.log.Error("cannot list the root for camera folders", "err", err)
		return
	}
	for _, e := range entries {
		f.look(e.Name())
	}
}

// look decides once whether a root entry is a camera. Days, hidden names
// and files are not cameras and not reported here (the catalog reports
// footage in the wrong place); a folder that is neither is refused with a
// line naming it, and nothing in it is touched.
func (f *Finder) look(name string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.decided[name] || name == "" || name[0] == '.' || name[0] >= '0' && name[0] <= '9' || f.skip != nil && f.skip(name) {
		return
	}
	info, err := f.root.Lstat(name)
	if err != nil {
		return // gone again
	}
	folder := filepath.Join(f.dir, name)
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		f.decided[name] = true
		f.log.Warn("not a camera: a camera folder must be a real folder in the root, not a symlink; nothing in it is read", "folder", folder)
	case !info.IsDir():
	case CheckName(name) != nil:
		f.decided[name] = true
		f.log.Warn("not a camera: folder left alone", "folder", folder, "err", CheckName(name))
	default:
		// A camera that cannot start now is tried again at the next scan.
		f.decided[name] = f.found(name)
	}
}
