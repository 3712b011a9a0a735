package scrub

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Result is what a scrub found of an archive.
type Result string

// Results. Every one but OK (and "", never scrubbed) is damage.
const (
	// OK: the archive's SHA-512 is the one its checksum file records.
	OK Result = "ok"
	// Mismatch: the archive's SHA-512 differs from its checksum file's.
	Mismatch Result = "mismatch"
	// MissingChecksum: the archive has no checksum file beside it.
	MissingChecksum Result = "missing-checksum"
	// BadChecksum: the checksum file cannot be read or is not a
	// sha512sum line naming the archive.
	BadChecksum Result = "bad-checksum"
	// Unreadable: reading the archive failed (an I/O error of the disk).
	Unreadable Result = "unreadable"
)

// Damaged reports a result that marks its day damaged.
func (r Result) Damaged() bool { return r != OK && r != "" }

// entry is one archive's scrub state as scrub.json keeps it.
type entry struct {
	// Seen is when the scrubber first saw the archive: its first scrub is
	// due at its first phase after that.
	Seen time.Time `json:"seen"`
	// Last is when the last scrub ended; zero: never scrubbed.
	Last   time.Time `json:"last,omitzero"`
	Result Result    `json:"result,omitempty"`
	Detail string    `json:"detail,omitempty"`
	Bytes  int64     `json:"bytes,omitempty"`
	// DamagedSince is when a scrub first found it damaged, kept until a
	// scrub finds it sound again.
	DamagedSince time.Time `json:"damaged_since,omitzero"`
}

// stateFile is scrub.json: each archive by day and name.
type stateFile struct {
	Version  int         `json:"version"`
	Archives []fileEntry `json:"archives"`
}

type fileEntry struct {
	Date string `json:"date"`
	File string `json:"file"`
	entry
}

// load reads a camera's scrub.json; a missing file is no results yet.
func load(path string) (map[key]*entry, error) {
	out := map[key]*entry{}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("scrub state: %w", err)
	}
	var f stateFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("scrub state %s: %w", path, err)
	}
	for _, fe := range f.Archives {
		d, err := day.Parse(fe.Date)
		if err != nil || !day.IsArchive(fe.File) {
			return nil, fmt.Errorf("scrub state %s: %q/%q is not an archive", path, fe.Date, fe.File)
		}
		e := fe.entry
		out[key{d, fe.File}] = &e
	}
	return out, nil
}

// save writes the camera's scrub.json whole: temp file, fsync, rename,
// fsync folder, so that a crash leaves the old results or the new.
func save(path string, archives map[key]*entry) error {
	f := stateFile{Version: 1}
	for k, e := range archives {
		f.Archives = append(f.Archives, fileEntry{Date: k.Date.String(), File: k.File, entry: *e})
	}
	slices.SortFunc(f.Archives, func(a, b fileEntry) int {
		if a.Date != b.Date {
			return cmpString(a.Date, b.Date)
		}
		return archiveOrder(a.File, b.File)
	})
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("scrub state: %w", err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	_, err = tmp.Write(append(b, '\n'))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err == nil {
		err = syncDir(dir)
	}
	if err != nil {
		return fmt.Errorf("scrub state: %w", err)
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
