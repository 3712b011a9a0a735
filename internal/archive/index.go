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
// as their index records it; 0 when the day has none. Indexes are read
// once and remembered, since a day's is rewritten only by its own commit.
func (a *Archiver) SourceBytes(date day.Date) int64 {
	a.sourcesMu.Lock()
	defer a.sourcesMu.Unlock()
	if n, ok := a.sources[date]; ok {
		return n
	}
	x, err := readIndex(a.indexPath(date))
	if err != nil {
		a.log.Warn("cannot read archive index", "day", date.String(), "err", err)
		return 0
	}
	n := x.sourceBytes()
	if a.sources == nil {
		a.sources = map[day.Date]int64{}
	}
	a.sources[date] = n
	return n
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
