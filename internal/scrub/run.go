package scrub

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
)

// rescan is how often the camera folders are listed for new and removed
// archives when nothing falls due sooner; it also bounds a wait, so that
// a clock that jumps is noticed within it.
const rescan = time.Hour

// retry is how long an archive that is due but could not be scrubbed
// (its day being archived, an error) waits before the next try.
const retry = 10 * time.Minute

// ErrBusy reports a day its archiver is working on: not scrubbed now.
var ErrBusy = errors.New("day is being archived; scrub it once that is done")

// errGone reports an archive removed since it was listed.
var errGone = errors.New("archive is gone")

// Run scrubs the archives as they fall due until ctx ends.
func (s *Scrubber) Run(ctx context.Context) error {
	for ctx.Err() == nil {
		s.refresh()
		list, next := s.dueAt(s.cfg.Now())
		done := 0
		for _, d := range list {
			_, err := s.scrubOne(ctx, d.camera, d.key, nil)
			switch {
			case err == nil || errors.Is(err, errGone):
				done++
			case ctx.Err() != nil || errors.Is(err, ErrBusy):
			default:
				s.log.Warn("scrub failed; tried again later", "camera", d.camera, "day", d.key.Date.String(), "file", d.key.File, "err", err)
			}
		}
		if done > 0 {
			continue // what fell due meanwhile comes first
		}
		wait := rescan
		switch {
		case len(list) > 0:
			// Due but not done (a day being archived, a folder that
			// cannot be read): try again later rather than at once.
			wait = retry
		case !next.IsZero():
			wait = min(wait, max(next.Sub(s.cfg.Now()), time.Second))
		}
		if err := s.cfg.Sleep(ctx, wait); err != nil {
			break
		}
	}
	return nil
}

// Progress is how far a scrub by hand is.
type Progress struct {
	// The archive being read.
	Camera string
	Date   day.Date
	File   string
	// Done of Total bytes over the whole request; Files of FileCount
	// archives finished.
	Done, Total      int64
	Files, FileCount int
}

// Scrub re-hashes now, whether due or not, the archives of the cameras
// named (nil: every camera) of day d (zero: every day), one at a time
// within the rate limit, telling progress of each read. It returns each
// archive's new state; a day being archived is skipped (with a date
// given: ErrBusy).
func (s *Scrubber) Scrub(ctx context.Context, cameras []string, d day.Date, progress func(Progress)) ([]Status, error) {
	if cameras == nil {
		s.mu.Lock()
		for name := range s.cams {
			cameras = append(cameras, name)
		}
		s.mu.Unlock()
	}
	var todo []dueArchive
	var p Progress
	for _, name := range sortedStrings(cameras) {
		s.mu.Lock()
		_, ok := s.cams[name]
		s.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("camera %q: %w", name, ErrUnknownCamera)
		}
		s.refreshCamera(name)
		s.mu.Lock()
		for k, e := range s.cams[name].archives {
			if d.IsZero() || k.Date == d {
				todo = append(todo, dueArchive{camera: name, key: k})
				p.Total += e.Bytes
			}
		}
		s.mu.Unlock()
	}
	if len(todo) == 0 && !d.IsZero() {
		return nil, fmt.Errorf("%s: %w", d, ErrNoArchive)
	}
	sortDue(todo)
	p.FileCount = len(todo)
	var out []Status
	for _, a := range todo {
		p.Camera, p.Date, p.File = a.camera, a.key.Date, a.key.File
		if progress != nil {
			progress(p)
		}
		st, err := s.scrubOne(ctx, a.camera, a.key, func(n int64) {
			p.Done += n
			if progress != nil {
				progress(p)
			}
		})
		switch {
		case errors.Is(err, errGone) || (errors.Is(err, ErrBusy) && d.IsZero()):
		case err != nil:
			return out, err
		default:
			out = append(out, st)
		}
		p.Files++
	}
	if progress != nil {
		p.Camera, p.Date, p.File = "", day.Date{}, ""
		progress(p)
	}
	return out, nil
}

// scrubOne re-hashes one archive and keeps what it found.
func (s *Scrubber) scrubOne(ctx context.Context, camera string, k key, progress func(int64)) (Status, error) {
	s.run.Lock()
	defer s.run.Unlock()
	s.mu.Lock()
	c, ok := s.cams[camera]
	s.mu.Unlock()
	if !ok {
		return Status{}, fmt.Errorf("camera %q: %w", camera, ErrUnknownCamera)
	}
	if c.Busy != nil && c.Busy(k.Date) {
		return Status{}, fmt.Errorf("%s: %w", k, ErrBusy)
	}
	root, err := os.OpenRoot(c.Root)
	if err != nil {
		return Status{}, fmt.Errorf("scrub: %w", err)
	}
	defer root.Close()
	name := path.Join(k.Date.String(), k.File)
	onBytes := func(n int64) {
		if s.cfg.OnBytes != nil {
			s.cfg.OnBytes(camera, n)
		}
		if progress != nil {
			progress(n)
		}
	}
	res, detail, bytes, err := s.check(ctx, root, name, onBytes)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, errGone) {
			s.forget(c, k)
			return Status{}, fmt.Errorf("%s: %w", k, errGone)
		}
		return Status{}, fmt.Errorf("scrub %s: %w", k, err)
	}
	// An archive whose checksum file is not there yet may be one being
	// committed right now: the archiver writes it just after the archive.
	if res == MissingChecksum && c.Busy != nil && c.Busy(k.Date) {
		return Status{}, fmt.Errorf("%s: %w", k, ErrBusy)
	}
	return s.record(c, k, res, detail, bytes), nil
}

// check hashes archive name against its checksum file.
func (s *Scrubber) check(ctx context.Context, root *os.Root, name string, progress func(int64)) (Result, string, int64, error) {
	sumName := day.ChecksumName(name)
	b, err := root.ReadFile(sumName)
	switch {
	case errors.Is(err, os.ErrNotExist):
		fi, err := root.Stat(name)
		if err != nil {
			return "", "", 0, err
		}
		return MissingChecksum, path.Base(sumName) + " is missing", fi.Size(), nil
	case err != nil:
		return BadChecksum, fmt.Sprintf("%s cannot be read: %v", path.Base(sumName), err), 0, nil
	}
	want, err := archive.ParseChecksum(b, path.Base(name))
	if err != nil {
		if !exists(root, name) {
			return "", "", 0, errGone
		}
		return BadChecksum, fmt.Sprintf("%s: %v", path.Base(sumName), err), 0, nil
	}
	h, err := s.hashFile(ctx, root, name, progress)
	switch {
	case errors.Is(err, errRead):
		return Unreadable, err.Error(), h.bytes, nil
	case err != nil:
		return "", "", 0, err
	case h.sum != want:
		return Mismatch, fmt.Sprintf("sha512 is %.16s…, %s says %.16s…", h.sum, path.Base(sumName), want), h.bytes, nil
	}
	return OK, "", h.bytes, nil
}

// record keeps a scrub's result, in memory and in scrub.json, and says
// so loudly when the archive is damaged.
func (s *Scrubber) record(c *camState, k key, res Result, detail string, bytes int64) Status {
	now := s.cfg.Now()
	s.mu.Lock()
	e := c.archives[k]
	if e == nil {
		e = &entry{Seen: now}
		c.archives[k] = e
	}
	was := e.Result
	e.Last, e.Result, e.Detail, e.Bytes = now, res, detail, bytes
	switch {
	case res.Damaged() && e.DamagedSince.IsZero():
		e.DamagedSince = now
	case !res.Damaged():
		e.DamagedSince = time.Time{}
	}
	st := s.status(c, k, e)
	err := save(statePath(c), c.archives)
	s.mu.Unlock()
	file := filepath.Join(c.Root, k.Date.String(), k.File)
	log := s.log.With("camera", c.Name, "day", k.Date.String(), "file", file)
	switch {
	case res.Damaged():
		log.Error("archive DAMAGED: kept as it is, never repaired or deleted; restore it from a copy", "result", res, "detail", detail)
		if s.cfg.OnDamaged != nil {
			s.cfg.OnDamaged(c.Name)
		}
	case was.Damaged():
		log.Info("archive matches its checksum again", "was", was)
	default:
		log.Debug("archive scrubbed", "result", res, "bytes", bytes)
	}
	if err != nil {
		log.Error("scrub result not kept", "err", err)
	}
	return st
}

// forget drops an archive that is gone from the folder.
func (s *Scrubber) forget(c *camState, k key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(c.archives, k)
	if err := save(statePath(c), c.archives); err != nil {
		s.log.Error("scrub results not kept", "camera", c.Name, "err", err)
	}
}

func statePath(c *camState) string { return filepath.Join(c.State, StateFile) }

// refresh lists every camera's archives.
func (s *Scrubber) refresh() {
	s.mu.Lock()
	var names []string
	for name := range s.cams {
		names = append(names, name)
	}
	s.mu.Unlock()
	for _, name := range names {
		s.refreshCamera(name)
	}
}

// refreshCamera adds the camera's new archives (first seen now) and drops
// those gone; a folder it cannot list keeps what it had.
func (s *Scrubber) refreshCamera(name string) {
	s.mu.Lock()
	c := s.cams[name]
	s.mu.Unlock()
	found, err := listArchives(c.Root)
	if err != nil {
		s.log.Warn("cannot list archives to scrub", "camera", name, "err", err)
		return
	}
	now := s.cfg.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	changed := false
	for k, size := range found.files {
		if e, ok := c.archives[k]; !ok {
			c.archives[k] = &entry{Seen: now, Bytes: size}
			changed = true
		} else if e.Bytes == 0 {
			e.Bytes = size
		}
	}
	for k := range c.archives {
		if _, ok := found.files[k]; !ok && !found.unlisted[k.Date] {
			delete(c.archives, k)
			changed = true
		}
	}
	if changed {
		if err := save(statePath(c), c.archives); err != nil {
			s.log.Error("scrub results not kept", "camera", name, "err", err)
		}
	}
}

// listed is what listArchives found: archives and their sizes, and the
// days whose folders could not be listed.
type listed struct {
	files    map[key]int64
	unlisted map[day.Date]bool
}

func listArchives(root string) (listed, error) {
	out := listed{files: map[key]int64{}, unlisted: map[day.Date]bool{}}
	days, err := os.ReadDir(root)
	if err != nil {
		return out, err
	}
	for _, de := range days {
		d, err := day.Parse(de.Name())
		if err != nil || !de.IsDir() {
			continue
		}
		files, err := os.ReadDir(filepath.Join(root, de.Name()))
		if err != nil {
			out.unlisted[d] = true
			continue
		}
		for _, f := range files {
			if !f.Type().IsRegular() || !day.IsArchive(f.Name()) {
				continue
			}
			var size int64
			if fi, err := f.Info(); err == nil {
				size = fi.Size()
			}
			out.files[key{d, f.Name()}] = size
		}
	}
	return out, nil
}
