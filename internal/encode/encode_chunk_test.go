package encode

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/testfs"
)

// ticks converts d to 90 kHz ticks.
func ticks(d time.Duration) int64 { return int64(d * 90000 / time.Second) }

// encodeFile encodes the file at in to dst.
func encodeFile(t testing.TB, s Settings, in, dst string, progress func(Progress)) (ChunkResult, error) {
	t.Helper()
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return EncodeChunk(t.Context(), s, f, dst, progress)
}

func TestEncodeChunk(t *testing.T) {
	needFFmpeg(t)
	tests := []struct {
		name  string
		parts []input // concatenated byte by byte
		// gap is the longest step between frames the output must show.
		gap time.Duration
	}{
		{name: "clean 20 s", parts: []input{{frames: 500}}},
		{name: "starts late", parts: []input{{frames: 100, start: 5 * time.Hour}}},
		{name: "jitter off the frame grid", parts: []input{{frames: 100, jitter: true}}},
		{name: "10 s gap", parts: []input{{frames: 100}, {frames: 100, start: 14 * time.Second}}, gap: 10*time.Second + 40*time.Millisecond},
		{name: "30 s gap", parts: []input{{frames: 250}, {frames: 250, start: 40 * time.Second}}, gap: 30*time.Second + 40*time.Millisecond},
		{name: "longest gap", parts: []input{{frames: 100}, {frames: 100, start: 4*time.Second - 40*time.Millisecond + MaxGap}}, gap: MaxGap},
		// x265 gives the first frames earlier decoding times by the
		// step from the first frame to the third: here, a gap.
		{name: "gap after the first frame", parts: []input{{frames: 1}, {frames: 100, start: 9 * time.Minute}}, gap: 9 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var parts []string
			for _, p := range tt.parts {
				parts = append(parts, makeInput(t, dir, p))
			}
			in := concatFiles(t, dir, parts...)
			inPTS := ptsOf(t, in)
			dst := filepath.Join(dir, "chunk.ts")
			writeFile(t, dst+PartialSuffix, "left by a crash")

			var reports []Progress
			res, err := encodeFile(t, fast, in, dst, func(p Progress) { reports = append(reports, p) })
			if err != nil {
				t.Fatal(err)
			}

			if n := int64(len(inPTS)); res.Frames != n || res.Info.Frames != n {
				t.Errorf("frames: result %d, probed %d, want %d", res.Frames, res.Info.Frames, n)
			}
			if res.DupFrames != 0 || res.DropFrames != 0 {
				t.Errorf("dup %d, drop %d", res.DupFrames, res.DropFrames)
			}
			if res.Info.Codec != "hevc" {
				t.Errorf("codec %q", res.Info.Codec)
			}
			if fi, err := os.Stat(dst); err != nil || fi.Size() != res.Bytes {
				t.Errorf("stat %s: %v, want %d bytes", dst, err, res.Bytes)
			}
			// Every frame keeps its own timestamp, moved by ChunkOffset.
			want := make([]int64, len(inPTS))
			for i, v := range inPTS {
				want[i] = v + ticks(ChunkOffset)
			}
			if got := ptsOf(t, dst); !slices.Equal(got, want) {
				t.Errorf("output timestamps are not the input's + ChunkOffset:\n got %v\nwant %v", head(got), head(want))
			}
			if got := maxStep(ptsOf(t, dst)); tt.gap != 0 && (got != ticks(tt.gap) || res.Info.MaxStep != tt.gap) {
				t.Errorf("longest step %d ticks, probed %v, want %v", got, res.Info.MaxStep, tt.gap)
			}
			if first := time.Duration(inPTS[0]) * time.Second / 90000; res.Info.FirstPTS != first+ChunkOffset {
				t.Errorf("first pts %v, want %v", res.Info.FirstPTS, first+ChunkOffset)
			}
			span := res.Info.LastPTS - res.Info.FirstPTS + 40*time.Millisecond
			if d := res.Info.Duration - span; d < -40*time.Millisecond || d > 40*time.Millisecond {
				t.Errorf("duration %v, timestamps span %v", res.Info.Duration, span)
			}
			if len(reports) == 0 || !reports[len(reports)-1].Done || reports[len(reports)-1].Frames != res.Frames {
				t.Errorf("progress reports %+v end without the result's frames", reports)
			}
			if names := testfs.Names(t, dir); slices.ContainsFunc(names, isPartial) {
				t.Errorf("left %v", names)
			}
		})
	}
}

func TestEncodeChunkGapTooLong(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	in := concatFiles(t, dir, makeInput(t, dir, input{frames: 25}),
		makeInput(t, dir, input{frames: 25, start: time.Second + MaxGap}))
	dst := filepath.Join(dir, "chunk.ts")
	if _, err := encodeFile(t, fast, in, dst, nil); !errors.Is(err, ErrGapTooLong) {
		t.Fatalf("EncodeChunk = %v, want ErrGapTooLong", err)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Error("dst exists")
	}
}

func TestEncodeChunkBackwards(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	in := concatFiles(t, dir, makeInput(t, dir, input{frames: 50}), makeInput(t, dir, input{frames: 50, start: time.Second}))
	dst := filepath.Join(dir, "chunk.ts")
	if _, err := encodeFile(t, fast, in, dst, nil); !errors.Is(err, ErrTimestamps) {
		t.Fatalf("EncodeChunk = %v, want ErrTimestamps", err)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Error("dst exists")
	}
}

func isPartial(name string) bool { return strings.HasSuffix(name, PartialSuffix) }

// maxStep returns the longest step between sorted timestamps.
func maxStep(pts []int64) int64 {
	var step int64
	for i := 1; i < len(pts); i++ {
		step = max(step, pts[i]-pts[i-1])
	}
	return step
}

func head(pts []int64) []int64 { return pts[:min(len(pts), 8)] }

// TestEncodeChunkFails runs fake ffmpegs that fail in different ways.
func TestEncodeChunkFails(t *testing.T) {
	needFFmpeg(t)
	ref := t.TempDir()
	refIn := makeInput(t, ref, input{frames: 50})
	hevc := filepath.Join(ref, "hevc.ts")
	if _, err := encodeFile(t, fast, refIn, hevc, nil); err != nil {
		t.Fatal(err)
	}
	// The fakes read all input, then write to the output named by the
	// last argument (file:<path>), then report progress.
	const writeOut = `cat >/dev/null; for a; do out=${a#file:}; done` + "\n"
	const report = `printf 'frame=%s\nout_time_us=2000000\ndup_frames=%s\ndrop_frames=0\nprogress=end\n'`
	tests := []struct {
		name   string
		script string
		stall  time.Duration
		want   error    // errors.Is
		stderr []string // if not nil, the *FFmpegError's Stderr
	}{
		{
			name:   "exits 1",
			script: "echo 'pipe:0: Invalid data found' >&2\necho 'Conversion failed!' >&2\nexit 1\n",
			stderr: []string{"pipe:0: Invalid data found", "Conversion failed!"},
		},
		{name: "hangs", script: "sleep 1000 & echo $$ $! > " + ref + "/pids\nwait\n", stall: 300 * time.Millisecond, want: ErrStalled},
		{
			name:   "reports without advancing",
			script: "while :; do " + report + " 3 0 | sed s/end/continue/; sleep 0.05; done\n",
			stall:  300 * time.Millisecond, want: ErrStalled,
		},
		{name: "writes garbage", script: writeOut + `echo 'not a video' > "$out"; ` + report + " 50 0\n"},
		{name: "miscounts frames", script: writeOut + `cp ` + hevc + ` "$out"; ` + report + " 999 0\n", want: ErrFrameMismatch},
		{name: "repeats frames", script: writeOut + `cp ` + hevc + ` "$out"; ` + report + " 50 3\n", want: ErrFrameMismatch},
		{name: "exits 0 without report", script: writeOut + `cp ` + hevc + ` "$out"` + "\n"},
		{name: "stops reading input", script: "head -c 10 >/dev/null; exit 0\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := fast
			s.FFmpeg = fakeFFmpeg(t, dir, tt.script)
			s.StallTimeout = tt.stall
			dst := filepath.Join(dir, "chunk.ts")
			_, err := encodeFile(t, s, refIn, dst, nil)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("EncodeChunk = %v, want %v", err, tt.want)
			}
			t.Log(err)
			var ferr *FFmpegError
			if tt.stderr != nil && (!errors.As(err, &ferr) || !slices.Equal(ferr.Stderr, tt.stderr)) {
				t.Errorf("want an *FFmpegError with stderr %q", tt.stderr)
			}
			if names := testfs.Names(t, dir); !slices.Equal(names, []string{"ffmpeg"}) {
				t.Errorf("left %v", names)
			}
			if procs := processesMentioning(t, dir); len(procs) > 0 {
				t.Errorf("left running: %q", procs)
			}
		})
	}
	// The hanging fake's child, sleep, died with it.
	pids, err := os.ReadFile(filepath.Join(ref, "pids"))
	if err != nil {
		t.Fatal(err)
	}
	for pid := range strings.FieldsSeq(string(pids)) {
		if stat, err := os.ReadFile("/proc/" + pid + "/stat"); err == nil && !isZombie(string(stat)) {
			t.Errorf("process %s still runs: %s", pid, stat)
		}
	}
}

// cancelAfter passes on r's first n bytes, then cancels and reports the
// context's error, as a caller whose context ends mid-encode.
type cancelAfter struct {
	r      io.Reader
	n      int
	cancel context.CancelFunc
	ctx    context.Context
}

func (c *cancelAfter) Read(p []byte) (int, error) {
	if c.n <= 0 {
		c.cancel()
		<-c.ctx.Done()
		return 0, c.ctx.Err()
	}
	n, err := c.r.Read(p[:min(len(p), c.n)])
	c.n -= n
	return n, err
}

func TestEncodeChunkCancel(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	in := makeInput(t, dir, input{frames: 500})
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	src := &cancelAfter{r: f, n: int(fi.Size() / 2), cancel: cancel, ctx: ctx}
	dst := filepath.Join(dir, "chunk.ts")

	_, err = EncodeChunk(ctx, fast, src, dst, nil)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("EncodeChunk = %v, want context.Canceled", err)
	}
	if names := testfs.Names(t, dir); !slices.Equal(names, []string{filepath.Base(in)}) {
		t.Errorf("left %v", names)
	}
	if procs := processesMentioning(t, dir); len(procs) > 0 {
		t.Errorf("left running: %q", procs)
	}
}

// failingReader fails after its data, as a concat writer that hits a bad file.
type failingReader struct{ r io.Reader }

func (f failingReader) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err == io.EOF {
		return n, errors.New("disk on fire")
	}
	return n, err
}

func TestEncodeChunkInputFails(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	in := makeInput(t, dir, input{frames: 50})
	f, err := os.Open(in)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// ffmpeg must not take the failure for the end of input and write a
	// shorter chunk.
	_, err = EncodeChunk(t.Context(), fast, failingReader{f}, filepath.Join(dir, "chunk.ts"), nil)
	if err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Fatalf("EncodeChunk = %v, want the input's error", err)
	}
	if names := testfs.Names(t, dir); !slices.Equal(names, []string{filepath.Base(in)}) {
		t.Errorf("left %v", names)
	}
}

func TestEncodeChunkNice(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	// The fake reads its input first: by then it has been reniced.
	s := Settings{FFmpeg: fakeFFmpeg(t, dir, "cat >/dev/null; nice >&2; exit 1\n"), Nice: 7}
	_, err := EncodeChunk(t.Context(), s, strings.NewReader("x"), filepath.Join(dir, "chunk.ts"), nil)
	var ferr *FFmpegError
	if !errors.As(err, &ferr) || !slices.Equal(ferr.Stderr, []string{"7"}) {
		t.Fatalf("EncodeChunk = %v, want the fake's niceness 7 on stderr", err)
	}
}

func BenchmarkEncodeChunk(b *testing.B) {
	needFFmpeg(b)
	dir := b.TempDir()
	in := makeInput(b, dir, input{frames: 250})
	dst := filepath.Join(dir, "chunk.ts")
	for b.Loop() {
		if _, err := encodeFile(b, fast, in, dst, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(10*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
