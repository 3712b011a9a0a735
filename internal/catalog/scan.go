package catalog

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// scanQueue holds the files waiting for a scan, per day; the newest day
// goes first, since that is the one people watch, unless someone asked
// for another (Catalog.Hurry).
type scanQueue struct {
	days  map[string][]string
	n     int
	hurry string // a day a player waits for
}

func (q *scanQueue) push(dir, name string) {
	if q.days == nil {
		q.days = map[string][]string{}
	}
	q.days[dir] = append(q.days[dir], name)
	q.n++
}

func (q *scanQueue) newest() string {
	if _, ok := q.days[q.hurry]; ok {
		return q.hurry
	}
	best := ""
	for d := range q.days {
		if d > best { // YYYY-MM-DD sorts as it counts
			best = d
		}
	}
	return best
}

func (q *scanQueue) pop(dir string) {
	names := q.days[dir]
	if len(names) <= 1 {
		delete(q.days, dir)
	} else {
		q.days[dir] = names[1:]
	}
	q.n--
}

func (q *scanQueue) drop(dir string) {
	q.n -= len(q.days[dir])
	delete(q.days, dir)
}

func (q *scanQueue) len() int { return q.n }

// job asks a worker to scan one file.
type job struct {
	dir, name string
	kind      kind
	gen       uint64
}

// result is a worker's answer.
type result struct {
	job
	size  int64
	mtime time.Time
	rep   ts.Report
	err   error
	dur   time.Duration
	stale bool // the file changed while it was read
	grew  bool // … and its size changed: it is still being written
}

// nextJob is the next queued file still waiting for a scan; it drops
// queue items whose file changed or went away since.
func (c *Catalog) nextJob() (job, bool) {
	for c.queue.len() > 0 {
		dir := c.queue.newest()
		name := c.queue.days[dir][0]
		ds := c.days[dir]
		var e *entry
		if ds != nil {
			e = ds.files[name]
		}
		if e == nil || e.state != stQueued {
			c.queue.pop(dir)
			continue
		}
		return job{dir: dir, name: name, kind: e.kind, gen: e.gen}, true
	}
	return job{}, false
}

func (c *Catalog) dispatched(j job) {
	c.queue.pop(j.dir)
	c.days[j.dir].files[j.name].state = stScanning
}

// apply takes in a worker's result unless the file changed meanwhile.
func (c *Catalog) apply(r result) {
	ds := c.days[r.dir]
	if ds == nil {
		return
	}
	e := ds.files[r.name]
	if e == nil || e.gen != r.gen || e.state != stScanning {
		return
	}
	if r.stale {
		e.gen++
		if r.grew {
			c.startWriting(ds, r.name, e, c.cfg.Now())
		} else {
			c.enqueue(ds, r.name, e) // only touched (its time set after the copy): read it again
		}
		return
	}
	e.size, e.mtime = r.size, r.mtime
	e.rep, e.err, e.dur = r.rep, r.err, r.dur
	if r.err != nil && r.kind == kindArchive {
		c.log.Warn("cannot read archive duration", "day", r.dir, "file", r.name, "err", r.err)
	}
	now := c.cfg.Now()
	if !c.complete(ds, r.name, e, now) {
		c.hold(ds, r.name, e)
		return
	}
	c.publishScanned(ds, r.name, e)
	c.promote(ds, now) // files before it: the camera has moved on from them
}

func (c *Catalog) worker(ctx context.Context, work <-chan job, results chan<- result) {
	for j := range work {
		r := c.scan(ctx, j)
		select {
		case results <- r:
		case <-ctx.Done():
		}
	}
}

var errNotRegular = errors.New("not a regular file")

// scan reads one file through the root. It refuses anything but a regular
// file and reports a file that changed while it was read as stale.
func (c *Catalog) scan(ctx context.Context, j job) result {
	r := result{job: j}
	name := path.Join(j.dir, j.name)
	before, err := c.root.Lstat(name)
	if err != nil || !before.Mode().IsRegular() {
		r.stale, r.grew = true, true // an event about it follows
		return r
	}
	f, err := c.root.Open(name)
	if err != nil {
		r.size, r.mtime, r.err = before.Size(), before.ModTime(), fmt.Errorf("scan %s: %w", name, err)
		return r
	}
	defer f.Close()
	opened, err := f.Stat()
	if err != nil || !os.SameFile(before, opened) {
		r.stale, r.grew = true, true
		return r
	}
	r.size, r.mtime = opened.Size(), opened.ModTime()
	c.scans.Add(1)
	switch j.kind {
	case kindSegment:
		r.rep, r.err = ts.Scan(f)
		if r.err != nil {
			r.err = fmt.Errorf("scan %s: %w", name, r.err)
		}
	case kindArchive:
		if c.cfg.Probe != nil {
			r.dur, r.err = c.cfg.Probe(ctx, filepath.Join(c.cfg.Root, j.dir, j.name))
		} else {
			r.dur, r.err = mp4Duration(f, r.size)
		}
	default:
		r.err = fmt.Errorf("scan %s: %w", name, errNotRegular)
	}
	after, err := f.Stat()
	if err != nil || after.Size() != r.size || !after.ModTime().Equal(r.mtime) {
		r.stale, r.grew = true, err != nil || after.Size() != r.size
	}
	return r
}

// isSentinel reports scan errors that say what a file is, not that reading failed.
func isSentinel(err error) bool {
	return errors.Is(err, ts.ErrEmpty) || errors.Is(err, ts.ErrNotTS) || errors.Is(err, ts.ErrNoVideo)
}
