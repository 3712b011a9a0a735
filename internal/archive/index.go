package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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

type indexHit struct{ archive, name string }

func (a *Archiver) indexPath(date day.Date) string {
	return filepath.Join(a.cfg.State, "archived", date.String()+".json")
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
func (x *archiveIndex) find(name string, r *ts.Report) (archive, orig string, ok bool) {
	if x.byKey == nil {
		x.byKey = map[segmentKey]indexHit{}
		for _, e := range x.Archives {
			for _, s := range e.Segments {
				x.byKey[segmentKey{s.Size, s.FirstDTS, s.CRC32C}] = indexHit{e.File, s.Name}
			}
		}
	}
	hit, ok := x.byKey[segmentKey{r.Size, r.FirstDTS, r.CRC32C}]
	return hit.archive, hit.name, ok
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
func (a *Archiver) SourceBytes(date day.Date) int64 { return a.summary(date).sourceBytes }

// Runs maps each of date's archives, by file name, to its runs: where in
// the file each stretch of footage is, and its time of day. An archive
// written before runs were recorded has none.
func (a *Archiver) Runs(date day.Date) map[string][]ts.Run { return a.summary(date).runs }

// indexSummary is what is remembered of a day's index: a whole index holds
// every segment's fingerprint, too much to keep for a year of days.
type indexSummary struct {
	sourceBytes int64
	runs        map[string][]ts.Run // by archive file; shared, never changed
}

// summary reads date's index once and remembers it, since a day's index
// is rewritten only by its own commit, which forgets it.
func (a *Archiver) summary(date day.Date) indexSummary {
	a.summariesMu.Lock()
	defer a.summariesMu.Unlock()
	if s, ok := a.summaries[date]; ok {
		return s
	}
	x, err := readIndex(a.indexPath(date))
	if err != nil {
		a.log.Warn("cannot read archive index", "day", date.String(), "err", err)
		return indexSummary{}
	}
	s := indexSummary{sourceBytes: x.sourceBytes()}
	for _, e := range x.Archives {
		if len(e.Runs) > 0 {
			if s.runs == nil {
				s.runs = map[string][]ts.Run{}
			}
			s.runs[e.File] = e.Runs
		}
	}
	if a.summaries == nil {
		a.summaries = map[day.Date]indexSummary{}
	}
	a.summaries[date] = s
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
