package export

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// Manifest says what a clip holds and where it came from; it is written
// beside the clip as JSON.
type Manifest struct {
	Camera string `json:"camera"`
	// Requested is the range asked for.
	Requested Span `json:"requested"`
	// FirstFrame and LastFrame are the wall-clock times the first and the
	// last frame in the clip were filmed at; the clip's position 0 is
	// FirstFrame, and its timeline runs with the wall clock from there,
	// gaps included (a camera restart follows on: see Gaps).
	FirstFrame time.Time `json:"first_frame"`
	LastFrame  time.Time `json:"last_frame"`
	// Frames counts the frames shown; Preroll those before the first,
	// from the keyframe it needs, which the edit list hides.
	Frames  int    `json:"frames"`
	Preroll int    `json:"preroll_frames"`
	Codec   string `json:"codec"`
	// Gaps are the stretches of the range without footage. In a clip
	// from an archive, the time a camera was off before a restart is a
	// gap here but not in the clip's timeline: the archive's footage
	// follows on at a restart.
	Gaps []Gap `json:"gaps"`
	// Restarts are where the camera's timestamps started again (it
	// restarted): from there its wall-clock time is estimated from the
	// files' modification times, and where that estimate overlaps the
	// footage before, the clip's timeline follows on instead of going back.
	Restarts []time.Time `json:"restarts"`
	// Reencoded lists the sources whose frames were encoded again, and
	// why: only H.264 segments in a range that also holds H.265 archives.
	Reencoded []Reencoded `json:"reencoded,omitempty"`
	Sources   []Source    `json:"sources"`
	// File is the clip itself.
	File       FileSum   `json:"file"`
	Version    string    `json:"cctvd_version"`
	ExportedAt time.Time `json:"exported_at"`
}

// Span is a stretch of wall-clock time.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Gap is a stretch of the range without footage.
type Gap struct {
	Start  time.Time `json:"start"`
	End    time.Time `json:"end"`
	Length string    `json:"length"`
}

// Source is a file the clip was cut from.
type Source struct {
	// Path is the file's path in the camera's folder (DATE/NAME).
	Path   string `json:"path"`
	Kind   string `json:"kind"` // "segment" or "archive"
	Bytes  int64  `json:"bytes"`
	SHA512 string `json:"sha512"`
	// ChecksumVerified: the archive's .sha512sum matched it before it was cut.
	ChecksumVerified bool `json:"checksum_verified,omitempty"`
	// Offsite is where the file was read from when only its off-site
	// copy was left (s3://BUCKET/KEY); Bytes and SHA512 are of what was
	// read from there.
	Offsite string `json:"offsite,omitempty"`
}

// Reencoded is a source whose frames are in the clip encoded again.
type Reencoded struct {
	Path string `json:"path"`
	// From and To are the codecs; Encoder the encoder and its settings.
	From    string `json:"from"`
	To      string `json:"to"`
	Encoder string `json:"encoder"`
	Why     string `json:"why"`
}

// FileSum is a file's name, size and SHA-512.
type FileSum struct {
	Name   string `json:"name"`
	Bytes  int64  `json:"bytes"`
	SHA512 string `json:"sha512"`
}

// JSON is the manifest as written beside the clip.
func (m *Manifest) JSON() ([]byte, error) {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	return append(b, '\n'), nil
}

// manifest describes the clip made from p.
func (e *Exporter) manifest(p *exportPlan, st ts.CutStats, sums *sourceSums) (Manifest, error) {
	loc := e.cfg.Location
	first, last := p.at(st.FirstPTS), p.at(st.LastPTS)
	m := Manifest{
		Camera:     e.cfg.Camera,
		Requested:  Span{p.r.Start.In(loc), p.r.End.In(loc)},
		FirstFrame: first.wallAt(st.FirstPTS).In(loc),
		LastFrame:  last.wallAt(st.LastPTS).In(loc),
		Frames:     st.Frames,
		Preroll:    st.Preroll,
		Codec:      p.pieces[0].seg.Report.Codec,
		Gaps:       []Gap{},
		Restarts:   []time.Time{},
		Version:    e.cfg.Version,
		ExportedAt: e.cfg.Now().In(loc),
	}
	addGap := func(from, to time.Time) {
		if to.Sub(from) > frameTime {
			m.Gaps = append(m.Gaps, Gap{Start: from.In(loc), End: to.In(loc), Length: to.Sub(from).String()})
		}
	}
	addGap(p.r.Start, m.FirstFrame)
	for i := 1; i < len(p.pieces); i++ {
		a, b := &p.pieces[i-1], &p.pieces[i]
		if b.outStart() <= st.FirstPTS || a.outStart() > st.LastPTS {
			continue
		}
		end := a.seg.Start.Add(a.seg.Report.Duration())
		if (a.date != b.date || a.seg.Run != b.seg.Run) && !ts.FollowsOn(&a.seg.Report, &b.seg.Report) {
			m.Restarts = append(m.Restarts, b.seg.Start.In(loc))
		}
		if b.outStart()-a.outEnd() > a.seg.Report.FrameTicks/2 {
			addGap(end, b.seg.Start)
		}
	}
	lastEnd := m.LastFrame.Add(ts.Ticks(last.seg.Report.FrameTicks))
	addGap(lastEnd, p.r.End)
	for _, name := range sums.order {
		s := sums.byPath[name]
		if s.sum == "" {
			return m, fmt.Errorf("export: %s was not read to its end", name)
		}
		m.Sources = append(m.Sources, Source{Path: name, Kind: "segment", Bytes: s.bytes, SHA512: s.sum})
	}
	return m, nil
}

// frameTime is the least stretch without frames that counts as a gap: a
// frame at the slowest rate a camera films at.
const frameTime = 200 * time.Millisecond
