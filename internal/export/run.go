package export

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"math"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// reorder is more packets than a decoder of the cameras' and the
// archiver's streams takes before it shows a frame (x265: up to 4 B-frames).
const reorder = 16

// mp4Timescale is the clip's clock rate, as the archiver's: the longest
// step a 32-bit sample duration holds at it is 26.5 h, so a gap of up to
// a day fits.
const mp4Timescale = 90000 / 4

// run makes the clip's three files in c's folder.
func (e *Exporter) run(ctx context.Context, p *exportPlan, c *Clip, progress func(Progress)) error {
	first, err := e.locate(ctx, p)
	if err != nil {
		return err
	}
	sums := &sourceSums{byPath: map[string]*sourceSum{}}
	total := p.bytes()
	var done int64
	open := func(name string) (io.ReadCloser, error) {
		f, err := e.root.Open(name)
		if err != nil {
			return nil, err
		}
		s := sums.get(name)
		return &hashingFile{f: f, sum: s, read: func(n int) {
			done += int64(n)
			if progress != nil {
				progress(Progress{Done: done, Total: total})
			}
		}}, nil
	}
	segs := make([]ts.Segment, len(p.pieces))
	for i := range p.pieces {
		segs[i] = p.pieces[i].seg
		segs[i].Name = p.pieces[i].path()
	}
	creation := p.at(first.FirstPTS).wallAt(first.FirstPTS)
	stats, err := e.mux(ctx, c.MP4, creation, p.pieces[0].seg.Report.Codec, first, func(w io.Writer) (ts.CutStats, error) {
		return ts.ConcatRange(ctx, w, open, segs, p.from, p.to)
	})
	if err != nil {
		return err
	}
	if err := e.check(ctx, c.MP4, stats); err != nil {
		return err
	}
	m, err := e.manifest(p, stats, sums)
	if err != nil {
		return err
	}
	return e.finish(c, m)
}

// finish hashes the clip and writes its .sha512sum and manifest.
func (e *Exporter) finish(c *Clip, m Manifest) error {
	sum, size, err := hashFile(c.MP4)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	m.File = FileSum{Name: c.Name, Bytes: size, SHA512: sum}
	c.Manifest = m
	if err := writeSynced(c.Sum, []byte(sum+"  "+c.Name+"\n")); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	b, err := m.JSON()
	if err == nil {
		err = writeSynced(c.JSON, b)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return nil
}

// locate finds the range's first frame and moves the timeline so that it
// is at a whole second, past the keyframe before it: the edit list that
// hides the frames before it is then exact. It reads the first segment or
// two.
func (e *Exporter) locate(ctx context.Context, p *exportPlan) (ts.CutStats, error) {
	open := func(name string) (io.ReadCloser, error) { return e.root.Open(name) }
	for k := 1; k <= len(p.pieces); k++ {
		segs := make([]ts.Segment, k)
		for i := range segs {
			segs[i] = p.pieces[i].seg
			segs[i].Name = p.pieces[i].path()
		}
		to := min(p.to, segs[k-1].OutDTS()+segs[k-1].Report.EndDTS()-segs[k-1].Report.FirstDTS)
		st, err := ts.ConcatRange(ctx, io.Discard, open, segs, p.from, to)
		if errors.Is(err, ts.ErrNoFrames) {
			continue
		}
		if err != nil {
			return st, fmt.Errorf("export: %w", err)
		}
		preroll := st.FirstPTS - st.KeyPTS
		at := (preroll/ts.Clock + 10) * ts.Clock
		d := at - st.FirstPTS
		p.shift(d)
		p.from = at // the first frame, not the range's start: nothing lies between
		st.FirstPTS, st.KeyPTS = at, st.KeyPTS+d
		return st, nil
	}
	return ts.CutStats{}, e.noFootage(p.r)
}

// mux copies the MPEG-TS of codec that write makes into an mp4 at dst
// whose edit list starts playback at first's first frame; creation is
// that frame's wall-clock time.
func (e *Exporter) mux(ctx context.Context, dst string, creation time.Time, codec string, first ts.CutStats, write func(io.Writer) (ts.CutStats, error)) (ts.CutStats, error) {
	args := []string{"-hide_banner", "-nostdin", "-nostats", "-loglevel", "error",
		"-f", "mpegts", "-copyts", "-i", "pipe:0",
		"-map", "0:v:0", "-c", "copy",
		"-output_ts_offset", "-" + strconv.FormatInt(first.FirstPTS/ts.Clock, 10),
		"-video_track_timescale", strconv.Itoa(mp4Timescale),
		"-movflags", "+faststart", "-map_metadata", "-1",
		"-metadata", "creation_time=" + creation.UTC().Truncate(time.Second).Format(time.RFC3339),
	}
	if codec == "hevc" {
		args = append(args, "-tag:v", "hvc1")
	}
	args = append(args, "-f", "mp4", "-y", "file:"+dst)
	parent := ctx
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.cfg.FFmpeg, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return ts.CutStats{}, fmt.Errorf("export: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return ts.CutStats{}, fmt.Errorf("export: start ffmpeg: %w", err)
	}
	var stats ts.CutStats
	var werr error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		stats, werr = write(in)
		in.Close()
		if werr != nil {
			cancel() // ffmpeg must not finish a clip cut short
		}
	}()
	err = cmd.Wait()
	wg.Wait()
	switch {
	case parent.Err() != nil:
		return stats, fmt.Errorf("export: %w", parent.Err())
	case werr != nil:
		return stats, fmt.Errorf("export: read footage: %w", werr)
	case err != nil:
		return stats, fmt.Errorf("export: ffmpeg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	return stats, nil
}

// check verifies the clip with ffprobe: every frame written is in it (the
// mp4's sample table says, so the clip is not read again), and the first
// frame shown is the range's first, at 0.
func (e *Exporter) check(ctx context.Context, path string, st ts.CutStats) error {
	// H.265 reorders frames: the first frame shown may be decoded a few
	// packets after the preroll, so read on and take the earliest.
	out, err := exec.CommandContext(ctx, e.cfg.FFprobe, "-hide_banner", "-v", "error",
		"-select_streams", "v:0", "-read_intervals", "%+#"+strconv.Itoa(st.Preroll+reorder),
		"-show_entries", "stream=nb_frames:frame=pts_time", "-of", "compact", "file:"+path).Output()
	if err != nil {
		return fmt.Errorf("export: check clip: ffprobe: %w", err)
	}
	frames, firstShown, first := "", "", math.Inf(1)
	for line := range strings.SplitSeq(string(out), "\n") {
		for f := range strings.SplitSeq(line, "|") {
			if v, ok := strings.CutPrefix(f, "nb_frames="); ok {
				frames = v
			}
			if v, ok := strings.CutPrefix(f, "pts_time="); ok {
				if t, err := strconv.ParseFloat(v, 64); err == nil && t < first {
					firstShown, first = v, t
				} else if err != nil && firstShown == "" {
					firstShown = v
				}
			}
		}
	}
	if want := strconv.Itoa(st.Preroll + st.Frames); frames != want {
		return fmt.Errorf("export: check clip: %s frames in the clip, %s written", frames, want)
	}
	if f, err := strconv.ParseFloat(firstShown, 64); err != nil || f != 0 {
		return fmt.Errorf("export: check clip: first frame shown at %q, want 0", firstShown)
	}
	return nil
}

// sourceSum is a source file's SHA-512, taken as it is read.
type sourceSum struct {
	h     hash.Hash
	bytes int64
	sum   string
}

type sourceSums struct {
	byPath map[string]*sourceSum
	order  []string
}

func (s *sourceSums) get(name string) *sourceSum {
	if x, ok := s.byPath[name]; ok {
		return x // opened again: the earlier read's sum stands
	}
	x := &sourceSum{h: sha512.New()}
	s.byPath[name] = x
	s.order = append(s.order, name)
	return x
}

// hashingFile hashes what is read of a source; Close reads the rest,
// which a range that ends inside the file leaves unread, so that the sum
// is the whole file's.
type hashingFile struct {
	f    *os.File
	sum  *sourceSum
	read func(int)
}

func (h *hashingFile) Read(b []byte) (int, error) {
	n, err := h.f.Read(b)
	if n > 0 && h.sum.sum == "" {
		h.sum.h.Write(b[:n])
		h.sum.bytes += int64(n)
	}
	h.read(n)
	return n, err
}

func (h *hashingFile) Close() error {
	defer h.f.Close()
	if h.sum.sum != "" {
		return nil
	}
	n, err := io.Copy(h.sum.h, h.f)
	h.sum.bytes += n
	h.read(int(n))
	if err != nil {
		return err
	}
	h.sum.sum = hex.EncodeToString(h.sum.h.Sum(nil))
	return nil
}

func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha512.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
