package catalog

import (
	"errors"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// dayState is what the catalog knows of one day folder; Run's goroutine owns it.
type dayState struct {
	date  day.Date
	name  string
	files map[string]*entry
	dirty bool // the view is out of date
	view  *DayView

	cacheDirty bool
	lastChange time.Time // real time, for cache flushing
	lastFlush  time.Time
}

type kind uint8

const (
	kindSegment  kind = iota // a *.ts file
	kindArchive              // video.mp4, video-N.mp4
	kindChecksum             // their .sha512sum
	kindOther                // anything else: notes, symlinks, folders
)

type state uint8

const (
	stWriting  state = iota // not known to be complete
	stQueued                // complete, waiting for a scan
	stScanning              // being scanned
	stHeld                  // scanned, but not yet complete by the rule (complete.go)
	stDone                  // scanned: rep, err or dur hold the result
)

// entry is one name in a day folder.
type entry struct {
	kind  kind
	mode  fs.FileMode // type bits
	size  int64
	mtime time.Time
	state state
	seen  time.Time // Config.Now at the last sign of writing
	via   via       // how its writer last declared it complete
	gen   uint64    // bumped at every change, so stale scans are dropped
	rep   ts.Report
	err   error
	dur   time.Duration // of an archive; 0 when unknown
}

func (e *entry) pending() bool {
	return (e.kind == kindSegment || e.kind == kindArchive) && e.state != stDone
}

// ignored names are never looked at: hidden files (uploads under way, the
// state folder) and partial archive files.
func ignored(name string) bool {
	return strings.HasPrefix(name, ".") || strings.HasSuffix(name, day.PartialSuffix)
}

func kindOf(name string, mode fs.FileMode) kind {
	switch {
	case !mode.IsRegular():
		return kindOther
	case day.IsChecksum(name):
		return kindChecksum
	case day.IsArchive(name):
		return kindArchive
	case strings.HasSuffix(name, ".ts"):
		return kindSegment
	}
	return kindOther
}

// addDay starts following a day folder and takes in its files.
// movedIn means the folder arrived whole, so its files are complete.
func (c *Catalog) addDay(name string, movedIn bool) {
	ds, ok := c.days[name]
	if !ok {
		d, err := day.Parse(name)
		if err != nil {
			return
		}
		ds = &dayState{date: d, name: name, files: map[string]*entry{}}
		if err := c.w.add(name); err != nil {
			c.log.Warn("cannot watch day", "day", name, "err", err)
			return
		}
		c.days[name] = ds
		c.dirty, ds.dirty = true, true
		if today := day.Of(c.cfg.Now()); today.Before(d) {
			// A camera's clock is ahead: the folder is kept and listed, but
			// it is not where live viewing goes (package web).
			c.log.Warn("day folder in the future: is a camera's clock ahead?", "day", name, "today", today.String())
		}
	}
	c.syncDay(ds, movedIn)
}

func (c *Catalog) removeDay(name string) {
	if _, ok := c.days[name]; !ok {
		return
	}
	c.w.remove(name)
	delete(c.days, name)
	for k := range c.writing {
		if k.dir == name {
			delete(c.writing, k)
		}
	}
	c.queue.drop(name)
	c.cache.put(name, nil)
	c.dirty = true
	c.log.Info("day gone", "day", name)
}

// syncDay brings a day's entries in line with its folder: what the disk
// cache knows is taken as it is, the rest is queued for a scan or, if it
// changed very recently, left to settle.
func (c *Catalog) syncDay(ds *dayState, movedIn bool) {
	list, err := fs.ReadDir(c.root.FS(), ds.name)
	if err != nil {
		c.log.Warn("cannot list day", "day", ds.name, "err", err)
		return
	}
	cached := c.cache.load(ds.name)
	hits := 0
	seen := make(map[string]bool, len(list))
	now := c.cfg.Now()
	for _, de := range list {
		name := de.Name()
		if ignored(name) {
			continue
		}
		info, err := de.Info()
		if err != nil {
			continue // gone already
		}
		seen[name] = true
		mode := info.Mode().Type()
		if e, ok := ds.files[name]; ok && e.size == info.Size() && e.mtime.Equal(info.ModTime()) && e.mode == mode {
			continue
		}
		e := &entry{kind: kindOf(name, info.Mode()), mode: mode, size: info.Size(), mtime: info.ModTime(), state: stDone}
		if old, ok := ds.files[name]; ok {
			e.gen = old.gen + 1
		}
		ds.files[name] = e
		c.changedDay(ds)
		if e.kind != kindSegment && e.kind != kindArchive {
			continue
		}
		if ce, ok := cached[name]; ok && ce.Size == e.size && ce.ModTime == e.mtime.UnixNano() {
			e.rep, e.err, e.dur = ce.Report, ce.err(), ce.Duration
			hits++
			continue
		}
		if movedIn || now.Sub(e.mtime) >= c.cfg.StableFor {
			// Found at start-up or after lost events: its modification
			// time is the last sign of writing there is.
			e.seen, e.via = e.mtime, viaStable
			if now.Before(e.seen) {
				e.seen = now
			}
			if movedIn {
				e.via = viaRename
			}
			c.enqueue(ds, name, e)
		} else {
			c.startWriting(ds, name, e, now)
		}
	}
	for name := range ds.files {
		if !seen[name] {
			c.forget(ds, name)
		}
	}
	if hits != len(cached) {
		c.persist(ds) // the cache names files that are gone or changed
	}
}

// changedDay marks a day's view out of date.
func (c *Catalog) changedDay(ds *dayState) {
	ds.dirty, c.dirty = true, true
	ds.lastChange = time.Now()
}

// persist marks a day's cache file out of date.
func (c *Catalog) persist(ds *dayState) {
	ds.cacheDirty = true
	ds.lastChange = time.Now()
}

func (c *Catalog) enqueue(ds *dayState, name string, e *entry) {
	delete(c.writing, fileKey{ds.name, name})
	e.state = stQueued
	c.queue.push(ds.name, name)
}

func (c *Catalog) startWriting(ds *dayState, name string, e *entry, now time.Time) {
	e.state, e.seen = stWriting, now
	c.writing[fileKey{ds.name, name}] = struct{}{}
}

func (c *Catalog) forget(ds *dayState, name string) {
	delete(ds.files, name)
	delete(c.writing, fileKey{ds.name, name})
	c.changedDay(ds)
	c.persist(ds)
}

// handle applies one watcher event.
func (c *Catalog) handle(ev event) {
	switch {
	case ev.op == opHurry:
		c.queue.hurry = ev.dir
		return
	case ev.op == opOverflow:
		c.log.Warn("watcher lost events; listing everything again")
		if err := c.syncRoot(); err != nil {
			c.log.Error("cannot list root", "err", err)
		}
		for _, ds := range c.days {
			c.syncDay(ds, false)
		}
		return
	case ev.dir == "":
		c.handleRoot(ev)
		return
	}
	ds, ok := c.days[ev.dir]
	if !ok && ev.op == opClosed {
		// An upload into a day folder made a moment ago: its folder's
		// event may not have come yet.
		if info, err := c.root.Lstat(ev.dir); err == nil && isDayDir(ev.dir, info.Mode()) {
			c.addDay(ev.dir, false)
			ds, ok = c.days[ev.dir]
		}
	}
	if !ok {
		return
	}
	if ev.op == opDirGone {
		c.removeDay(ev.dir)
		return
	}
	if ignored(ev.name) || strings.ContainsRune(ev.name, '/') {
		return
	}
	c.handleFile(ds, ev)
}

func (c *Catalog) handleRoot(ev event) {
	c.rootEntry(ev.name)
	if _, err := day.Parse(ev.name); err != nil {
		return
	}
	switch ev.op {
	case opCreate, opMovedIn:
		info, err := c.root.Lstat(ev.name)
		if err != nil || !isDayDir(ev.name, info.Mode()) {
			return
		}
		c.addDay(ev.name, ev.op == opMovedIn)
		c.log.Info("new day", "day", ev.name)
	case opGone:
		c.removeDay(ev.name)
	}
}

// fileChange is what one event found of a file, beside what was known of it.
type fileChange struct {
	name  string
	e     *entry // the file's entry, made anew when it is new or of another kind or type
	info  fs.FileInfo
	known bool // e was known before this event
	same  bool // and its size, modification time and type are unchanged
}

// handleFile applies one event on a file of a day folder: what the event
// means is decided by looking at the file (lookFile), then the entry moves
// on as its writer's event says.
func (c *Catalog) handleFile(ds *dayState, ev event) {
	f, ok := c.lookFile(ds, ev)
	if !ok {
		return
	}
	if f.e.kind != kindSegment && f.e.kind != kindArchive {
		// Not scanned: only listed, so only its size and time matter.
		if !f.same {
			f.e.size, f.e.mtime = f.info.Size(), f.info.ModTime()
			c.changedDay(ds)
		}
		return
	}
	now := c.cfg.Now()
	switch ev.op {
	case opCreate, opWrite:
		c.fileWritten(ds, f, ev.op, now)
	case opClosed, opMovedIn:
		c.fileClosed(ds, f, ev.op, now)
	case opAttrib:
		c.fileAttrib(ds, f, now)
	}
}

// lookFile finds the file an event names and its entry. A file that is
// gone is forgotten and ok is false; one that changed its kind or type
// gets a new entry, so nothing of the old file's scan is kept.
func (c *Catalog) lookFile(ds *dayState, ev event) (f fileChange, ok bool) {
	name := ev.name
	e, known := ds.files[name]
	if ev.op == opGone {
		if known {
			c.forget(ds, name)
		}
		return f, false
	}
	info, err := c.root.Lstat(path.Join(ds.name, name))
	if err != nil {
		if known && errors.Is(err, fs.ErrNotExist) {
			c.forget(ds, name)
		}
		return f, false
	}
	mode := info.Mode().Type()
	same := known && e.size == info.Size() && e.mtime.Equal(info.ModTime()) && e.mode == mode
	if k := kindOf(name, info.Mode()); !known || e.kind != k || e.mode != mode {
		e = &entry{kind: k, mode: mode, state: stDone}
		if old, ok := ds.files[name]; ok {
			e.gen = old.gen + 1
		}
		ds.files[name] = e
		known, same = false, false
	}
	return fileChange{name: name, e: e, info: info, known: known, same: same}, true
}

// fileWritten takes a sign of writing: the file is not complete until its
// writer says so or it settles.
func (c *Catalog) fileWritten(ds *dayState, f fileChange, o op, now time.Time) {
	e := f.e
	if f.same && e.state != stWriting && o == opCreate {
		return // a link to a file already taken in (an upload's hard link)
	}
	if e.state == stDone {
		c.changedDay(ds) // it leaves the plan until it is complete again
		if f.known && !f.same {
			c.changedAfterTaken(ds, f.name, e, f.info)
		}
	}
	e.gen++
	e.size, e.mtime = f.info.Size(), f.info.ModTime()
	c.startWriting(ds, f.name, e, now)
	if !f.known {
		c.promote(ds, now) // the camera may have moved on from a held file
	}
}

// fileClosed takes its writer's word that the file is complete (a close
// after writing, or a rename into the folder) and queues it for a scan.
func (c *Catalog) fileClosed(ds *dayState, f fileChange, o op, now time.Time) {
	e := f.e
	v := viaClose
	if o == opMovedIn {
		v = viaRename
	}
	if f.same && e.state == stHeld {
		e.via = max(e.via, v) // closed without a further write: its scan stands
		c.promote(ds, now)
		return
	}
	if f.same && e.state != stWriting {
		return // nothing new: already queued, scanning or scanned
	}
	if e.state == stDone && f.known {
		c.changedAfterTaken(ds, f.name, e, f.info)
	}
	e.gen++
	e.size, e.mtime = f.info.Size(), f.info.ModTime()
	e.seen, e.via = now, v
	c.changedDay(ds)
	c.enqueue(ds, f.name, e)
}

// fileAttrib takes a change of metadata, which says nothing of whether the
// writer is done.
func (c *Catalog) fileAttrib(ds *dayState, f fileChange, now time.Time) {
	e := f.e
	if f.same {
		return
	}
	if e.size != f.info.Size() || e.state != stDone {
		e.size, e.mtime = f.info.Size(), f.info.ModTime()
		if e.state == stWriting {
			e.seen = now
		}
		return
	}
	// Only the modification time changed (scp -p, touch): the report
	// stands, but the wall clock is estimated from it.
	e.mtime = f.info.ModTime()
	c.changedDay(ds)
	c.persist(ds)
}

// changedAfterTaken reports a segment that was complete by the rule and
// then changed: a writer the rule could not tell from a finished one.
func (c *Catalog) changedAfterTaken(ds *dayState, name string, e *entry, info fs.FileInfo) {
	if e.kind != kindSegment {
		return
	}
	c.log.Warn("segment changed after it was taken in as complete", "day", ds.name, "segment", name,
		"size", e.size, "new_size", info.Size())
}

// settle takes in files that are not known closed once their size and
// modification time have not moved for StableFor, and publishes held
// files once the rule allows.
func (c *Catalog) settle() {
	now := c.cfg.Now()
	held := map[*dayState]bool{}
	defer func() {
		for ds := range held {
			c.promote(ds, now)
		}
	}()
	for k := range c.writing {
		ds := c.days[k.dir]
		if ds == nil {
			delete(c.writing, k)
			continue
		}
		e := ds.files[k.name]
		if e != nil && e.state == stHeld {
			held[ds] = true
			continue
		}
		if e == nil || e.state != stWriting {
			delete(c.writing, k)
			continue
		}
		if now.Sub(e.seen) < c.cfg.StableFor {
			continue
		}
		info, err := c.root.Lstat(path.Join(k.dir, k.name))
		if err != nil {
			continue // a Gone event follows
		}
		if info.Size() != e.size || !info.ModTime().Equal(e.mtime) {
			e.size, e.mtime, e.seen = info.Size(), info.ModTime(), now
			continue
		}
		e.gen++
		e.via = viaStable
		c.changedDay(ds)
		c.enqueue(ds, k.name, e)
	}
}
