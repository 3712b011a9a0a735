package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// The manifest is the work folder's record of a day's archive run. It is
// rewritten atomically after every step that must survive a crash.
const (
	manifestName    = "manifest.json"
	manifestVersion = 1
)

// Phases of a manifest: the run on disk (job.go). Segments are deleted
// only in phaseCommitted.
const (
	// phaseEncoding: chunks are being encoded; the day folder is untouched.
	phaseEncoding = "encoding"
	// phaseVerified: the temporary mp4 verified and its SHA-512 is recorded;
	// it may have been renamed to its final name.
	phaseVerified = "verified"
	// phaseCommitted: the archive and its checksum file are in place;
	// the planned segments are being deleted.
	phaseCommitted = "committed"
)

type manifest struct {
	Version  int        `json:"version"`
	Date     string     `json:"date"`
	Output   string     `json:"output"`
	Settings settingsID `json:"settings"`
	// Segments is the plan's fingerprint: exactly these files go in, and
	// only these are deleted.
	Segments []segmentID `json:"segments"`
	Frames   int64       `json:"frames"`
	// Start is the wall-clock time of the first frame (the creation_time).
	Start time.Time `json:"start"`
	// Runs map the archive's timeline to the time of day.
	Runs []ts.Run `json:"runs,omitempty"`
	// Chunks are the finished chunks, in order from the first, of
	// ChunkCount (0 in a manifest written before it was recorded).
	Chunks     []chunkRecord `json:"chunks"`
	ChunkCount int           `json:"chunk_count,omitempty"`
	Phase      string        `json:"phase"`
	// SHA512 and Bytes describe the verified archive (phaseVerified on).
	SHA512 string `json:"sha512,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
}

// settingsID is what makes chunks of one run fit those of another.
type settingsID struct {
	Preset        string `json:"preset"`
	CRF           int    `json:"crf"`
	X265Params    string `json:"x265_params"`
	ChunkSegments int    `json:"chunk_segments"`
}

// segmentID names a segment file and what it held when it was planned.
type segmentID struct {
	Name     string `json:"name"`
	Size     int64  `json:"size"`
	CRC32C   uint32 `json:"crc32c"`
	FirstDTS int64  `json:"first_dts"`
	// Truncated marks a cut-off upload of a settled day: its whole frames
	// go in, but the file is never deleted (it is not all it should be,
	// and stays, reported), and its index record keeps later runs from
	// taking it again.
	Truncated bool `json:"truncated,omitempty"`
}

func idOf(s *ts.Segment) segmentID {
	return segmentID{Name: s.Name, Size: s.Report.Size, CRC32C: s.Report.CRC32C, FirstDTS: s.Report.FirstDTS,
		Truncated: s.Report.Truncated()}
}

// chunkRecord is a finished chunk file of the work folder.
type chunkRecord struct {
	Index int `json:"index"`
	// First and Count are the plan's segments that went in: a chunk is
	// reused only for the same segments, whatever the chunking of the day.
	First  int    `json:"first"`
	Count  int    `json:"count"`
	File   string `json:"file"`
	Frames int64  `json:"frames"`
	Bytes  int64  `json:"bytes"`
	CRC32C uint32 `json:"crc32c"`
}

func newManifest(p *Plan, s settingsID) *manifest {
	m := &manifest{Version: manifestVersion, Date: p.Date.String(), Output: p.Output,
		Settings: s, Frames: int64(p.Frames()), Start: p.Start(), Runs: p.Runs(), Phase: phaseEncoding,
		ChunkCount: len(p.Chunks)}
	for i := range p.Segments {
		m.Segments = append(m.Segments, idOf(&p.Segments[i]))
	}
	return m
}

// fits reports whether m's chunks can be used for plan p with settings s.
func (m *manifest) fits(p *Plan, s settingsID) bool {
	if m.Settings != s || len(m.Segments) != len(p.Segments) {
		return false
	}
	for i := range p.Segments {
		if m.Segments[i] != idOf(&p.Segments[i]) {
			return false
		}
	}
	return true
}

// readManifest reads dir's manifest; nil without error if there is none.
func readManifest(dir string) (*manifest, error) {
	b, err := os.ReadFile(filepath.Join(dir, manifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("read manifest %s: %w", dir, err)
	}
	if m.Version != manifestVersion {
		return nil, fmt.Errorf("read manifest %s: version %d, want %d", dir, m.Version, manifestVersion)
	}
	return &m, nil
}

func (m *manifest) write(dir string) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	if err := writeFileAtomic(filepath.Join(dir, manifestName), b); err != nil {
		return fmt.Errorf("write manifest: %w", err)
	}
	return nil
}

// validChunks keeps the leading chunks that hold the plan's chunks and whose
// files are still exactly what was recorded; the rest are encoded again.
func (m *manifest) validChunks(dir string, chunks []Chunk) {
	n := m.matchingChunks(chunks)
	for i := range n {
		if checkChunkFile(filepath.Join(dir, m.Chunks[i].File), m.Chunks[i]) != nil {
			n = i
			break
		}
	}
	m.Chunks = slices.Clip(m.Chunks[:n])
}

// matchingChunks counts the leading finished chunks that cover the same
// segments as the plan's chunks.
func (m *manifest) matchingChunks(chunks []Chunk) int {
	for i, c := range m.Chunks {
		if i >= len(chunks) || c.Index != i || c.First != chunks[i].First || c.Count != chunks[i].Count {
			return i
		}
	}
	return len(m.Chunks)
}

func checkChunkFile(name string, c chunkRecord) error {
	sum, size, err := fileCRC(name)
	switch {
	case err != nil:
		return err
	case size != c.Bytes || sum != c.CRC32C:
		return fmt.Errorf("chunk %s changed: %d bytes, crc32c %08x, want %d, %08x", name, size, sum, c.Bytes, c.CRC32C)
	}
	return nil
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// fileCRC is the CRC32C and size of a file.
func fileCRC(name string) (uint32, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	return readerCRC(f)
}

func readerCRC(r io.Reader) (uint32, int64, error) {
	h := crc32.New(castagnoli)
	n, err := io.Copy(h, r)
	return h.Sum32(), n, err
}

func chunkFile(i int) string { return fmt.Sprintf("chunk-%04d.ts", i) }
