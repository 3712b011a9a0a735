package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
)

// A range that spans two archives, or archives and segments, is made in
// three steps. Each part becomes an H.265 MPEG-TS file on the clip's
// timeline: an archive's stretch is copied out of it as it is, and a
// stretch of H.264 segments is encoded with the archiver's settings (the
// clip is then one H.265 stream, which plays wherever the archives play).
// Then the parts are copied, one after the other, into one mp4 with the
// edit list that starts playback at the range's first frame.
//
//	archive ──ffmpeg -c copy──────────────┐
//	segments ─ts.ConcatRange─► libx265 ───┴► ts.Concat (timestamps onto the clip's timeline) ─► ffmpeg -c copy ─► mp4

// part is one file's, or one stretch of segments', share of a joined range.
type part struct {
	arc *archivePlan // an archive's stretch, or
	seg []piece      // segments, laid on the clip's timeline

	// Of an archive: its samples, the first packet to copy (a keyframe)
	// and how many, the file times of the first and the last frame shown.
	ps          []packet
	k, n        int
	first, last time.Duration
	// shift puts the archive's file time on the clip's timeline (ticks);
	// push is how much later than its runs say its footage was placed.
	shift int64
	push  time.Duration
	step  int64 // a frame, in ticks
	sum   string
	size  int64

	wallStart, wallEnd time.Time
}

// fileTicks converts a time in an archive (a whole number of its
// 1/22,500 s steps) to 90 kHz ticks.
func fileTicks(d time.Duration) int64 {
	return int64(math.Round(d.Seconds() * ts.Clock))
}

func (p *part) wallAt(d time.Duration) time.Time { return p.arc.wallAt(d).Add(p.push) }

// firstTick and endTick bound an archive part's shown frames on the clip's timeline.
func (p *part) firstTick() int64 { return p.shift + fileTicks(p.first) }
func (p *part) endTick() int64   { return p.shift + fileTicks(p.last) + p.step }

// wallAt maps a time in the archive to the wall clock by its runs.
func (a *archivePlan) wallAt(d time.Duration) time.Time {
	run := a.runs[0]
	for _, x := range a.runs {
		if x.Pos <= d {
			run = x
		}
	}
	return run.Start.Add(d - run.Pos)
}

// frameStep is the shortest step between two frames shown, in ticks.
func frameStep(ps []packet) int64 {
	pts := make([]time.Duration, 0, min(len(ps), 64))
	for _, p := range ps[:min(len(ps), 64)] {
		pts = append(pts, p.pts)
	}
	slices.Sort(pts)
	step := int64(0)
	for i := 1; i < len(pts); i++ {
		if d := fileTicks(pts[i] - pts[i-1]); d > 0 && (step == 0 || d < step) {
			step = d
		}
	}
	if step == 0 {
		step = ts.Clock / 25
	}
	return step
}

// joinParts orders the archives' stretches and the segments of a range
// by wall-clock time, the segments between two archives as one part.
func (e *Exporter) joinParts(r Range, arcs []archivePlan, p *exportPlan) ([]part, error) {
	var parts []part
	for i := range arcs {
		a := &arcs[i]
		sum, size, err := e.verifyArchive(a.path())
		if err != nil {
			return nil, err
		}
		ps, err := videoSamples(filepath.Join(e.cfg.Root, a.path()))
		if err != nil {
			return nil, fmt.Errorf("export: %w", err)
		}
		first, last, n, ok := cut(ps, a.from, a.to)
		if !ok {
			continue
		}
		k := -1
		for j, q := range ps {
			if q.key && q.pts <= first {
				k = j
			}
		}
		x := part{arc: a, ps: ps, k: k, n: n, first: first, last: last, step: frameStep(ps), sum: sum, size: size}
		x.wallStart, x.wallEnd = a.wallAt(first), a.wallAt(last).Add(ts.Ticks(x.step))
		parts = append(parts, x)
	}
	if p != nil {
		for _, q := range p.pieces {
			parts = append(parts, part{seg: []piece{q}, wallStart: q.seg.Start, wallEnd: q.seg.Start.Add(q.seg.Report.Duration())})
		}
	}
	if len(parts) == 0 {
		return nil, e.noFootage(r)
	}
	slices.SortStableFunc(parts, func(a, b part) int { return a.wallStart.Compare(b.wallStart) })
	var out []part
	for _, x := range parts {
		if n := len(out); n > 0 {
			prev := &out[n-1]
			if x.arc == nil && prev.arc == nil {
				prev.seg = append(prev.seg, x.seg...)
				prev.wallEnd = x.wallEnd
				continue
			}
			if !x.wallEnd.After(prev.wallEnd) {
				// One lies inside the other (footage archived late, in a
				// gap of an archive): a clip cannot hold both in order.
				return nil, fmt.Errorf("%w: %s and %s overlap in time; export them apart", ErrArchived, prev.name(), x.name())
			}
		}
		out = append(out, x)
	}
	return out, nil
}

func (p *part) name() string {
	if p.arc != nil {
		return p.arc.path()
	}
	return p.seg[0].path()
}

// runJoined makes the clip of a range that spans two archives, or
// archives and segments.
func (e *Exporter) runJoined(ctx context.Context, r Range, arcs []archivePlan, p *exportPlan, c *Clip, progress func(Progress)) error {
	parts, err := e.joinParts(r, arcs, p)
	if err != nil {
		return err
	}
	stats, err := e.layParts(ctx, r, parts, p)
	if err != nil {
		return err
	}
	// Each part to an H.265 MPEG-TS file on the clip's timeline.
	sums := &sourceSums{byPath: map[string]*sourceSum{}}
	var total, done int64
	for _, x := range parts {
		if x.arc == nil {
			for _, q := range x.seg {
				total += q.seg.Report.Size
			}
		}
	}
	var files []ts.Segment
	var reencoded []Reencoded
	var lastTick int64
	for i := range parts {
		x := &parts[i]
		tmp := filepath.Join(c.dir, "part-"+strconv.Itoa(i)+".ts")
		var want, shift int64 // the first packet's PTS on the clip's timeline, and the file's
		if x.arc != nil {
			if err := e.copyArchive(ctx, x, tmp); err != nil {
				return err
			}
			shown := 0
			for _, q := range x.ps[x.k : x.k+x.n] {
				if q.pts >= x.first {
					shown++
				} else if i > 0 {
					return fmt.Errorf("export: %s: its stretch does not begin at a keyframe", x.name())
				}
			}
			if i == 0 {
				stats.Preroll = x.n - shown
			}
			stats.Frames += shown
			want = x.shift + fileTicks(x.ps[x.k].pts)
			lastTick = x.shift + fileTicks(x.last)
		} else {
			chunks, err := e.encodeSegments(ctx, x, i == 0, p, tmp, sums, func(n int) {
				done += int64(n)
				if progress != nil {
					progress(Progress{Done: done, Total: total})
				}
			})
			if err != nil {
				return err
			}
			for j, ch := range chunks {
				if i > 0 || j > 0 {
					if ch.st.Preroll > 0 {
						return fmt.Errorf("export: %s: a stretch of segments does not begin at a keyframe", x.name())
					}
				} else {
					stats.Preroll = ch.st.Preroll
				}
				stats.Frames += ch.st.Frames
				lastTick = ch.st.LastPTS
				rep, err := scanFile(ch.path)
				if err != nil {
					return err
				}
				files = append(files, ts.Segment{Name: ch.path, Report: rep, Shift: -toTicks(encode.ChunkOffset)})
			}
			for _, q := range x.seg {
				why := "the range also holds H.265 archives: one H.265 stream plays everywhere"
				if q.seg.Report.Codec == "hevc" {
					why = "joined to H.265 archives: encoded as they are, so that the clip's stream has one set of parameters"
				}
				reencoded = append(reencoded, Reencoded{Path: q.path(), From: q.seg.Report.Codec, To: "hevc", Encoder: encoderName(e.cfg.Encode), Why: why})
			}
			continue
		}
		rep, err := scanFile(tmp)
		if err != nil {
			return err
		}
		shift = want - rep.FirstPTS
		files = append(files, ts.Segment{Name: tmp, Report: rep, Shift: shift})
	}
	stats.LastPTS = lastTick
	creation := e.joinedWall(parts, stats.FirstPTS)
	open := func(name string) (io.ReadCloser, error) { return os.Open(name) }
	if _, err := e.mux(ctx, c.MP4, creation, "hevc", stats, func(w io.Writer) (ts.CutStats, error) {
		_, err := ts.Concat(ctx, w, open, files)
		return stats, err
	}); err != nil {
		return err
	}
	for _, f := range files {
		os.Remove(f.Name)
	}
	if err := e.check(ctx, c.MP4, stats); err != nil {
		return err
	}
	if err := checkSpan(c.MP4, stats); err != nil {
		return err
	}
	m, err := e.joinedManifest(r, parts, stats, sums, reencoded)
	if err != nil {
		return err
	}
	return e.finish(c, m)
}

// layParts lays the parts on the clip's timeline, each where its
// wall-clock time puts it but none before the end of the one before, and
// moves the timeline so that the first frame shown is at a whole second
// past the keyframe before it (see locate). It returns where the first
// frame and its keyframe are.
func (e *Exporter) layParts(ctx context.Context, r Range, parts []part, p *exportPlan) (ts.CutStats, error) {
	// Lay the parts on one timeline, none before the end of the one before.
	var end int64
	var endWall time.Time
	for i := range parts {
		x := &parts[i]
		if x.arc == nil {
			end, endWall = layout(x.seg, r, end, endWall)
			continue
		}
		at := origin + toTicks(x.wallStart.Sub(r.Start))
		if at < end {
			at = end
			x.push = max(endWall.Sub(x.wallStart), 0) // not earlier: a tick's rounding
			x.wallStart, x.wallEnd = x.wallStart.Add(x.push), x.wallEnd.Add(x.push)
		}
		x.shift = at - fileTicks(x.first)
		end, endWall = x.endTick(), x.wallEnd
	}
	// Move the timeline so that the first frame shown is at a whole
	// second past the keyframe before it (see locate).
	var d int64
	var stats ts.CutStats // of the whole clip
	x0 := &parts[0]
	if x0.arc == nil {
		sub := &exportPlan{r: r, pieces: x0.seg, from: p.from, to: min(p.to, x0.seg[len(x0.seg)-1].outEnd())}
		before := sub.pieces[0].seg.Shift
		st, err := e.locate(ctx, sub)
		if err != nil {
			return ts.CutStats{}, err
		}
		d = sub.pieces[0].seg.Shift - before
		stats.FirstPTS, stats.KeyPTS = st.FirstPTS, st.KeyPTS
	} else {
		key := x0.firstTick()
		for _, q := range x0.ps[x0.k : x0.k+x0.n] {
			key = min(key, x0.shift+fileTicks(q.pts))
		}
		at := ((x0.firstTick()-key)/ts.Clock + 10) * ts.Clock
		d = at - x0.firstTick()
		stats.FirstPTS, stats.KeyPTS = at, key+d
	}
	for i := range parts {
		x := &parts[i]
		switch {
		case x.arc != nil:
			x.shift += d
		case i > 0:
			for j := range x.seg {
				x.seg[j].seg.Shift += d
			}
		}
	}
	if p != nil {
		p.from, p.to = stats.FirstPTS, p.to+d
	}
	return stats, nil
}

// checkSpan verifies that the clip's last frame is shown where the
// timeline puts it: the parts were joined with their gaps kept.
func checkSpan(path string, st ts.CutStats) error {
	ps, err := videoSamples(path)
	if err != nil {
		return fmt.Errorf("export: check clip: %w", err)
	}
	last := time.Duration(-1)
	for _, q := range ps {
		last = max(last, q.pts)
	}
	if want := ts.Ticks(st.LastPTS - st.FirstPTS); (last - want).Abs() > time.Millisecond {
		return fmt.Errorf("export: check clip: last frame shown at %v, want %v", last, want)
	}
	return nil
}

func scanFile(path string) (ts.Report, error) {
	f, err := os.Open(path)
	if err != nil {
		return ts.Report{}, fmt.Errorf("export: %w", err)
	}
	defer f.Close()
	r, err := ts.Scan(f)
	if err != nil {
		return r, fmt.Errorf("export: %s: %w", filepath.Base(path), err)
	}
	return r, nil
}

// copyArchive copies an archive part's packets, from its keyframe on,
// into an MPEG-TS file, as they are.
func (e *Exporter) copyArchive(ctx context.Context, x *part, dst string) error {
	// ffmpeg seeks to the keyframe at or before -ss, which it reads to
	// the microsecond: rounded up, that is x.k's keyframe.
	ss := strconv.FormatFloat(math.Ceil(x.ps[x.k].pts.Seconds()*1e6)/1e6, 'f', 6, 64)
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-copyts", "-ss", ss, "-i", "file:" + filepath.Join(e.cfg.Root, x.arc.path()), "-frames:v", strconv.Itoa(x.n),
		"-map", "0:v:0", "-c", "copy", "-muxdelay", "0", "-muxpreload", "0", "-output_ts_offset", "100",
		"-f", "mpegts", "-y", "file:" + dst}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, e.cfg.FFmpeg, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("export: %w", ctx.Err())
		}
		return fmt.Errorf("export: copy %s: ffmpeg: %w: %s", x.name(), err, strings.TrimSpace(stderr.String()))
	}
	rep, err := scanFile(dst)
	if err != nil {
		return err
	}
	if rep.Frames != x.n || rep.FirstPTS-100*ts.Clock != fileTicks(x.ps[x.k].pts) {
		return fmt.Errorf("export: copy %s: %d frames from %s, want %d from %s", x.name(), rep.Frames,
			ts.Ticks(rep.FirstPTS-100*ts.Clock), x.n, x.ps[x.k].pts)
	}
	return nil
}

// chunk is a stretch of segments encoded to H.265: the file, and what
// ts.ConcatRange gave the encoder (on the clip's timeline).
type chunk struct {
	path string
	st   ts.CutStats
}

// encodeSegments encodes a part's segments with the archiver's settings,
// in chunks split at gaps longer than the encoder takes in one.
func (e *Exporter) encodeSegments(ctx context.Context, x *part, first bool, p *exportPlan, dst string, sums *sourceSums, read func(int)) ([]chunk, error) {
	open := func(name string) (io.ReadCloser, error) {
		f, err := e.root.Open(name)
		if err != nil {
			return nil, err
		}
		return &hashingFile{f: f, sum: sums.get(name), read: read}, nil
	}
	var out []chunk
	for lo := 0; lo < len(x.seg); {
		hi := lo + 1
		for hi < len(x.seg) && ts.Ticks(x.seg[hi].outStart()-x.seg[hi-1].outEnd()) < encode.MaxGap/2 {
			hi++
		}
		segs := make([]ts.Segment, hi-lo)
		for i := range segs {
			segs[i] = x.seg[lo+i].seg
			segs[i].Name = x.seg[lo+i].path()
		}
		from, to := x.seg[lo].outStart(), x.seg[hi-1].outEnd()
		if first && lo == 0 {
			from = p.from
		}
		to = min(to, p.to)
		path := fmt.Sprintf("%s-%d.ts", strings.TrimSuffix(dst, ".ts"), lo)
		pr, pw := io.Pipe()
		var st ts.CutStats
		var werr error
		wrote := make(chan struct{})
		go func() {
			defer close(wrote)
			st, werr = ts.ConcatRange(ctx, pw, open, segs, from, to)
			pw.CloseWithError(werr)
		}()
		res, err := encode.EncodeChunk(ctx, e.cfg.Encode, pr, path, nil)
		pr.CloseWithError(errors.New("encoder stopped")) // a writer still under way stops
		<-wrote
		switch {
		case werr != nil && !errors.Is(werr, ts.ErrNoFrames):
			return nil, fmt.Errorf("export: read footage: %w", werr)
		case errors.Is(werr, ts.ErrNoFrames):
			os.Remove(path)
			lo = hi
			continue
		case err != nil:
			return nil, fmt.Errorf("export: %w", err)
		case res.Frames != int64(st.Preroll+st.Frames):
			return nil, fmt.Errorf("export: encode %s: %d frames out, %d in", x.name(), res.Frames, st.Preroll+st.Frames)
		}
		out = append(out, chunk{path: path, st: st})
		lo = hi
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("export: %s: %w", x.name(), ts.ErrNoFrames)
	}
	return out, nil
}

// joinedWall is the wall-clock time of the frame at tick on the clip's timeline.
func (e *Exporter) joinedWall(parts []part, tick int64) time.Time {
	for i := len(parts) - 1; i >= 0; i-- {
		x := &parts[i]
		if x.arc != nil && x.shift+fileTicks(x.ps[x.k].pts) <= tick {
			return x.wallAt(ts.Ticks(tick - x.shift))
		}
		if x.arc == nil && x.seg[0].outStart() <= tick {
			q := (&exportPlan{pieces: x.seg}).at(tick)
			return q.wallAt(tick)
		}
	}
	x := &parts[0]
	if x.arc != nil {
		return x.wallAt(ts.Ticks(tick - x.shift))
	}
	return x.seg[0].wallAt(tick)
}

// joinedManifest describes a clip joined from parts.
func (e *Exporter) joinedManifest(r Range, parts []part, st ts.CutStats, sums *sourceSums, reencoded []Reencoded) (Manifest, error) {
	loc := e.cfg.Location
	m := Manifest{
		Camera:     e.cfg.Camera,
		Requested:  Span{r.Start.In(loc), r.End.In(loc)},
		FirstFrame: e.joinedWall(parts, st.FirstPTS).In(loc),
		LastFrame:  e.joinedWall(parts, st.LastPTS).In(loc),
		Frames:     st.Frames,
		Preroll:    st.Preroll,
		Codec:      "hevc",
		Gaps:       []Gap{},
		Restarts:   []time.Time{},
		Reencoded:  reencoded,
		Version:    e.cfg.Version,
		ExportedAt: e.cfg.Now().In(loc),
	}
	// The stretches filmed, in order, and where the camera restarted.
	type span struct{ from, to time.Time }
	var spans []span
	for i := range parts {
		x := &parts[i]
		if x.arc == nil {
			for j := range x.seg {
				a, b := &x.seg[j], x.seg[max(j-1, 0)]
				if j > 0 && !sameRun(&b, a) && !ts.FollowsOn(&b.seg.Report, &a.seg.Report) {
					m.Restarts = append(m.Restarts, a.seg.Start.In(loc))
				}
				spans = append(spans, span{a.seg.Start, a.seg.Start.Add(a.seg.Report.Duration())})
			}
			continue
		}
		runs := x.arc.runs
		for j, run := range runs {
			if j > 0 && (run.Pos-(runs[j-1].Pos+runs[j-1].Len)).Abs() < time.Millisecond {
				m.Restarts = append(m.Restarts, run.Start.Add(x.push).In(loc))
			}
			spans = append(spans, span{run.Start.Add(x.push), run.Start.Add(x.push + run.Len)})
		}
		m.Sources = append(m.Sources, Source{Path: x.arc.path(), Kind: "archive", Bytes: x.size, SHA512: x.sum, ChecksumVerified: true})
	}
	addGap := func(from, to time.Time) {
		if to.Sub(from) > frameTime {
			m.Gaps = append(m.Gaps, Gap{Start: from.In(loc), End: to.In(loc), Length: to.Sub(from).String()})
		}
	}
	addGap(r.Start, m.FirstFrame)
	for i := 1; i < len(spans); i++ {
		if spans[i].from.After(m.FirstFrame) && spans[i].from.Before(m.LastFrame) {
			addGap(spans[i-1].to, spans[i].from)
		}
	}
	addGap(m.LastFrame.Add(frameTime/5), r.End)
	for _, name := range sums.order {
		s := sums.byPath[name]
		if s.sum == "" {
			return m, fmt.Errorf("export: %s was not read to its end", name)
		}
		m.Sources = append(m.Sources, Source{Path: name, Kind: "segment", Bytes: s.bytes, SHA512: s.sum})
	}
	slices.SortStableFunc(m.Sources, func(a, b Source) int { return strings.Compare(a.Path, b.Path) })
	return m, nil
}

// encoderName names the encoder and the settings segments are encoded with.
func encoderName(s encode.Settings) string {
	preset, crf := s.Preset, s.CRF
	if preset == "" {
		preset = encode.DefaultPreset
	}
	if crf == 0 {
		crf = encode.DefaultCRF
	}
	name := fmt.Sprintf("libx265 preset=%s crf=%d", preset, crf)
	if s.X265Params != "" {
		name += " x265-params=" + s.X265Params
	}
	return name
}
