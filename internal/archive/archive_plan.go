package archive

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
)

// Plan is what archiving a day does, or would do.
type Plan struct {
	Date day.Date
	// Output is the archive to write: video.mp4, or video-2.mp4, … when
	// the day already has one.
	Output string
	// Plan orders the segments that go in and names the files that stay
	// out, with the findings. Segments byte-identical to ones already in
	// an archive of the day stay out as duplicates.
	ts.Plan
	// Chunks split Segments into the units that are encoded and resumed.
	Chunks []Chunk
	// Due reports whether the day's settle time has passed, at DueTime.
	Due     bool
	DueTime time.Time
	// Settings are the encoder settings the archive is made with.
	Settings encode.Settings
}

// Chunk is a run of consecutive segments encoded into one file.
type Chunk struct {
	Index int
	// First and Count select Plan.Segments[First:First+Count].
	First, Count int
	Frames       int64
	// Duration is the chunk's length on the day's timeline.
	Duration time.Duration
	// Done reports a chunk finished by an earlier, interrupted run.
	Done bool
}

// Start is the wall-clock time of the first frame.
func (p *Plan) Start() time.Time {
	if len(p.Segments) == 0 {
		return time.Time{}
	}
	return p.Segments[0].Start
}

// span is the time from the first frame shown to the last, gaps included.
func (p *Plan) span() time.Duration {
	if len(p.Segments) == 0 {
		return 0
	}
	first, last := &p.Segments[0], &p.Segments[len(p.Segments)-1]
	return ts.Ticks(last.Report.LastPTS + last.Shift - first.Report.FirstPTS - first.Shift)
}

// frameTime is the usual time between two frames.
func (p *Plan) frameTime() time.Duration {
	if len(p.Segments) == 0 {
		return 0
	}
	return ts.Ticks(p.Segments[0].Report.FrameTicks)
}

func (p *Plan) chunkSegments(c Chunk) []ts.Segment {
	return p.Segments[c.First : c.First+c.Count]
}

// dayListing is a day folder's entries, not yet scanned.
type dayListing struct {
	files []ts.File
	// candidates counts the entries that may be segments.
	candidates int
	sum        uint64
}

// listDay reads a day folder's entries through the root; it refuses a
// day folder that is a symlink or not a folder.
func (a *Archiver) listDay(date day.Date) (dayListing, error) {
	dir := date.String()
	fi, err := a.root.Lstat(dir)
	if errors.Is(err, fs.ErrNotExist) || err == nil && !fi.IsDir() {
		return dayListing{}, fmt.Errorf("day %s: %w", dir, ErrUnknownDay)
	}
	if err != nil {
		return dayListing{}, fmt.Errorf("day %s: %w", dir, err)
	}
	entries, err := fs.ReadDir(a.root.FS(), dir)
	if err != nil {
		return dayListing{}, fmt.Errorf("day %s: %w", dir, err)
	}
	var l dayListing
	h := fnv.New64a()
	for _, e := range entries {
		f := ts.File{Name: e.Name(), Mode: e.Type()}
		if info, err := e.Info(); err == nil {
			f.Size, f.ModTime = info.Size(), info.ModTime()
		}
		if ts.IsCandidate(f.Name, f.Mode) && f.Size > 0 {
			l.candidates++
		}
		fmt.Fprintf(h, "%s\x00%d\x00%d\x00%d\n", f.Name, f.Size, f.ModTime.UnixNano(), f.Mode)
		l.files = append(l.files, f)
	}
	l.sum = h.Sum64()
	return l, nil
}

// newSince names the segment candidates of l that were not in before, or
// were there with another size or time.
func (l dayListing) newSince(before dayListing) []string {
	type seen struct {
		size  int64
		mtime time.Time
	}
	known := make(map[string]seen, len(before.files))
	for _, f := range before.files {
		known[f.Name] = seen{f.Size, f.ModTime}
	}
	var news []string
	for _, f := range l.files {
		k, ok := known[f.Name]
		if ts.IsCandidate(f.Name, f.Mode) && f.Size > 0 && (!ok || k.size != f.Size || !k.mtime.Equal(f.ModTime)) {
			news = append(news, f.Name)
		}
	}
	return news
}

// archives names the day's archive files (not their checksum files).
func (l *dayListing) archives() []string {
	var names []string
	for _, f := range l.files {
		if day.IsArchive(f.Name) && f.Mode.IsRegular() {
			names = append(names, f.Name)
		}
	}
	slices.SortFunc(names, day.CompareArchives)
	return names
}

// planDay scans a day folder and plans its archive.
func (a *Archiver) planDay(ctx context.Context, date day.Date) (*Plan, error) {
	l, err := a.listDay(date)
	if err != nil {
		return nil, err
	}
	idx, err := readIndex(a.indexPath(date))
	if err != nil {
		return nil, err
	}
	dir := date.String()
	files := l.files[:0:0]
	// Kept out before planning: copies of archived footage, and segments set aside.
	var dups []ts.Kept
	var dupFindings []ts.Finding
	for _, f := range l.files {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("plan %s: %w", dir, err)
		}
		if ts.IsCandidate(f.Name, f.Mode) && f.Size > 0 {
			f.Report, f.Err = ts.ScanFile(a.root, path.Join(dir, f.Name))
		}
		if f.Err == nil && f.Report.Frames > 0 {
			if sa, ok := idx.setAsideFor(f.Name, &f.Report); ok {
				dups = append(dups, ts.Kept{Name: f.Name, Reason: ts.Undecodable, Size: f.Size})
				dupFindings = append(dupFindings, ts.Finding{Kind: ts.Undecodable, Files: []string{f.Name},
					Detail: fmt.Sprintf("only %d of its %d frames decode; kept out of the archive", sa.Decoded, sa.Frames)})
				continue
			}
			if hit, ok := idx.find(f.Name, &f.Report); ok {
				kind, detail := ts.Duplicate, fmt.Sprintf("same footage as %s, already archived in %s", hit.name, hit.archive)
				if hit.truncated && hit.name == f.Name {
					// Its whole frames went in and the file was kept on purpose.
					kind, detail = ts.Truncated, fmt.Sprintf("ends %d bytes into a packet; its %d whole frames are archived in %s, the file is kept",
						f.Report.TruncatedBytes, f.Report.Frames, hit.archive)
				}
				dups = append(dups, ts.Kept{Name: f.Name, Reason: kind, Size: f.Size})
				dupFindings = append(dupFindings, ts.Finding{Kind: kind, Files: []string{f.Name}, Detail: detail})
				continue
			}
		}
		files = append(files, f)
	}
	// A day is archived once it is settled (due, or forced, which says it
	// is): a truncated file's whole frames go in.
	p := &Plan{Date: date, Plan: ts.NewSettledPlan(files), Output: nextOutput(l.files), Settings: a.cfg.Encode,
		DueTime: a.due(date)}
	p.Due = !a.cfg.Now().Before(p.DueTime)
	p.CheckDay(date.Start(a.cfg.Location), date.End(a.cfg.Location))
	p.Kept = append(p.Kept, dups...)
	p.Findings = append(p.Findings, dupFindings...)
	p.Chunks = splitChunks(p.Segments, a.cfg.ChunkSegments)
	return p, nil
}

// splitChunks cuts segs into chunks of about n segments, each starting
// with a segment that starts on a keyframe.
func splitChunks(segs []ts.Segment, n int) []Chunk {
	var chunks []Chunk
	for i := range segs {
		c := len(chunks) - 1
		// A chunk also ends before a gap or restart: ffmpeg keeps a gap
		// inside a chunk only up to encode.MaxGap, while gaps between
		// chunks are kept by the join whatever their length.
		full := c >= 0 && (chunks[c].Count >= n || segs[i].Discontinuity)
		if c < 0 || full && segs[i].Report.StartsWithKeyframe || c >= 0 && gapBefore(segs, i) > encode.MaxGap {
			chunks = append(chunks, Chunk{Index: c + 1, First: i})
			c++
		}
		chunks[c].Count++
		chunks[c].Frames += int64(segs[i].Report.Frames)
	}
	for i := range chunks {
		c := &chunks[i]
		first, last := &segs[c.First], &segs[c.First+c.Count-1]
		c.Duration = ts.Ticks(last.Report.LastPTS + last.Shift + last.Report.FrameTicks - first.Report.FirstPTS - first.Shift)
	}
	return chunks
}

// gapBefore is the time missing on the timeline between segment i-1 and i.
func gapBefore(segs []ts.Segment, i int) time.Duration {
	if i == 0 {
		return 0
	}
	prev, cur := &segs[i-1], &segs[i]
	end := prev.OutDTS() + prev.Report.LastDTS - prev.Report.FirstDTS + prev.Report.FrameTicks
	return ts.Ticks(cur.OutDTS() - end)
}

// nextOutput names the next archive of a day: after every archive, checksum
// or set-aside archive file already there, so that none is ever replaced.
// Hidden (temporary) files do not count.
func nextOutput(files []ts.File) string {
	n := 0
	for _, f := range files {
		if !strings.HasPrefix(f.Name, ".") {
			if k, ok := day.ArchiveOf(f.Name); ok {
				n = max(n, k)
			}
		}
	}
	return day.ArchiveName(n + 1)
}
