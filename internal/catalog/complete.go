package catalog

import (
	"path"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// The rule for when a segment is complete, so that it goes into the plan
// (and so into playlists, the index page and thumbnails). A writer that
// merely paused looks like one that finished: a slow link can stall for
// longer than any fixed wait, and a dropped sftp connection closes a half
// file. So a scanned segment is published only when its writer is known
// to be done with it:
//
//   - it was renamed into place (rsync, an HTTP upload, mv): whole by
//     construction;
//   - it was closed after writing and its scan shows at least 9/10 of
//     Config.Segment (a shorter one may be what a dropped link left);
//   - a later segment of the same day (natural order) exists: the camera
//     has moved on;
//   - or nothing has written to it for Config.QuietFor (the last, short
//     segment of a camera that stopped).
//
// A file not known closed is scanned once its size and modification time
// have not moved for Config.StableFor, as before, but then waits (held)
// until the rule above publishes it. Held files count as pending. A file
// that does not scan as a clean segment (junk, cut inside a packet) stays
// out of the plan whatever happens, so it is reported at once.

// via is how a file was last declared complete by its writer.
type via uint8

const (
	viaStable via = iota // its size and time stopped moving: it may only have paused
	viaClose             // closed after writing (IN_CLOSE_WRITE)
	viaRename            // renamed into place, or announced by an upload
)

// complete reports whether a scanned entry may be published.
func (c *Catalog) complete(ds *dayState, name string, e *entry, now time.Time) bool {
	switch {
	case e.kind != kindSegment, e.via == viaRename:
		return true
	case e.err != nil || e.rep.Truncated():
		return true
	case e.via == viaClose && e.rep.Duration() >= c.cfg.Segment*9/10:
		return true
	case now.Sub(e.seen) >= c.cfg.QuietFor:
		return true
	}
	return laterSegment(ds, name)
}

// laterSegment reports whether the day has a segment after name.
func laterSegment(ds *dayState, name string) bool {
	for other, e := range ds.files {
		if e.kind == kindSegment && ts.NaturalLess(name, other) {
			return true
		}
	}
	return false
}

// publishScanned puts a scanned entry into the plan.
func (c *Catalog) publishScanned(ds *dayState, name string, e *entry) {
	delete(c.writing, fileKey{ds.name, name})
	e.state = stDone
	if e.kind == kindSegment && e.err == nil {
		c.ingested.Add(1)
	}
	c.changedDay(ds)
	c.persist(ds)
}

// hold keeps a scanned entry out of the plan until the rule publishes it.
func (c *Catalog) hold(ds *dayState, name string, e *entry) {
	e.state = stHeld
	c.writing[fileKey{ds.name, name}] = struct{}{}
	c.changedDay(ds) // no longer waiting for a scan
}

// promote publishes the day's held entries that the rule now allows.
func (c *Catalog) promote(ds *dayState, now time.Time) {
	for k := range c.writing {
		e := ds.files[k.name]
		if k.dir != ds.name || e == nil || e.state != stHeld || !c.complete(ds, k.name, e, now) {
			continue
		}
		name := k.name
		info, err := c.root.Lstat(path.Join(ds.name, name))
		if err != nil || info.Size() != e.size || !info.ModTime().Equal(e.mtime) {
			continue // an event about the change follows
		}
		c.publishScanned(ds, name, e)
	}
}
