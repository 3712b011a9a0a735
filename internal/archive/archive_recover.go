package archive

import (
	"context"
	"errors"
	"os"
	"path"
	"path/filepath"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// recover resolves what a crashed or killed run left behind, before any
// new work starts:
//   - a work folder whose manifest is past encoding is committed now: its
//     archive (or the verified temporary file) is hashed again, renamed if
//     needed, the checksum file written if missing, and the remaining
//     planned segments deleted;
//   - then temporary files in day folders and partial files in work folders
//     and in the archive indexes' folder go;
//   - a work folder still encoding keeps its finished chunks for the
//     day's next run;
//   - a forced conversion that did not end is queued again, although the
//     day is not due (see pending.go);
//   - an archive without a checksum file that no manifest accounts for is
//     renamed to NAME.unverified, so that nothing looks final that is not.
//
// Failures are logged and the day marked failed; its segments stay.
func (a *Archiver) recover(ctx context.Context) {
	// A kill in an index or summary write leaves its temporary file; the
	// file it was to replace is whole.
	if n := removePartials(filepath.Join(a.cfg.State, "archived")); n > 0 {
		a.log.Info("removed temporary files of an interrupted index write", "files", n)
	}
	committing := map[day.Date]bool{}
	works, _ := os.ReadDir(filepath.Join(a.cfg.State, "work"))
	for _, w := range works {
		if ctx.Err() != nil {
			return
		}
		d, err := day.Parse(w.Name())
		if err != nil || !w.IsDir() {
			continue
		}
		if a.recoverWork(d) {
			committing[d] = true
		}
	}
	removePartials(filepath.Join(a.cfg.State, "forced"))
	a.resumeForced()
	for _, d := range a.listDays() {
		if n := a.removeTemps(d); n > 0 {
			a.log.Info("removed temporary files of an interrupted run", "day", d.String(), "files", n)
		}
		if !committing[d] {
			a.setAsideUnverified(d)
		}
	}
}

// recoverWork deals with one work folder; it reports a commit that is still
// unresolved.
func (a *Archiver) recoverWork(d day.Date) bool {
	work := a.workDir(d)
	log := a.log.With("day", d.String())
	removePartials(work)
	m, err := readManifest(work)
	if err != nil || m == nil || m.Date != d.String() {
		log.Warn("removing work folder without a usable manifest", "err", err)
		if err := os.RemoveAll(work); err != nil {
			log.Error("cannot remove work folder", "err", err)
		}
		return false
	}
	if m.Phase == phaseEncoding {
		log.Info("interrupted run will resume", "chunks_done", len(m.Chunks), "chunks", m.ChunkCount)
		return false
	}
	log.Info("finishing an interrupted commit", "phase", m.Phase, "archive", m.Output)
	a.mu.Lock()
	j := a.jobLocked(d)
	ctx := a.startLocked(j, PhaseCommitting)
	a.mu.Unlock()
	res, err := a.commit(j, m, false)
	if errors.Is(err, errRejoin) {
		log.Warn("verified archive missing; the day will be joined again", "err", err)
		a.mu.Lock()
		j.queue(true, a.cfg.Now())
		a.mu.Unlock()
		return false
	}
	// What arrived while the interrupted run encoded is not known: every
	// segment left counts as new, so the day is planned once more.
	a.endJob(ctx, j, res, err, 0, dayListing{})
	return err != nil
}

// setAsideUnverified renames archives that have no checksum file and that
// no manifest accounts for: their content was never verified by this
// program (the state folder was lost, or someone put them there).
func (a *Archiver) setAsideUnverified(d day.Date) {
	l, err := a.listDay(d)
	if err != nil {
		return
	}
	names := map[string]bool{}
	for _, f := range l.files {
		names[f.Name] = true
	}
	for _, f := range l.files {
		if !isArchiveFile(f) || names[day.ChecksumName(f.Name)] {
			continue
		}
		from, to := path.Join(d.String(), f.Name), path.Join(d.String(), f.Name+".unverified")
		if err := renameNew(a.root, from, to); err != nil {
			a.log.Error("cannot set aside archive without checksum", "day", d.String(), "file", f.Name, "err", err)
			continue
		}
		syncRoot(a.root, d.String())
		a.log.Warn("archive without checksum set aside; the day's segments will be archived anew",
			"day", d.String(), "file", f.Name, "renamed", f.Name+".unverified")
	}
}

// isArchiveFile reports a regular file named as an archive.
func isArchiveFile(f ts.File) bool {
	return day.IsArchive(f.Name) && f.Mode.IsRegular()
}
