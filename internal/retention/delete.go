package retention

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"regexp"
	"strings"
	"syscall"

	"github.com/cctvd/cctvd/internal/day"
)

// delete removes the archives of it.Day and their checksum files, each
// recorded with its size and SHA-512 in the ledger before the first goes.
// It returns the bytes removed. r.mu is held.
func (r *Retention) delete(it Item, f Facts) (int64, error) {
	d := it.Day
	// An export may have begun on the day since the plan was made.
	if r.cfg.InUse != nil && r.cfg.InUse(d.Camera, d.Date) {
		return 0, fmt.Errorf("%s: %w", d.Date, errExporting)
	}
	root, err := os.OpenRoot(r.cfg.Folder(d.Camera))
	if err != nil {
		return 0, err
	}
	defer root.Close()
	dir := d.Date.String()
	files, err := ledgerFiles(root, dir, d.Archives)
	if err != nil {
		return 0, &refusedError{err}
	}
	intent := Entry{
		Time: r.cfg.Now(), Event: EventDelete, Camera: d.Camera, Day: dir, Reason: string(it.Reason),
		Files: files, Free: f.Free, Need: f.Need}
	if err := r.led.append(intent); err != nil {
		return 0, err
	}
	if r.cfg.afterIntent != nil {
		if err := r.cfg.afterIntent(); err != nil {
			return 0, err
		}
	}
	n, err := removeDay(root, dir, files)
	if err != nil {
		return n, err
	}
	g := r.gone[Key{d.Camera, d.Date}]
	if g == nil {
		g = map[string]bool{}
		r.gone[Key{d.Camera, d.Date}] = g
	}
	for _, a := range d.Archives {
		g[a.Name] = true
	}
	if err := r.led.append(Entry{Time: r.cfg.Now(), Event: EventDeleted, Camera: d.Camera, Day: dir}); err != nil {
		// The files are gone and their intent is recorded: the next
		// start-up finds nothing left to remove and closes it.
		r.log.Error("day deleted but its done record not written", "camera", d.Camera, "day", dir, "err", err)
	}
	r.log.Info("day deleted by retention", "camera", d.Camera, "day", dir, "reason", it.Reason, "files", len(files),
		"bytes", n, "free_bytes", f.Free, "keep_free_bytes", f.Need)
	if r.cfg.OnDelete != nil {
		r.cfg.OnDelete(d.Camera, len(files), n)
	}
	return n, nil
}

// errExporting is a day an export began to read after it was planned.
var errExporting = errors.New("an export is reading it")

// refusedError is a day whose files cannot be recorded (a checksum file
// that cannot be read): it is kept, and planned no more by this process.
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

// ledgerFiles are the files of the archives of folder dir, as the ledger
// records them: each archive with its size and the SHA-512 its checksum
// file holds, then the checksum file.
func ledgerFiles(root *os.Root, dir string, archives []Archive) ([]LedgerFile, error) {
	var files []LedgerFile
	for _, a := range archives {
		name, sumName := path.Join(dir, a.Name), path.Join(dir, day.ChecksumName(a.Name))
		st, err := root.Stat(name)
		if err != nil {
			return nil, err
		}
		b, err := root.ReadFile(sumName)
		if err != nil {
			return nil, err
		}
		sum, err := parseChecksum(b, a.Name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sumName, err)
		}
		files = append(files, LedgerFile{Name: name, Bytes: st.Size(), SHA512: sum},
			LedgerFile{Name: sumName, Bytes: int64(len(b))})
	}
	return files, nil
}

// removeDay removes files (of folder dir) that are still there, then the
// folder if it is empty, syncing each folder it changed.
func removeDay(root *os.Root, dir string, files []LedgerFile) (int64, error) {
	var n int64
	for _, f := range files {
		err := root.Remove(f.Name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return n, err
		}
		n += f.Bytes
	}
	if err := syncIn(root, dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return n, err
	}
	// Remove fails on a folder that is not empty: whatever else is
	// there (kept files, a late segment, an upload under way) stays.
	if err := root.Remove(dir); err != nil && !errors.Is(err, syscall.ENOTEMPTY) && !errors.Is(err, syscall.EEXIST) && !errors.Is(err, fs.ErrNotExist) {
		return n, err
	}
	return n, syncIn(root, ".")
}

func syncIn(root *os.Root, dir string) error {
	f, err := root.Open(dir)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// recover finishes the deletions an earlier run recorded and did not
// finish: the files of the intent that are still there, at the size it
// names, are removed, and the intent is closed. A day held since, or a
// file whose size changed, is abandoned: every file stays.
func (r *Retention) recover() error {
	entries, err := ReadLedger(r.led.path)
	if err != nil {
		return err
	}
	for _, e := range unfinished(entries) {
		d, err := day.Parse(e.Day)
		if err != nil {
			continue
		}
		if err := r.finish(e, d); err != nil {
			return fmt.Errorf("finish deletion of %s: %w", dayName(e.Camera, d), err)
		}
	}
	return nil
}

func (r *Retention) finish(e Entry, d day.Date) error {
	done := Entry{Time: r.cfg.Now(), Event: EventDeleted, Camera: e.Camera, Day: e.Day, Recovered: true}
	if _, held := r.holds[Key{e.Camera, d}]; held {
		done.Event, done.Note = EventAbandoned, "the day was held before its deletion finished; its files stay"
	}
	root, err := os.OpenRoot(r.cfg.Folder(e.Camera))
	if errors.Is(err, fs.ErrNotExist) {
		return r.led.append(done) // the camera folder is gone: nothing left
	}
	if err != nil {
		return err
	}
	defer root.Close()
	if done.Event == EventDeleted {
		for _, f := range e.Files {
			if !strings.HasPrefix(f.Name, e.Day+"/") {
				done.Event, done.Note = EventAbandoned, fmt.Sprintf("%s is not in the day's folder; its files stay", f.Name)
				break
			}
			st, err := root.Stat(f.Name)
			if err == nil && st.Size() != f.Bytes {
				done.Event, done.Note = EventAbandoned, fmt.Sprintf("%s is %d bytes, the intent says %d; its files stay", f.Name, st.Size(), f.Bytes)
				break
			}
		}
	}
	if done.Event == EventDeleted {
		if _, err := removeDay(root, e.Day, e.Files); err != nil {
			return err
		}
		r.log.Warn("finished a deletion interrupted by a crash", "camera", e.Camera, "day", e.Day, "reason", e.Reason)
	} else {
		r.log.Warn("abandoned a deletion interrupted by a crash", "camera", e.Camera, "day", e.Day, "why", done.Note)
	}
	return r.led.append(done)
}

var checksumRE = regexp.MustCompile(`^([0-9a-fA-F]{128}) [ *](.+)\n?$`)

// parseChecksum reads a sha512sum line that must name exactly file.
func parseChecksum(b []byte, file string) (string, error) {
	m := checksumRE.FindSubmatch(b)
	switch {
	case m == nil:
		return "", errors.New("not a sha512sum line")
	case string(m[2]) != file:
		return "", fmt.Errorf("names %q, want %q", m[2], file)
	}
	return strings.ToLower(string(m[1])), nil
}
