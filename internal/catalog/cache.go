package catalog

import (
	"bytes"
	"crypto/rand"
	"encoding/gob"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// cacheFormat changes whenever a cached report would no longer be what a
// scan now says (a new field, a fixed scanner): old caches are then ignored.
const cacheFormat = 3

// When a day's cache is written: once it has been quiet for cacheQuiet, at
// most every cacheMaxAge while it keeps changing (today), and at shutdown.
const (
	flushCheck  = 5 * time.Second
	cacheQuiet  = 10 * time.Second
	cacheMaxAge = 5 * time.Minute
)

// cacheDay is one day's cache file: every scanned file, keyed by name, size
// and modification time.
type cacheDay struct {
	Format int
	Files  []cacheEntry
}

type cacheEntry struct {
	Name     string
	Size     int64
	ModTime  int64 // Unix nanoseconds
	Report   ts.Report
	Err      string // a sentinel's name: what the file is, not a read failure
	Duration time.Duration
}

var sentinels = map[string]error{"empty": ts.ErrEmpty, "not_ts": ts.ErrNotTS, "no_video": ts.ErrNoVideo}

func (ce *cacheEntry) err() error {
	if ce.Err == "" {
		return nil
	}
	return fmt.Errorf("cached %s: %w", ce.Name, sentinels[ce.Err])
}

// diskCache keeps one gob file per day in its folder, written atomically
// (temporary file, fsync, rename, fsync of the folder) by its own goroutine
// so the catalog never waits on the disk. A nil diskCache does nothing.
type diskCache struct {
	dir  *os.Root
	log  *slog.Logger
	mu   sync.Mutex
	todo map[string][]byte // day → encoded file; nil data removes it
	busy bool
	idle *sync.Cond
}

func openCache(dir string, log *slog.Logger) (*diskCache, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("scan cache: %w", err)
	}
	r, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("scan cache: %w", err)
	}
	c := &diskCache{dir: r, log: log, todo: map[string][]byte{}}
	c.idle = sync.NewCond(&c.mu)
	return c, nil
}

func cacheName(dayName string) string { return dayName + ".gob" }

// load returns what the cache knows of a day's files, by name.
func (c *diskCache) load(dayName string) map[string]cacheEntry {
	if c == nil {
		return nil
	}
	b, err := c.dir.ReadFile(cacheName(dayName))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			c.log.Warn("cannot read scan cache", "day", dayName, "err", err)
		}
		return nil
	}
	var cd cacheDay
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&cd); err != nil || cd.Format != cacheFormat {
		c.log.Warn("ignoring scan cache", "day", dayName, "err", err, "format", cd.Format)
		return nil
	}
	m := make(map[string]cacheEntry, len(cd.Files))
	for _, ce := range cd.Files {
		if _, ok := sentinels[ce.Err]; ce.Err == "" || ok {
			m[ce.Name] = ce
		}
	}
	return m
}

// encode makes a day's cache file from its scanned entries.
func encodeDay(ds *dayState) ([]byte, error) {
	cd := cacheDay{Format: cacheFormat}
	for name, e := range ds.files {
		if e.state != stDone || (e.kind != kindSegment && e.kind != kindArchive) {
			continue
		}
		ce := cacheEntry{Name: name, Size: e.size, ModTime: e.mtime.UnixNano(), Report: e.rep, Duration: e.dur}
		if e.err != nil {
			ce.Err = sentinelName(e.err)
			if ce.Err == "" {
				continue // a read failure: try again next time
			}
		}
		cd.Files = append(cd.Files, ce)
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&cd); err != nil {
		return nil, fmt.Errorf("scan cache %s: %w", ds.name, err)
	}
	return b.Bytes(), nil
}

func sentinelName(err error) string {
	for name, s := range sentinels {
		if errors.Is(err, s) {
			return name
		}
	}
	return ""
}

// put schedules a day's cache file to be written.
func (c *diskCache) put(dayName string, data []byte) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.todo[dayName] = data
	if !c.busy {
		c.busy = true
		go c.writeAll()
	}
}

func (c *diskCache) writeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.todo) > 0 {
		var name string
		var data []byte
		for name, data = range c.todo {
			break
		}
		delete(c.todo, name)
		c.mu.Unlock()
		err := c.write(name, data)
		c.mu.Lock()
		if err != nil {
			c.log.Warn("cannot write scan cache", "day", name, "err", err)
		}
	}
	c.busy = false
	c.idle.Broadcast()
}

// wait returns once everything put so far is on disk.
func (c *diskCache) wait() {
	if c == nil {
		return
	}
	c.mu.Lock()
	for c.busy {
		c.idle.Wait()
	}
	c.mu.Unlock()
}

func (c *diskCache) write(dayName string, data []byte) error {
	final := cacheName(dayName)
	if data == nil {
		if err := c.dir.Remove(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	var rnd [6]byte
	rand.Read(rnd[:])
	tmp := "." + final + "." + hex.EncodeToString(rnd[:])
	f, err := c.dir.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = c.dir.Rename(tmp, final)
	}
	if err != nil {
		c.dir.Remove(tmp)
		return err
	}
	return syncDir(c.dir)
}

func syncDir(r *os.Root) error {
	d, err := r.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// prune removes cache files of days that are gone, and leftover temporary files.
func (c *diskCache) prune(days map[string]*dayState) {
	if c == nil {
		return
	}
	entries, err := fs.ReadDir(c.dir.FS(), ".")
	if err != nil {
		return
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".gob")
		if strings.HasPrefix(e.Name(), ".") || (ok && days[name] == nil) {
			c.dir.Remove(e.Name())
		}
	}
}

func (c *diskCache) close() error {
	if c == nil {
		return nil
	}
	c.wait()
	return c.dir.Close()
}

// flush writes the cache of the days that changed: those that have been
// quiet for a while or waited too long, or all of them at shutdown.
func (c *Catalog) flush(all bool) {
	if c.cache == nil {
		return
	}
	now := time.Now()
	for _, ds := range c.days {
		if !ds.cacheDirty {
			continue
		}
		if !all && now.Sub(ds.lastChange) < cacheQuiet && now.Sub(ds.lastFlush) < cacheMaxAge {
			continue
		}
		data, err := encodeDay(ds)
		if err != nil {
			c.log.Warn("cannot encode scan cache", "day", ds.name, "err", err)
			continue
		}
		ds.cacheDirty, ds.lastFlush = false, now
		c.cache.put(ds.name, data)
	}
}
