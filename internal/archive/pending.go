package archive

import (
	"errors"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"

	"github.com/cctvd/cctvd/internal/day"
)

// A forced conversion is remembered on disk, STATE/forced/DATE, from the
// moment Convert takes it until it ends (archived, nothing to do, or
// cancelled), so that a restart takes it up again even though the day is
// not due: a shutdown in the middle of it must not leave the day waiting
// for its settle time. Its finished chunks are the work folder's.

func (a *Archiver) forcedPath(date day.Date) string {
	return filepath.Join(a.cfg.State, "forced", date.String())
}

// markForced records a forced conversion of date. Without the record the
// day is still archived once due, so a failure is only worth a warning.
func (a *Archiver) markForced(date day.Date) {
	name := a.forcedPath(date)
	err := mkdirSynced(filepath.Dir(name))
	if err == nil {
		err = writeFileAtomic(name, nil)
	}
	if err != nil {
		a.log.Warn("cannot record the forced conversion; a restart will wait for the day to be due",
			"day", date.String(), "err", err)
	}
}

// unmarkForced forgets date's forced conversion: it ended.
func (a *Archiver) unmarkForced(date day.Date) {
	if _, err := removeIfExists(a.forcedPath(date)); err != nil {
		a.log.Warn("cannot remove the record of a forced conversion", "day", date.String(), "err", err)
	}
}

// forcedDays lists the recorded forced conversions.
func (a *Archiver) forcedDays() []day.Date {
	entries, _ := os.ReadDir(filepath.Join(a.cfg.State, "forced"))
	var dates []day.Date
	for _, e := range entries {
		if d, err := day.Parse(e.Name()); err == nil && e.Type().IsRegular() {
			dates = append(dates, d)
		}
	}
	return dates
}

// resumeForced queues the forced conversions a previous run did not finish.
func (a *Archiver) resumeForced() {
	today := a.today()
	for _, d := range a.forcedDays() {
		if _, err := a.listDay(d); errors.Is(err, ErrUnknownDay) || !d.Before(today) {
			a.unmarkForced(d)
			continue
		}
		a.mu.Lock()
		if j := a.jobLocked(d); !j.active() {
			a.log.Info("taking up a forced conversion again", "day", d.String())
			j.queue(true, a.cfg.Now())
		}
		a.mu.Unlock()
	}
}

// Pending is archive work kept on disk and not finished: a conversion that
// was interrupted, whose finished chunks its next run reuses, or one asked
// for with force, which a restart takes up again even before the day is due.
type Pending struct {
	Date day.Date
	// Forced conversions were asked for before the day was due.
	Forced bool
	// ChunksDone of Chunks are encoded; Chunks is 0 when the day was not
	// planned yet (or by a version that did not record it).
	ChunksDone, Chunks int
	// Committing means the archive is verified and being put in place.
	Committing bool
}

// Pending lists the unfinished work on disk, oldest day first; a day being
// converted now is listed too. It reads the state folder, and may be
// called before Run.
func (a *Archiver) Pending() []Pending {
	byDate := map[day.Date]*Pending{}
	get := func(d day.Date) *Pending {
		if byDate[d] == nil {
			byDate[d] = &Pending{Date: d}
		}
		return byDate[d]
	}
	works, _ := os.ReadDir(filepath.Join(a.cfg.State, "work"))
	for _, w := range works {
		d, err := day.Parse(w.Name())
		if err != nil || !w.IsDir() {
			continue
		}
		m, err := readManifest(a.workDir(d))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			a.log.Warn("cannot read manifest", "day", d.String(), "err", err)
		}
		if m == nil || m.Date != d.String() {
			continue
		}
		p := get(d)
		p.ChunksDone, p.Chunks, p.Committing = len(m.Chunks), m.ChunkCount, m.Phase != phaseEncoding
	}
	for _, d := range a.forcedDays() {
		get(d).Forced = true
	}
	var out []Pending
	for _, d := range slices.SortedFunc(maps.Keys(byDate), day.Date.Compare) {
		out = append(out, *byDate[d])
	}
	return out
}
