package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// archiveIndex records the segments each archive of a day holds, so that
// a copy of one that turns up after it was deleted (a camera re-sending its
// backlog) is recognised as archived footage instead of archived twice.
// It also records the segments set aside because their video does not
// decode whole, so that every later plan keeps them out. It lives in
// State/archived/DATE.json.
type archiveIndex struct {
	Archives []indexEntry `json:"archives"`
	SetAside []setAside   `json:"set_aside,omitempty"`

	byKey map[segmentKey]indexHit
}

type indexEntry struct {
	File     string      `json:"file"`
	SHA512   string      `json:"sha512"`
	Bytes    int64       `json:"bytes"`
	Segments []segmentID `json:"segments"`
	// Runs map the archive's timeline to the time of day; none for an
	// archive written before they were recorded.
	Runs []ts.Run `json:"runs,omitempty"`
}

// setAside is a segment kept out of the archive: it scans clean, but
// ffmpeg decodes only Decoded of its Frames.
type setAside struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	FirstDTS int64  `json:"first_dts"`
	CRC32C   uint32 `json:"crc32c"`
	Frames   int    `json:"frames"`
	Decoded  int64  `json:"decoded"`
}

// setAsideFor finds the record of a segment set aside, if these are its bytes.
func (x *archiveIndex) setAsideFor(name string, r *ts.Report) (setAside, bool) {
	for _, s := range x.SetAside {
		if s.Name == name && s.Size == r.Size && s.FirstDTS == r.FirstDTS && s.CRC32C == r.CRC32C {
			return s, true
		}
	}
	return setAside{}, false
}

type segmentKey struct {
	size, firstDTS int64
	crc            uint32
}

type indexHit struct {
	archive, name string
	truncated     bool // the file's whole frames went in; the file was kept
}

func (a *Archiver) indexPath(date day.Date) string {
	return filepath.Join(a.cfg.State, filepath.FromSlash(IndexName(date)))
}

// readIndex reads an index; a missing one is empty.
func readIndex(name string) (*archiveIndex, error) {
	x := &archiveIndex{}
	b, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		return x, nil
	}
	if err == nil {
		err = json.Unmarshal(b, x)
	}
	if err != nil {
		return nil, fmt.Errorf("read archive index: %w", err)
	}
	return x, nil
}

// find reports the archive that already holds footage identical to r.
func (x *archiveIndex) find(name string, r *ts.Report) (hit indexHit, ok bool) {
	if x.byKey == nil {
		x.byKey = map[segmentKey]indexHit{}
		for _, e := range x.Archives {
			for _, s := range e.Segments {
				x.byKey[segmentKey{s.Size, s.FirstDTS, s.CRC32C}] = indexHit{e.File, s.Name, s.Truncated}
			}
		}
	}
	hit, ok = x.byKey[segmentKey{r.Size, r.FirstDTS, r.CRC32C}]
	return hit, ok
}

// Held is where an archive of a day holds a segment's footage.
type Held struct {
	// Archive is the archive file; Name is what the segment was called
	// when it went in.
	Archive, Name string
}

// maxHeldDays bounds the days whose segment fingerprints Holds keeps in
// memory (about half a megabyte for a full day). Only days that have an
// archive and get segments again are asked about, which is rare.
const maxHeldDays = 4

// Holds reports whether an archive of date already holds a segment with
// the bytes r was scanned from: the same size, first DTS and CRC32C of
// every byte, as the day's index records each segment that went in. It is
// the rule a plan keeps copies of archived footage out by, for the catalog
// (such a copy is not footage waiting to be archived) and for uploads (a
// camera retrying a segment that is archived already). A day without an
// index (none archived, or the state folder was lost) holds nothing.
func (a *Archiver) Holds(date day.Date, r *ts.Report) (Held, bool) {
	a.heldMu.Lock()
	defer a.heldMu.Unlock()
	x, ok := a.held[date]
	if !ok {
		var err error
		if x, err = readIndex(a.indexPath(date)); err != nil {
			a.log.Warn("cannot read archive index", "day", date.String(), "err", err)
			return Held{}, false
		}
		x.find("", &ts.Report{}) // makes the map of fingerprints, all that is kept
		x.Archives, x.SetAside = nil, nil
		for d := range a.held {
			if len(a.held) < maxHeldDays {
				break
			}
			delete(a.held, d)
		}
		if a.held == nil {
			a.held = map[day.Date]*archiveIndex{}
		}
		a.held[date] = x
	}
	hit, ok := x.find("", r)
	return Held{Archive: hit.archive, Name: hit.name}, ok
}

// add records an archive, replacing an earlier record of the same file.
func (x *archiveIndex) add(e indexEntry) {
	x.byKey = nil
	for i := range x.Archives {
		if x.Archives[i].File == e.File {
			x.Archives[i] = e
			return
		}
	}
	x.Archives = append(x.Archives, e)
}

func (x *archiveIndex) write(name string) error {
	if err := mkdirSynced(filepath.Dir(name)); err != nil {
		return fmt.Errorf("write archive index: %w", err)
	}
	b, err := json.Marshal(x)
	if err == nil {
		err = writeFileAtomic(name, b)
	}
	if err != nil {
		return fmt.Errorf("write archive index: %w", err)
	}
	return nil
}

// SourceBytes is the size of the segments that went into date's archives,
// as their index records it; 0 when the day has none.
func (a *Archiver) SourceBytes(date day.Date) int64 { return a.summary(date).SourceBytes }

// Runs maps each of date's archives, by file name, to its runs: where in
// the file each stretch of footage is, and its time of day. An archive
// written before runs were recorded has none.
func (a *Archiver) Runs(date day.Date) map[string][]ts.Run { return a.summary(date).Runs }

// indexSummary is what the page and the control plane read of a day's
// index. A whole index holds every segment's fingerprint (about 1 MB and
// 10 ms to read for a full day): too much to read for a year of days when
// the index page is first asked for, and to keep in memory. So each index
// has a small summary file beside it, STATE/archived/DATE.summary.json,
// made from it; the summary names the index it was made from (size and
// modification time), so a summary left behind by a crash between the two
// writes is noticed and made again.
type indexSummary struct {
	IndexSize    int64               `json:"index_size"`
	IndexModTime time.Time           `json:"index_mod_time"`
	SourceBytes  int64               `json:"source_bytes"`
	Runs         map[string][]ts.Run `json:"runs,omitempty"` // by archive file; shared, never changed
}

func (a *Archiver) summaryPath(date day.Date) string {
	return filepath.Join(a.cfg.State, filepath.FromSlash(SummaryName(date)))
}

// summary returns date's summary, read once and remembered: a day's index
// changes only in its own commit, which forgets it.
func (a *Archiver) summary(date day.Date) indexSummary {
	a.summariesMu.Lock()
	defer a.summariesMu.Unlock()
	if s, ok := a.summaries[date]; ok {
		return s
	}
	s, err := a.loadSummary(date)
	if err != nil {
		a.log.Warn("cannot read archive index", "day", date.String(), "err", err)
		return indexSummary{}
	}
	if a.summaries == nil {
		a.summaries = map[day.Date]indexSummary{}
	}
	a.summaries[date] = s
	return s
}

// loadSummary reads date's summary file if it was made from the index as
// it is; else it reads the index and writes the summary again.
func (a *Archiver) loadSummary(date day.Date) (indexSummary, error) {
	fi, err := os.Stat(a.indexPath(date))
	if errors.Is(err, fs.ErrNotExist) {
		return indexSummary{}, nil
	}
	if err != nil {
		return indexSummary{}, fmt.Errorf("read archive index: %w", err)
	}
	var s indexSummary
	if b, err := os.ReadFile(a.summaryPath(date)); err == nil && json.Unmarshal(b, &s) == nil &&
		s.IndexSize == fi.Size() && s.IndexModTime.Equal(fi.ModTime()) {
		return s, nil
	}
	x, err := readIndex(a.indexPath(date))
	if err != nil {
		return indexSummary{}, err
	}
	s = x.summarize(fi)
	a.writeSummary(date, s)
	return s, nil
}

// writeSummary writes a summary; without it the index is read instead,
// so a failure is only worth a warning.
func (a *Archiver) writeSummary(date day.Date, s indexSummary) {
	b, err := json.Marshal(s)
	if err == nil {
		err = writeFileAtomic(a.summaryPath(date), b)
	}
	if err != nil {
		a.log.Warn("cannot write archive index summary", "day", date.String(), "err", err)
	}
}

// summarize sums up x, which is the index file fi.
func (x *archiveIndex) summarize(fi fs.FileInfo) indexSummary {
	s := indexSummary{IndexSize: fi.Size(), IndexModTime: fi.ModTime(), SourceBytes: x.sourceBytes()}
	for _, e := range x.Archives {
		if len(e.Runs) > 0 {
			if s.Runs == nil {
				s.Runs = map[string][]ts.Run{}
			}
			s.Runs[e.File] = e.Runs
		}
	}
	return s
}

func (x *archiveIndex) sourceBytes() int64 {
	var n int64
	for _, e := range x.Archives {
		for _, s := range e.Segments {
			n += s.Size
		}
	}
	return n
}
