package export

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// archivePlan is a range that lies in one archive: the file, and the runs
// of it the range touches, which map wall-clock time to the file's
// timeline (where gaps stay gaps and a restart follows on).
type archivePlan struct {
	date day.Date
	file string
	// remote: the archive is off-site only (Config.Offsite).
	remote bool
	runs   []ts.Run
	// from and to bound the range on the file's timeline.
	from, to time.Duration
}

func (a *archivePlan) path() string { return path.Join(a.date.String(), a.file) }

// archivePieces finds the archives of the days of r whose runs hold
// footage of r, by day and file.
func (e *Exporter) archivePieces(r Range) []archivePlan {
	loc := e.cfg.Location
	var out []archivePlan
	for d := day.Of(r.Start.In(loc)).AddDays(-1); !day.Of(r.End.In(loc)).AddDays(1).Before(d); d = d.Next() {
		names, remote := e.archivesOf(d)
		if len(names) == 0 {
			continue
		}
		var runs map[string][]ts.Run
		if e.cfg.ArchiveRuns != nil {
			runs = e.cfg.ArchiveRuns(d)
		}
		for _, name := range names {
			p := archivePlan{date: d, file: name, remote: remote}
			for _, run := range runs[name] {
				if run.Start.Before(r.End) && run.Start.Add(run.Len).After(r.Start) {
					p.runs = append(p.runs, run)
				}
			}
			if len(p.runs) > 0 {
				first, last := p.runs[0], p.runs[len(p.runs)-1]
				p.from = first.Pos + max(r.Start.Sub(first.Start), 0)
				p.to = last.Pos + min(r.End.Sub(last.Start), last.Len)
				out = append(out, p)
			}
		}
	}
	return out
}

// unmapped names an archive of the range's days that has no runs: its
// footage cannot be placed, so the range may hold footage no plan shows.
func (e *Exporter) unmapped(r Range) (string, bool) {
	loc := e.cfg.Location
	for d := day.Of(r.Start.In(loc)); !day.Of(r.End.Add(-1).In(loc)).Before(d); d = d.Next() {
		names, _ := e.archivesOf(d)
		var runs map[string][]ts.Run
		if e.cfg.ArchiveRuns != nil && len(names) > 0 {
			runs = e.cfg.ArchiveRuns(d)
		}
		for _, name := range names {
			if len(runs[name]) == 0 {
				return path.Join(d.String(), name), true
			}
		}
	}
	return "", false
}

// runArchive cuts the range out of one archive. A local archive is
// hashed while ffmpeg copies from it (two cores): the clip is cut from
// the file as it is, but its manifest and sum are written, and the clip
// handed on, only once the archive matched its .sha512sum. An off-site
// copy is checked as it is fetched, before the cut.
func (e *Exporter) runArchive(ctx context.Context, r Range, a *archivePlan, c *Clip) error {
	src := a.path()
	source := Source{Path: src, Kind: "archive", ChecksumVerified: true}
	if a.remote {
		full, err := e.fetchArchive(ctx, a, c, &source)
		defer os.Remove(full) // the clip is what is handed on
		if err != nil {
			return err
		}
		m, err := e.cutArchive(ctx, r, a, full, c)
		if err != nil {
			return err
		}
		m.Sources = []Source{source}
		return e.finish(c, m)
	}
	want, f, err := e.openArchive(src)
	if err != nil {
		return err
	}
	vctx, stop := context.WithCancel(ctx)
	defer stop()
	var verr error
	verified := make(chan struct{})
	go func() {
		defer close(verified)
		source.SHA512, source.Bytes, verr = checkArchive(vctx, src, f, want)
	}()
	m, err := e.cutArchive(ctx, r, a, e.cfg.Root+"/"+src, c)
	// Waited for even when the cut failed: a corrupt archive may fail
	// ffmpeg, and its error is then the mismatch, as when it was hashed
	// first. A cancel stops the hash too (vctx is ctx's).
	<-verified
	if verr != nil {
		return verr
	}
	if err != nil {
		return err
	}
	m.Sources = []Source{source}
	return e.finish(c, m)
}

// cutArchive cuts the range out of the archive at full into the clip:
// ffmpeg copies from the keyframe before the range's first frame with an
// edit list that starts playback at that frame. It checks the clip and
// returns its manifest, without sources.
func (e *Exporter) cutArchive(ctx context.Context, r Range, a *archivePlan, full string, c *Clip) (Manifest, error) {
	ps, err := videoSamples(full)
	if err != nil {
		return Manifest{}, fmt.Errorf("export: %w", err)
	}
	first, last, count, ok := cut(ps, a.from, a.to)
	if !ok {
		return Manifest{}, e.noFootage(r)
	}
	wall := func(p time.Duration) time.Time {
		run := a.runs[0]
		for _, x := range a.runs {
			if x.Pos <= p {
				run = x
			}
		}
		return run.Start.Add(p - run.Pos)
	}
	var frames int
	for _, p := range ps {
		if p.pts >= first && p.pts <= last {
			frames++
		}
	}
	// ffmpeg reads -ss to the microsecond: rounded down, it keeps the
	// first frame, which is then shown at most a microsecond after 0.
	ss := strconv.FormatFloat(math.Floor(first.Seconds()*1e6)/1e6, 'f', 6, 64)
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-ss", ss, "-i", "file:" + full, "-frames:v", strconv.Itoa(count),
		"-map", "0:v:0", "-c", "copy", "-tag:v", "hvc1", "-video_track_timescale", strconv.Itoa(mp4Timescale),
		"-movflags", "+faststart", "-map_metadata", "-1",
		"-metadata", "creation_time=" + wall(first).UTC().Truncate(time.Second).Format(time.RFC3339),
		"-f", "mp4", "-y", "file:" + c.MP4}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, e.cfg.FFmpeg, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return Manifest{}, fmt.Errorf("export: %w", ctx.Err())
		}
		return Manifest{}, fmt.Errorf("export: ffmpeg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	shown, err := videoSamples(c.MP4)
	if err != nil {
		return Manifest{}, fmt.Errorf("export: check clip: %w", err)
	}
	n, lastShown := 0, time.Duration(-1)
	for _, p := range shown {
		if p.pts >= 0 {
			n++
			lastShown = max(lastShown, p.pts)
		}
	}
	if n != frames || (lastShown-(last-first)).Abs() > time.Millisecond {
		return Manifest{}, fmt.Errorf("export: check clip: %d frames shown to %v, want %d to %v", n, lastShown, frames, last-first)
	}
	m := Manifest{Camera: e.cfg.Camera, Requested: Span{r.Start.In(e.cfg.Location), r.End.In(e.cfg.Location)},
		FirstFrame: wall(first).In(e.cfg.Location), LastFrame: wall(last).In(e.cfg.Location), Frames: frames,
		Preroll: len(shown) - n, Codec: "hevc", Gaps: []Gap{}, Restarts: []time.Time{}, Version: e.cfg.Version,
		ExportedAt: e.cfg.Now().In(e.cfg.Location)}
	loc := e.cfg.Location
	addGap := func(from, to time.Time) {
		if to.Sub(from) > frameTime {
			m.Gaps = append(m.Gaps, Gap{Start: from.In(loc), End: to.In(loc), Length: to.Sub(from).String()})
		}
	}
	addGap(r.Start, m.FirstFrame)
	for i := 1; i < len(a.runs); i++ {
		p, q := a.runs[i-1], a.runs[i]
		if (q.Pos - (p.Pos + p.Len)).Abs() < time.Millisecond {
			// It follows on in the archive: the camera restarted. The time
			// it was off is missing footage, though not in the clip's timeline.
			m.Restarts = append(m.Restarts, q.Start.In(loc))
		}
		addGap(p.Start.Add(p.Len), q.Start)
	}
	addGap(m.LastFrame.Add(frameTime/5), r.End)
	return m, nil
}

// verifyArchive hashes an archive and compares it with its .sha512sum, so
// that a clip is never cut from an archive that is not what was written.
func (e *Exporter) verifyArchive(name string) (string, int64, error) {
	want, f, err := e.openArchive(name)
	if err != nil {
		return "", 0, err
	}
	return checkArchive(context.Background(), name, f, want)
}

// openArchive reads an archive's .sha512sum and opens the archive.
func (e *Exporter) openArchive(name string) ([]byte, *os.File, error) {
	want, err := e.root.ReadFile(name + ".sha512sum")
	if err != nil {
		return nil, nil, fmt.Errorf("export: %s: no checksum to verify it by: %w", name, err)
	}
	f, err := e.root.Open(name)
	if err != nil {
		return nil, nil, fmt.Errorf("export: %w", err)
	}
	return want, f, nil
}

// checkArchive hashes an archive and compares it with its .sha512sum,
// want; it closes f. Cancelling ctx stops it.
func checkArchive(ctx context.Context, name string, f *os.File, want []byte) (string, int64, error) {
	defer f.Close()
	h := sha512.New()
	n, err := io.CopyBuffer(h, ctxReader{ctx: ctx, r: f}, make([]byte, 1<<20))
	if err != nil {
		if ctx.Err() != nil {
			return "", 0, fmt.Errorf("export: %w", ctx.Err())
		}
		return "", 0, fmt.Errorf("export: hash %s: %w", name, err)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	got, _, _ := strings.Cut(string(want), " ")
	if !strings.EqualFold(got, sum) {
		return "", 0, fmt.Errorf("export: %s does not match its .sha512sum: it is not the archive that was written", name)
	}
	return sum, n, nil
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// packet is a video packet: its presentation time, and whether it is a keyframe.
type packet struct {
	pts time.Duration
	key bool
}

// cut finds, in packets in decoding order, what a stream copy of the
// frames shown from from up to to must hold: from the last keyframe
// shown at or before the first frame, as many packets as it takes for
// every frame before to to be in, and every frame shown between them too
// (H.265 reorders frames, so a frame before to may need one after it,
// and that one is then shown as well). It returns the first frame's and
// the last frame's time and the number of packets.
func cut(ps []packet, from, to time.Duration) (first, last time.Duration, n int, ok bool) {
	first = -1
	for _, p := range ps {
		if p.pts >= from && p.pts < to && (first < 0 || p.pts < first) {
			first = p.pts
		}
	}
	if first < 0 {
		return 0, 0, 0, false
	}
	k := -1
	for i, p := range ps {
		if p.key && p.pts <= first {
			k = i
		}
	}
	if k < 0 {
		return 0, 0, 0, false
	}
	// sorted are the times of the frames shown from first on.
	var sorted []time.Duration
	for _, p := range ps[k:] {
		if p.pts >= first {
			sorted = append(sorted, p.pts)
		}
	}
	slices.Sort(sorted)
	beforeTo, _ := slices.BinarySearch(sorted, to)
	in, inBeforeTo := 0, 0
	last = first
	for i := k; i < len(ps); i++ {
		p := ps[i].pts
		if p < first {
			continue
		}
		in++
		if p < to {
			inBeforeTo++
		}
		last = max(last, p)
		upTo, _ := slices.BinarySearch(sorted, last+1)
		if inBeforeTo == beforeTo && in == upTo {
			return first, last, i - k + 1, true
		}
	}
	return 0, 0, 0, false
}
