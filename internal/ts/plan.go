package ts

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Kind names a finding about a day's files.
type Kind string

// Findings about the files of a day. The first group is about the timeline
// of the files that go in; the second about files that stay out.
const (
	Gap           Kind = "gap"            // time missing between two files
	Restart       Kind = "restart"        // the camera started again: timestamps went back
	Damaged       Kind = "damaged"        // lost packets or garbage inside a file that still goes in
	Duplicate     Kind = "duplicate"      // the same footage again under another name
	Overlap       Kind = "overlap"        // footage that partly repeats the file before it
	Truncated     Kind = "truncated"      // cut off mid-packet: the upload did not finish (see NewSettledPlan)
	BadTimestamps Kind = "bad_timestamps" // timestamps go backwards inside the file
	Undecodable   Kind = "undecodable"    // scans clean, but its video does not decode whole
	ZeroByte      Kind = "zero_byte"
	NotTS         Kind = "not_ts"    // named .ts but not MPEG-TS
	NoVideo       Kind = "no_video"  // MPEG-TS without video frames
	InFlight      Kind = "in_flight" // a hidden file: an upload still under way
	Foreign       Kind = "foreign"   // not a segment at all (notes.txt, a symlink, a folder)
	Unreadable    Kind = "unreadable"
)

// Finding is one observation about a day, naming the files it concerns.
type Finding struct {
	Kind   Kind          `json:"kind"`
	Files  []string      `json:"files"`
	Detail string        `json:"detail"`
	Length time.Duration `json:"length,omitempty"` // of a gap
}

// File is a day folder entry offered to a plan.
type File struct {
	Name    string
	Size    int64
	ModTime time.Time
	// Mode is the entry's type bits (a symlink or folder stays out).
	Mode fs.FileMode
	// Report and Err are the scan's result; the report is ignored when Err is set.
	Report Report
	Err    error
}

// Segment is a file that goes into the day's stream.
type Segment struct {
	Name    string    `json:"name"`
	Report  Report    `json:"report"`
	ModTime time.Time `json:"mod_time"`
	// Start is the wall-clock time of the first frame, estimated from the
	// run's modification times (a file is written when its last frame is).
	Start time.Time `json:"start"`
	// Run counts camera runs: it steps at every restart.
	Run int `json:"run"`
	// Shift moves the file's timestamps (mod 2^33) onto the day's timeline,
	// which starts at TimelineStart and follows each restart on from the run before.
	Shift int64 `json:"shift"`
	// Discontinuity marks the first file after a gap or a restart.
	Discontinuity bool `json:"discontinuity,omitempty"`
}

// OutDTS is the segment's first DTS on the day's timeline.
func (s *Segment) OutDTS() int64 { return s.Report.FirstDTS + s.Shift }

// Kept is a file that stays out of the stream, and why.
type Kept struct {
	Name   string `json:"name"`
	Reason Kind   `json:"reason"`
	// Size is the file's size in bytes when it was listed.
	Size int64 `json:"size,omitempty"`
}

// Plan is a day's files put in order, with what is wrong with them.
type Plan struct {
	Segments []Segment `json:"segments"`
	Kept     []Kept    `json:"kept"`
	Findings []Finding `json:"findings"`
}

// TimelineStart is where a day's timeline begins: far enough above zero
// that PCRs and decode delays never go negative.
const TimelineStart = 10 * Clock

// Frames is the number of frames of the files that go in.
func (p *Plan) Frames() int {
	n := 0
	for i := range p.Segments {
		n += p.Segments[i].Report.Frames
	}
	return n
}

// Run is footage without a break in an archive of the plan: it starts at
// the wall-clock time Start, at Pos on the day's timeline (0 is the first
// frame, TimelineStart), and lasts Len. A player seeks an archive to a time
// of day through its runs, since gaps stay gaps and restarts follow on.
type Run struct {
	Start time.Time     `json:"start"`
	Pos   time.Duration `json:"pos"`
	Len   time.Duration `json:"len"`
}

// Runs splits the plan's timeline at every gap and restart.
func (p *Plan) Runs() []Run {
	var runs []Run
	for i := range p.Segments {
		s := &p.Segments[i]
		pos := Ticks(s.OutDTS() - TimelineStart)
		if i == 0 || s.Discontinuity {
			runs = append(runs, Run{Start: s.Start, Pos: pos})
		}
		r := &runs[len(runs)-1]
		r.Len = pos + s.Report.Duration() - r.Pos
	}
	return runs
}

// Span is the length of the day's timeline, gaps included.
func (p *Plan) Span() time.Duration {
	if len(p.Segments) == 0 {
		return 0
	}
	last := &p.Segments[len(p.Segments)-1]
	return Ticks(last.OutDTS() + last.Report.LastDTS - last.Report.FirstDTS + last.Report.FrameTicks - TimelineStart)
}

// Bytes is the size of the files that go in.
func (p *Plan) Bytes() int64 {
	var n int64
	for i := range p.Segments {
		n += p.Segments[i].Report.Size
	}
	return n
}

// classify says why a folder entry is not a segment candidate, or "".
func classify(f *File) Kind {
	switch {
	case strings.HasPrefix(f.Name, "."):
		return InFlight
	case f.Mode&fs.ModeType != 0 || !strings.HasSuffix(f.Name, ".ts"):
		return Foreign
	case f.Size == 0 || errors.Is(f.Err, ErrEmpty):
		return ZeroByte
	case errors.Is(f.Err, ErrNotTS):
		return NotTS
	case errors.Is(f.Err, ErrNoVideo) && f.Report.Truncated():
		return Truncated // cut off before its first frame ended
	case errors.Is(f.Err, ErrNoVideo):
		return NoVideo
	case f.Err != nil:
		return Unreadable
	case f.Report.Truncated():
		return Truncated
	case f.Report.BackwardDTS > 0:
		return BadTimestamps
	}
	return ""
}

// IsCandidate reports whether a folder entry is worth scanning as a segment.
func IsCandidate(name string, mode fs.FileMode) bool {
	f := File{Name: name, Mode: mode, Size: 1}
	return classify(&f) == ""
}

// NewPlan orders a day's files and finds what is wrong with them. It is
// deterministic: the same files give the same plan. Names give the order
// unless the files' timestamps show, beyond doubt, that names got it wrong
// (see plan_order.go); then the order they were filmed in wins. A truncated file stays
// out: while a day may still receive files, it may be an upload that will
// be sent again whole.
func NewPlan(files []File) Plan { return newPlan(files, false) }

// NewSettledPlan plans a day that receives no more files, for its archive:
// a truncated file is then all there will ever be of its footage, so its
// whole frames go in at their place on the timeline (the frame the cut went
// through stays out, see Report.CompletePackets), reported by a Truncated
// finding. The file itself must be kept: it is not all it should be.
func NewSettledPlan(files []File) Plan { return newPlan(files, true) }

func newPlan(files []File, settled bool) Plan {
	files = slices.Clone(files)
	slices.SortFunc(files, func(a, b File) int {
		if c := naturalCompare(a.Name, b.Name); c != 0 {
			return c
		}
		if c := a.ModTime.Compare(b.ModTime); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	var p Plan
	seen := map[[3]int64]string{}
	for i := range files {
		f := &files[i]
		if day.IsArchive(f.Name) || day.IsChecksum(f.Name) {
			continue // what an archive run wrote: neither a segment nor a finding
		}
		k := classify(f)
		cut := settled && k == Truncated && f.Report.Frames > 0 && f.Report.BackwardDTS == 0
		if k != "" && !cut {
			p.keep(f, k, keepDetail(f, k))
			continue
		}
		key := [3]int64{f.Report.FirstDTS, f.Report.Size, int64(f.Report.CRC32C)}
		if orig, ok := seen[key]; ok {
			p.keep(f, Duplicate, "same footage as "+orig, orig)
			continue
		}
		if !p.add(f) {
			continue
		}
		if cut {
			p.Findings = append(p.Findings, Finding{Kind: Truncated, Files: []string{f.Name},
				Detail: fmt.Sprintf("%s; its %d whole frames go in, the file is kept", keepDetail(f, k), f.Report.Frames)})
		}
		seen[key] = f.Name
	}
	p.wallClock()
	return p.inFilmingOrder()
}

func (p *Plan) keep(f *File, k Kind, detail string, also ...string) {
	p.Kept = append(p.Kept, Kept{Name: f.Name, Reason: k, Size: f.Size})
	p.Findings = append(p.Findings, Finding{Kind: k, Files: append(also, f.Name), Detail: detail})
}

func keepDetail(f *File, k Kind) string {
	switch k {
	case InFlight:
		return "hidden file, ignored until renamed"
	case Foreign:
		return "not a segment file"
	case Truncated:
		return fmt.Sprintf("ends %d bytes into a packet", f.Report.TruncatedBytes)
	case ZeroByte:
		return "empty file"
	case BadTimestamps:
		return fmt.Sprintf("%d frames' timestamps go backwards", f.Report.BackwardDTS)
	}
	if f.Err != nil {
		return f.Err.Error()
	}
	return string(k)
}

// add appends a scanned file to the timeline; it reports false when the
// file overlaps the one before and stays out.
func (p *Plan) add(f *File) bool {
	seg := Segment{Name: f.Name, Report: f.Report, ModTime: f.ModTime}
	r := &f.Report
	if r.Damaged() {
		p.Findings = append(p.Findings, Finding{Kind: Damaged, Files: []string{f.Name}, Detail: damage(r)})
	}
	if len(p.Segments) == 0 {
		seg.Shift = TimelineStart - r.FirstDTS
		p.Segments = append(p.Segments, seg)
		return true
	}
	prev := &p.Segments[len(p.Segments)-1]
	step := signed33(r.FirstDTS - prev.Report.EndDTS())
	switch {
	case FollowsOn(&prev.Report, r):
		seg.Run, seg.Shift = prev.Run, prev.Shift
	case step > 0: // beyond half a frame
		seg.Run, seg.Shift, seg.Discontinuity = prev.Run, prev.Shift, true
		p.Findings = append(p.Findings, Finding{Kind: Gap, Files: []string{prev.Name, f.Name},
			Length: Ticks(step), Detail: fmt.Sprintf("%s missing", Ticks(step).Round(time.Millisecond))})
	case signed33(r.FirstDTS-prev.Report.FirstDTS) > 0:
		p.keep(f, Overlap, fmt.Sprintf("repeats the last %s of %s", Ticks(-step).Round(time.Millisecond), prev.Name), prev.Name)
		return false
	default:
		// Timestamps went back: the camera restarted. Its footage follows on
		// from the run before, so the day's timeline never runs backwards.
		seg.Run, seg.Discontinuity = prev.Run+1, true
		end := prev.OutDTS() + prev.Report.LastDTS - prev.Report.FirstDTS + prev.Report.FrameTicks
		seg.Shift = end - r.FirstDTS
		p.Findings = append(p.Findings, Finding{Kind: Restart, Files: []string{prev.Name, f.Name},
			Detail: "timestamps start again: the camera restarted"})
	}
	if seg.Run == prev.Run {
		// Same run: keep the file's place on the run's clock, across a 33-bit roll-over too.
		seg.Shift = prev.OutDTS() + signed33(r.FirstDTS-prev.Report.FirstDTS) - r.FirstDTS
	}
	p.Segments = append(p.Segments, seg)
	return true
}

func damage(r *Report) string {
	var parts []string
	add := func(n int64, what string) {
		if n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, what))
		}
	}
	add(int64(r.CCErrors), "continuity errors")
	add(int64(r.TransportErrors), "transport errors")
	add(int64(r.SyncLosses), "sync losses")
	add(r.SkippedBytes, "bytes of garbage skipped")
	add(int64(r.BadPES), "bad PES headers")
	return strings.Join(parts, ", ")
}

// wallClock dates each segment. Within a run the camera's clock is exact;
// the run is anchored where its files' modification times allow the
// earliest start, since an upload can only finish after its last frame.
func (p *Plan) wallClock() {
	for lo := 0; lo < len(p.Segments); {
		hi := lo
		for hi < len(p.Segments) && p.Segments[hi].Run == p.Segments[lo].Run {
			hi++
		}
		run := p.Segments[lo:hi]
		var anchor time.Time
		for i := range run {
			s := &run[i]
			if s.ModTime.IsZero() {
				continue
			}
			t := s.ModTime.Add(-s.Report.Duration() - Ticks(s.OutDTS()-run[0].OutDTS()))
			if anchor.IsZero() || t.Before(anchor) {
				anchor = t
			}
		}
		if !anchor.IsZero() {
			for i := range run {
				run[i].Start = anchor.Add(Ticks(run[i].OutDTS() - run[0].OutDTS()))
			}
		}
		lo = hi
	}
}

// PlanDir scans the files of dir inside root and plans them. Files are
// opened through root, so nothing outside it is read.
func PlanDir(root *os.Root, dir string) (Plan, error) {
	entries, err := fs.ReadDir(root.FS(), dir)
	if err != nil {
		return Plan{}, fmt.Errorf("plan %s: %w", dir, err)
	}
	files := make([]File, 0, len(entries))
	for _, e := range entries {
		f := File{Name: e.Name(), Mode: e.Type()}
		if info, err := e.Info(); err == nil {
			f.Size, f.ModTime = info.Size(), info.ModTime()
		}
		if IsCandidate(f.Name, f.Mode) && f.Size > 0 {
			f.Report, f.Err = ScanFile(root, path.Join(dir, f.Name))
		}
		files = append(files, f)
	}
	return NewPlan(files), nil
}

// ScanFile scans one file inside root.
func ScanFile(root *os.Root, name string) (Report, error) {
	fh, err := root.Open(name)
	if err != nil {
		return Report{}, fmt.Errorf("scan %s: %w", name, err)
	}
	defer fh.Close()
	r, err := Scan(fh)
	if err != nil {
		return r, fmt.Errorf("scan %s: %w", name, err)
	}
	return r, nil
}
