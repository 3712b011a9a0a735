package ts

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/footage"
)

func rootOpener(t *testing.T, dir string) Opener {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return func(name string) (io.ReadCloser, error) { return root.Open(name) }
}

// ffmpegCopy pipes a stream through `ffmpeg -c copy -f null` and returns
// its final -progress values and its warnings.
func ffmpegCopy(t *testing.T, stream []byte) (progress map[string]string, warnings string) {
	t.Helper()
	cmd := exec.Command("ffmpeg", "-hide_banner", "-nostats", "-loglevel", "warning",
		"-f", "mpegts", "-i", "pipe:0", "-c", "copy", "-f", "null", "-progress", "pipe:1", "-")
	cmd.Stdin = bytes.NewReader(stream)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
	}
	progress = map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), "="); ok {
			progress[k] = v
		}
	}
	return progress, stderr.String()
}

// videoPackets reads one field of every video packet, as ffprobe has it,
// from input ("pipe:0": from stdin).
func videoPackets[T any](t *testing.T, field, input string, stdin []byte, parse func(string) (T, error)) []T {
	t.Helper()
	cmd := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet="+field, "-of", "csv=p=0", "-i", input)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", input, err)
	}
	var vals []T
	for _, l := range strings.Fields(string(out)) {
		v, err := parse(strings.TrimSuffix(l, ","))
		if err != nil {
			t.Fatalf("ffprobe %s %q: %v", field, l, err)
		}
		vals = append(vals, v)
	}
	return vals
}

// dtsTimes lists the video packets' DTS in seconds, as ffprobe reads them.
func dtsTimes(t *testing.T, stream []byte) []float64 {
	t.Helper()
	return videoPackets(t, "dts_time", "pipe:0", stream, func(s string) (float64, error) { return strconv.ParseFloat(s, 64) })
}

func TestConcat(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		// build fills dir and returns the gaps (in seconds) the timeline must keep.
		build func(t *testing.T, dir string) []float64
	}{
		{name: "clean run", build: func(t *testing.T, dir string) []float64 {
			record(t, footage.Run{Dir: dir, Segments: 3, First: 1})
			return nil
		}},
		{name: "restart", build: func(t *testing.T, dir string) []float64 {
			record(t, footage.Run{Dir: dir, Segments: 2, First: 1})
			record(t, footage.Run{Dir: dir, Segments: 2, First: 3})
			return nil
		}},
		{name: "truncation", build: func(t *testing.T, dir string) []float64 {
			record(t, footage.Run{Dir: dir, Segments: 3, First: 1})
			if err := footage.Truncate(dir, "seg3.ts", 0.4); err != nil {
				t.Fatal(err)
			}
			return nil
		}},
		{name: "gap", build: func(t *testing.T, dir string) []float64 {
			record(t, footage.Run{Dir: dir, Segments: 4, First: 1})
			if err := os.Remove(filepath.Join(dir, "seg2.ts")); err != nil {
				t.Fatal(err)
			}
			return []float64{10}
		}},
		{name: "messy", build: func(t *testing.T, dir string) []float64 {
			if _, err := footage.MakeMessy(ctx, dir, messyStart); err != nil {
				t.Fatal(err)
			}
			return []float64{10, 10}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			gaps := tt.build(t, dir)
			p := planDir(t, dir)
			var out bytes.Buffer
			st, err := Concat(ctx, &out, rootOpener(t, dir), p.Segments)
			if err != nil {
				t.Fatal(err)
			}
			checkConcatClean(t, &p, out.Bytes(), st)
			checkConcatGaps(t, out.Bytes(), gaps)
		})
	}
}

// checkConcatClean checks that out, p's concatenation, holds every planned
// frame and nothing that scan or ffmpeg would complain of.
func checkConcatClean(t *testing.T, p *Plan, out []byte, st ConcatStats) {
	t.Helper()
	if st.Frames != p.Frames() || st.Files != len(p.Segments) {
		t.Errorf("wrote %d frames from %d files, plan has %d from %d", st.Frames, st.Files, p.Frames(), len(p.Segments))
	}
	if int64(len(out)) != st.Bytes || len(out)%packetSize != 0 {
		t.Errorf("wrote %d bytes, stats say %d", len(out), st.Bytes)
	}
	// The output scans clean: no loss, no garbage, one run of timestamps.
	r, err := Scan(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if r.CCErrors != 0 || r.Damaged() || r.Frames != p.Frames() {
		t.Errorf("output scan: %d frames, %d CC errors, damaged %v", r.Frames, r.CCErrors, r.Damaged())
	}
	progress, warnings := ffmpegCopy(t, out)
	if progress["frame"] != strconv.Itoa(p.Frames()) {
		t.Errorf("ffmpeg counted %s frames, want %d", progress["frame"], p.Frames())
	}
	if progress["dup_frames"] != "0" || progress["drop_frames"] != "0" {
		t.Errorf("ffmpeg dup/drop = %s/%s", progress["dup_frames"], progress["drop_frames"])
	}
	if warnings != "" {
		t.Errorf("ffmpeg warned on clean output:\n%s", warnings)
	}
}

// checkConcatGaps checks that out's DTS only go forward, a frame (40 ms)
// at a time but for the gaps (in seconds) it must keep.
func checkConcatGaps(t *testing.T, out []byte, gaps []float64) {
	t.Helper()
	var jumps []float64
	dts := dtsTimes(t, out)
	for i := 1; i < len(dts); i++ {
		step := dts[i] - dts[i-1]
		if step <= 0 {
			t.Fatalf("DTS goes back at frame %d: %.3f → %.3f", i, dts[i-1], dts[i])
		}
		if step > 0.05 {
			jumps = append(jumps, step-0.04)
		}
	}
	if len(jumps) != len(gaps) {
		t.Fatalf("timeline jumps %v, want gaps %v", jumps, gaps)
	}
	for i := range gaps {
		if d := jumps[i] - gaps[i]; d > 0.001 || d < -0.001 {
			t.Errorf("gap %d is %.3f s, want %.3f", i, jumps[i], gaps[i])
		}
	}
}

func TestConcatRefusesChangedFile(t *testing.T) {
	dir := t.TempDir()
	record(t, footage.Run{Dir: dir, Segments: 2, First: 1})
	p := planDir(t, dir)
	f, err := os.OpenFile(filepath.Join(dir, "seg2.ts"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 188))
	f.Close()
	// Concat and ConcatRange share the check: a range read to the file's
	// end is refused as the whole day is.
	copiers := []struct {
		name string
		copy func() error
	}{
		{name: "Concat", copy: func() error {
			_, err := Concat(context.Background(), io.Discard, rootOpener(t, dir), p.Segments)
			return err
		}},
		{name: "ConcatRange", copy: func() error {
			_, err := ConcatRange(context.Background(), io.Discard, rootOpener(t, dir), p.Segments, TimelineStart, TimelineStart+3600*Clock)
			return err
		}},
	}
	for _, c := range copiers {
		t.Run(c.name, func(t *testing.T) {
			if err := c.copy(); !errors.Is(err, ErrChanged) {
				t.Errorf("err = %v, want ErrChanged", err)
			}
		})
	}
}

// TestConcatRefusesFileFinishedAfterPlan: a segment that was half written
// (cut on a packet boundary, so it scans clean and short) when the day was
// planned, and finished since, never reaches an archive: what is
// archived must be what was planned (issue 11, item 5).
func TestConcatRefusesFileFinishedAfterPlan(t *testing.T) {
	dir := t.TempDir()
	record(t, footage.Run{Dir: dir, Segments: 2, First: 1})
	path := filepath.Join(dir, "seg2.ts")
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	half := len(whole) / 2 / 188 * 188
	if err := os.WriteFile(path, whole[:half], 0o644); err != nil {
		t.Fatal(err)
	}
	at := messyStart.Add(153192286)
	if err := os.Chtimes(path, at, at); err != nil {
		t.Fatal(err)
	}
	p := planDir(t, dir)
	if len(p.Segments) != 2 || p.Segments[1].Report.Size != int64(half) {
		t.Fatalf("plan of the half file: %+v", p.Segments)
	}
	if err := os.WriteFile(path, whole, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Concat(context.Background(), io.Discard, rootOpener(t, dir), p.Segments)
	if !errors.Is(err, ErrChanged) {
		t.Errorf("err = %v, want ErrChanged", err)
	}
}

func record(t *testing.T, r footage.Run) {
	t.Helper()
	if r.Start.IsZero() {
		r.Start = messyStart.Add(time.Duration(r.First) * footage.SegmentDuration)
	}
	if _, err := footage.Record(context.Background(), r); err != nil {
		t.Fatal(err)
	}
}
