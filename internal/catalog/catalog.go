// Package catalog keeps what is known about every day and segment under a footage root.
//
// A Catalog lists the root's day folders (YYYY-MM-DD; nothing else counts)
// at start-up, takes what its disk cache knows at once and scans the rest
// in the background, then follows changes with inotify. A segment is
// scanned once its writer seems done (closed after writing, renamed into
// its folder, or unchanged for Config.StableFor) and goes into the plan
// only when it is complete by a rule a stalled writer cannot fool
// (complete.go). Hidden files (rsync's
// .seg15.ts.Xy9k2Q) are ignored until renamed. Every change is published
// as a new immutable DayView, whose plan is rebuilt then and never per
// request. All file access goes through an os.Root, so a symlink never
// leads out of the root.
package catalog

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// Config configures a Catalog.
type Config struct {
	// Root is the footage root.
	Root string
	// StateDir holds the scan cache; default ROOT/.cctvd.
	StateDir string
	// Now is the clock; default time.Now.
	Now func() time.Time
	// StableFor is how long a file that is not known to be closed must keep
	// its size and modification time to count as complete; default 3s.
	StableFor time.Duration
	// Segment is how long a camera's segments are; default 10s. A file
	// closed after writing and scanned as a clean segment is complete when
	// it holds at least 9/10 of that (complete.go).
	Segment time.Duration
	// QuietFor is how long a file that is not known complete in another
	// way must go unwritten before it counts as complete; default 1m.
	QuietFor time.Duration
	// Probe reads an archive's duration from the mp4 at path (absolute).
	// Nil reads the mp4's movie header itself, through the root.
	Probe func(ctx context.Context, path string) (time.Duration, error)
	// Workers is how many files are scanned at once; default GOMAXPROCS.
	Workers int
	// Location is the time zone days are cut in, to tell footage filmed
	// outside its folder's day; default Now's.
	Location *time.Location
	// Archived, if set, tells whether an archive of day d already holds
	// a segment with the bytes r was scanned from, and under which name
	// (the archiver's index; archive.Archiver.Holds). Such a file in a day
	// that has an archive is a copy of archived footage, not footage
	// waiting: its view keeps it out of the plan as a duplicate, as the
	// archiver does. It is asked while a view is built, only for days that
	// have an archive and segments.
	Archived func(d day.Date, r *ts.Report) (archive, orig string, ok bool)
}

// Catalog keeps the days of a footage root. Its methods are safe for
// concurrent use; Run does the work.
type Catalog struct {
	cfg   Config
	log   *slog.Logger
	root  *os.Root
	cache *diskCache
	w     watcher
	notes chan event

	// Owned by New and then by Run's goroutine.
	days      map[string]*dayState
	misplaced map[string]Misplaced // root entries by name
	queue     scanQueue
	writing   map[fileKey]struct{}
	version   uint64
	dirty     bool // some day's view is out of date, or the set of days changed

	snap     atomic.Pointer[snapshot]
	mu       sync.Mutex
	changed  chan struct{}
	scans    atomic.Int64
	ingested atomic.Int64

	closeOnce sync.Once
	closeErr  error
}

type fileKey struct{ dir, name string }

type snapshot struct {
	days      []*DayView // newest first
	byDate    map[day.Date]*DayView
	misplaced []Misplaced // by name
}

// New opens the root, lists its days and takes what the disk cache knows,
// so the catalog answers at once; Run scans the rest.
func New(cfg Config, log *slog.Logger) (*Catalog, error) {
	if cfg.Root == "" {
		return nil, errors.New("catalog: no root")
	}
	abs, err := filepath.Abs(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	cfg.Root = abs
	if cfg.StateDir == "" {
		cfg.StateDir = filepath.Join(cfg.Root, day.StateDir)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StableFor <= 0 {
		cfg.StableFor = 3 * time.Second
	}
	if cfg.Segment <= 0 {
		cfg.Segment = 10 * time.Second
	}
	if cfg.QuietFor <= 0 {
		cfg.QuietFor = 6 * cfg.Segment
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Location == nil {
		cfg.Location = cfg.Now().Location()
	}
	log = log.With("component", "catalog")
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("catalog: %w", err)
	}
	c := &Catalog{cfg: cfg, log: log, root: root, notes: make(chan event, 256),
		days: map[string]*dayState{}, misplaced: map[string]Misplaced{}, writing: map[fileKey]struct{}{}, changed: make(chan struct{})}
	c.cache, err = openCache(filepath.Join(cfg.StateDir, "catalog"), log)
	if err != nil {
		log.Warn("scan cache off", "err", err)
	}
	if c.w, err = newWatcher(cfg.Root, log); err != nil {
		root.Close()
		return nil, fmt.Errorf("catalog: %w", err)
	}
	start := time.Now()
	if err := c.syncRoot(); err != nil {
		c.Close()
		return nil, err
	}
	c.cache.prune(c.days)
	c.dirty = true
	c.publish()
	log.Info("catalog loaded", "root", cfg.Root, "days", len(c.days), "to_scan", c.queue.len(),
		"took", time.Since(start).Round(time.Millisecond))
	return c, nil
}

// Close stops watching and releases the root. Call it after Run returned.
func (c *Catalog) Close() error {
	c.closeOnce.Do(func() {
		c.closeErr = errors.Join(c.w.close(), c.cache.close(), c.root.Close())
	})
	return c.closeErr
}

// Day is the latest view of d, if its folder exists.
func (c *Catalog) Day(d day.Date) (*DayView, bool) {
	v, ok := c.snap.Load().byDate[d]
	return v, ok
}

// Days are the latest views of every day, newest first.
func (c *Catalog) Days() []*DayView { return slices.Clone(c.snap.Load().days) }

// Changed is closed at the next change of any day; call it again for the one after.
func (c *Catalog) Changed() <-chan struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.changed
}

// Scans counts the files this catalog has scanned (segments read, archive
// durations probed); files known from the disk cache are not scanned.
func (c *Catalog) Scans() int64 { return c.scans.Load() }

// Ingested counts the segments taken in since start-up: scanned complete
// and usable as MPEG-TS with video, whether found at start-up without a
// cache entry or arrived since. A file scanned again after it changed
// counts again.
func (c *Catalog) Ingested() int64 { return c.ingested.Load() }

// Arrived tells the catalog that name in the folder of d is complete (an
// upload just linked it into place), so it need not wait for it to settle.
func (c *Catalog) Arrived(d day.Date, name string) {
	select {
	case c.notes <- event{dir: d.String(), name: name, op: opMovedIn}:
	default: // the watcher will see it anyway
	}
}

// Hurry scans d's files before other days': a player waits for them.
func (c *Catalog) Hurry(d day.Date) {
	select {
	case c.notes <- event{dir: d.String(), op: opHurry}:
	default: // busy: the wait is bounded
	}
}

// syncRoot brings the days in line with the root's folders.
func (c *Catalog) syncRoot() error {
	if err := c.w.add(""); err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	entries, err := fs.ReadDir(c.root.FS(), ".")
	if err != nil {
		return fmt.Errorf("catalog: list root: %w", err)
	}
	seen := map[string]bool{}
	misplaced := map[string]Misplaced{}
	for _, e := range entries {
		if isDayDir(e.Name(), e.Type()) {
			seen[e.Name()] = true
			c.addDay(e.Name(), false)
		} else if m, ok := misplacedEntry(e.Name(), e.Type()); ok {
			misplaced[e.Name()] = m
		}
	}
	c.setMisplaced(misplaced)
	for name := range c.days {
		if !seen[name] {
			c.removeDay(name)
		}
	}
	return nil
}

func isDayDir(name string, mode fs.FileMode) bool {
	if !mode.IsDir() {
		return false // a symlink to a folder is not followed
	}
	_, err := day.Parse(name)
	return err == nil
}

// Run scans what New left to scan and follows changes until ctx ends,
// then writes the disk cache.
func (c *Catalog) Run(ctx context.Context) error {
	work := make(chan job)
	results := make(chan result)
	var wg sync.WaitGroup
	for range c.cfg.Workers {
		wg.Go(func() { c.worker(ctx, work, results) })
	}
	period := min(c.cfg.StableFor/2, time.Second)
	settle := time.NewTicker(period)
	defer settle.Stop()
	flush := time.NewTicker(flushCheck)
	defer flush.Stop()
	var publish *time.Timer
	var publishC <-chan time.Time
	defer func() {
		close(work)
		wg.Wait()
		if publish != nil {
			publish.Stop()
		}
		c.flush(true)
		c.cache.wait()
	}()
	for {
		var send chan<- job
		next, ok := c.nextJob()
		if ok {
			send = work
		}
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-c.w.events():
			if !ok {
				return errors.New("catalog: watcher stopped")
			}
			c.handle(e)
		case e := <-c.notes:
			c.handle(e)
		case send <- next:
			c.dispatched(next)
		case r := <-results:
			c.apply(r)
		case <-settle.C:
			c.settle()
		case <-flush.C:
			c.flush(false)
		case <-publishC:
			publishC = nil
			c.publish()
		}
		if c.dirty && publishC == nil {
			if publish == nil {
				publish = time.NewTimer(publishDelay)
			} else {
				publish.Reset(publishDelay)
			}
			publishC = publish.C
		}
	}
}

// publishDelay gathers a burst of changes into one new view.
const publishDelay = 100 * time.Millisecond

// publish rebuilds the views of changed days and swaps in a new snapshot.
func (c *Catalog) publish() {
	if !c.dirty {
		return
	}
	c.dirty = false
	snap := &snapshot{byDate: make(map[day.Date]*DayView, len(c.days)), misplaced: c.misplacedList()}
	for _, ds := range c.days {
		if ds.view == nil || ds.dirty {
			c.version++
			ds.view = ds.build(c.version, c.cfg.Location, c.cfg.Archived)
			ds.dirty = false
		}
		snap.days = append(snap.days, ds.view)
		snap.byDate[ds.date] = ds.view
	}
	slices.SortFunc(snap.days, func(a, b *DayView) int { return b.Date.Compare(a.Date) })
	c.snap.Store(snap)
	c.mu.Lock()
	close(c.changed)
	c.changed = make(chan struct{})
	c.mu.Unlock()
}
