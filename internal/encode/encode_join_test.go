package encode

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/testfs"
)

func TestJoin(t *testing.T) {
	needFFmpeg(t)
	// A camera's first frame is never on a whole second, and .987 would
	// round up: the mp4 must hold the second it started in.
	created := time.Date(2026, 3, 1, 23, 0, 0, 987654321, time.FixedZone("CET", 3600))
	tests := []struct {
		name   string
		chunks [][]input // each chunk's input, concatenated byte by byte
		// gap is the longest step between frames the mp4 must show.
		gap time.Duration
	}{
		{name: "one clean 20 s chunk", chunks: [][]input{{{frames: 500}}}, gap: 40 * time.Millisecond},
		{
			name:   "two chunks back to back",
			chunks: [][]input{{{frames: 250}}, {{frames: 250, start: 10 * time.Second}}},
			gap:    40 * time.Millisecond,
		},
		{
			name:   "30 s gap between chunks",
			chunks: [][]input{{{frames: 100}}, {{frames: 100, start: 34 * time.Second}}},
			gap:    30*time.Second + 40*time.Millisecond,
		},
		{
			name:   "30 s gap in a chunk",
			chunks: [][]input{{{frames: 100}, {frames: 100, start: 34 * time.Second}}, {{frames: 50, start: 38 * time.Second}}},
			gap:    30*time.Second + 40*time.Millisecond,
		},
		{
			name:   "longest gap in a chunk",
			chunks: [][]input{{{frames: 100}, {frames: 100, start: 4*time.Second - 40*time.Millisecond + MaxGap}}},
			gap:    MaxGap,
		},
		{
			name:   "25 h gap between chunks",
			chunks: [][]input{{{frames: 100}}, {{frames: 100, start: 25*time.Hour + 4*time.Second}}},
			gap:    25*time.Hour + 40*time.Millisecond,
		},
		{
			name:   "jitter, starting late",
			chunks: [][]input{{{frames: 100, start: 7 * time.Hour, jitter: true}}, {{frames: 100, start: 7*time.Hour + 4*time.Second, jitter: true}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			chunks, inPTS, frames := encodeChunks(t, dir, tt.chunks)
			dst := filepath.Join(dir, "video.mp4")
			if err := Join(t.Context(), fast, chunks, dst, created); err != nil {
				t.Fatal(err)
			}
			checkJoined(t, dst, inPTS, frames, tt.gap, created)
		})
	}
}

// encodeChunks encodes each chunk's inputs, concatenated, into a chunk
// file and returns the chunks, the inputs' timestamps and the frames
// encoded.
func encodeChunks(t *testing.T, dir string, inputs [][]input) (chunks []string, inPTS []int64, frames int64) {
	t.Helper()
	for i, parts := range inputs {
		var files []string
		for _, p := range parts {
			files = append(files, makeInput(t, dir, p))
		}
		in := concatFiles(t, dir, files...)
		inPTS = append(inPTS, ptsOf(t, in)...)
		chunk := filepath.Join(dir, "chunk"+string(rune('a'+i))+".ts")
		res, err := encodeFile(t, fast, in, chunk, nil)
		if err != nil {
			t.Fatal(err)
		}
		chunks, frames = append(chunks, chunk), frames+res.Frames
	}
	return chunks, inPTS, frames
}

// checkJoined checks the mp4 Join made of chunks encoded from frames
// stamped inPTS: HEVC, every frame there and decodable, the creation
// time, each frame's distance from the first, the longest gap (unless
// 0) and the duration.
func checkJoined(t *testing.T, dst string, inPTS []int64, frames int64, gap time.Duration, created time.Time) {
	t.Helper()
	info, err := Probe(t.Context(), fast, dst)
	if err != nil {
		t.Fatal(err)
	}
	if info.Codec != "hevc" || info.CodecTag != "hvc1" {
		t.Errorf("codec %s/%s, want hevc/hvc1", info.Codec, info.CodecTag)
	}
	if n := int64(len(inPTS)); info.Frames != n || frames != n {
		t.Errorf("frames: mp4 %d, chunks %d, input %d", info.Frames, frames, n)
	}
	if n := decodedFrames(t, dst); n != info.Frames {
		t.Errorf("decoded %d frames, want %d", n, info.Frames)
	}
	if want := time.Date(2026, 3, 1, 22, 0, 0, 0, time.UTC); !info.CreationTime.Equal(want) || !MP4Time(created).Equal(want) {
		t.Errorf("creation time %v (MP4Time %v), want %v", info.CreationTime, MP4Time(created), want)
	}
	// Frames keep their distance from the first, to 1/22500 s.
	got := ptsOf(t, dst)
	slices.Sort(inPTS)
	for i := range min(len(got), len(inPTS)) {
		want := (inPTS[i] - inPTS[0] + 2) / 4
		if d := got[i] - want; d < -1 || d > 1 {
			t.Fatalf("frame %d at %d/22500 s, want %d (input %d/90000 s)", i, got[i], want, inPTS[i])
		}
	}
	if gap != 0 && (maxStep(got) != int64(gap*mp4Timescale/time.Second) || info.MaxStep != gap) {
		t.Errorf("longest step %d/22500 s, probed %v, want %v", maxStep(got), info.MaxStep, gap)
	}
	span := time.Duration(inPTS[len(inPTS)-1]-inPTS[0])*time.Second/90000 + 40*time.Millisecond
	if d := info.Duration - span; d < -time.Millisecond || d > time.Millisecond {
		t.Errorf("duration %v, want %v", info.Duration, span)
	}
	if info.FirstPTS != 0 {
		t.Errorf("first pts %v, want 0", info.FirstPTS)
	}
}

func TestJoinFails(t *testing.T) {
	needFFmpeg(t)
	ref := t.TempDir()
	chunk := filepath.Join(ref, "chunk.ts")
	if _, err := encodeFile(t, fast, makeInput(t, ref, input{frames: 50}), chunk, nil); err != nil {
		t.Fatal(err)
	}
	later := filepath.Join(ref, "later.ts")
	if _, err := encodeFile(t, fast, makeInput(t, ref, input{frames: 50, start: time.Minute}), later, nil); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(ref, "garbage.ts")
	if err := os.WriteFile(garbage, bytes.Repeat([]byte("not a video "), 188), 0o644); err != nil {
		t.Fatal(err)
	}
	failing := fakeFFmpeg(t, ref, "echo 'mp4: disk full' >&2; exit 1\n")
	tests := []struct {
		name   string
		chunks []string
		when   time.Time
		ffmpeg string
		want   error
	}{
		{name: "ffmpeg fails", chunks: []string{chunk}, when: time.Now(), ffmpeg: failing},
		{name: "no chunks", when: time.Now()},
		{name: "out of order", chunks: []string{later, chunk}, when: time.Now(), want: ErrTimestamps},
		{name: "twice", chunks: []string{chunk, chunk}, when: time.Now(), want: ErrTimestamps},
		{name: "no creation time", chunks: []string{chunk}},
		{name: "missing chunk", chunks: []string{chunk, filepath.Join(ref, "missing.ts")}, when: time.Now()},
		{name: "garbage chunk", chunks: []string{chunk, garbage}, when: time.Now()},
		{name: "only garbage", chunks: []string{garbage}, when: time.Now()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := fast
			s.FFmpeg = tt.ffmpeg
			err := Join(t.Context(), s, tt.chunks, filepath.Join(dir, "video.mp4"), tt.when)
			if err == nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Join = %v, want %v", err, tt.want)
			}
			t.Log(err)
			if names := testfs.Names(t, dir); len(names) > 0 {
				t.Errorf("left %v", names)
			}
		})
	}
}

// tsPkt is a test MPEG-TS packet's header.
type tsPkt struct {
	pid     int
	cc      byte
	payload bool
}

func (p tsPkt) bytes() []byte {
	b := make([]byte, tsPacket)
	b[0], b[1], b[2] = 0x47, byte(p.pid>>8), byte(p.pid)
	b[3] = p.cc
	if p.payload {
		b[3] |= 0x10
	} else {
		b[3] |= 0x20
	}
	return b
}

func TestChunkReaderRenumbers(t *testing.T) {
	tests := []struct {
		name   string
		chunks [][]tsPkt
		want   []byte // the counters that come out
	}{
		{
			name:   "counters run on",
			chunks: [][]tsPkt{{{0, 0, true}, {0x100, 14, true}, {0x100, 15, true}}, {{0, 0, true}, {0x100, 0, true}, {0x100, 1, true}}},
			want:   []byte{0, 14, 15, 1, 0, 1},
		},
		{
			name:   "packets without payload repeat the counter",
			chunks: [][]tsPkt{{{0x100, 3, true}}, {{0x100, 0, false}, {0x100, 1, true}}},
			want:   []byte{3, 3, 4},
		},
		{
			name:   "a new PID keeps its counter",
			chunks: [][]tsPkt{{{0x100, 5, true}}, {{0x101, 9, true}, {0x100, 0, true}}},
			want:   []byte{5, 9, 6},
		},
		{
			name:   "a break inside a chunk stays",
			chunks: [][]tsPkt{{{0x100, 5, true}}, {{0x100, 0, true}, {0x100, 7, true}}},
			want:   []byte{5, 6, 13},
		},
		{
			name:   "null packets are left alone",
			chunks: [][]tsPkt{{{0x1fff, 3, true}}, {{0x1fff, 3, true}}},
			want:   []byte{3, 3},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			var paths []string
			for i, pkts := range tt.chunks {
				var b []byte
				for _, p := range pkts {
					b = append(b, p.bytes()...)
				}
				paths = append(paths, filepath.Join(dir, string(rune('a'+i))))
				if err := os.WriteFile(paths[i], b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			out, err := io.ReadAll(&chunkReader{paths: paths})
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			for ; len(out) >= tsPacket; out = out[tsPacket:] {
				got = append(got, out[3]&0x0f)
			}
			if !bytes.Equal(got, tt.want) {
				t.Errorf("counters %v, want %v", got, tt.want)
			}
		})
	}
}

func TestChunkReaderRejects(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	unsynced := filepath.Join(dir, "unsynced")
	if err := os.WriteFile(short, make([]byte, tsPacket+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(unsynced, make([]byte, tsPacket), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{short, unsynced, filepath.Join(dir, "missing")} {
		if _, err := io.ReadAll(&chunkReader{paths: []string{path}}); err == nil {
			t.Errorf("%s: read without error", filepath.Base(path))
		}
	}
}

// TestChunkReaderClean shows why chunks are renumbered: their bytes simply
// put together make ffmpeg flag a corrupt packet at each join.
func TestChunkReaderClean(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	var chunks []string
	for i, start := range []time.Duration{0, 2 * time.Second} {
		chunk := filepath.Join(dir, string(rune('a'+i))+".ts")
		if _, err := encodeFile(t, fast, makeInput(t, dir, input{frames: 50, start: start}), chunk, nil); err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, chunk)
	}
	copyWarnings := func(r io.Reader) string {
		var stderr bytes.Buffer
		cmd := exec.Command("ffmpeg", "-v", "warning", "-f", "mpegts", "-i", "pipe:0", "-c", "copy", "-f", "null", "-")
		cmd.Stdin, cmd.Stderr = r, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, stderr.String())
		}
		return stderr.String()
	}
	f := concatFiles(t, dir, chunks...)
	raw, err := os.Open(f)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if w := copyWarnings(raw); !bytes.Contains([]byte(w), []byte("corrupt")) {
		t.Errorf("plain concatenation: no corrupt packet reported (%q); the test no longer shows anything", w)
	}
	if w := copyWarnings(&chunkReader{paths: chunks}); w != "" {
		t.Errorf("renumbered: %s", w)
	}
}

func TestJoinKeepsOldDst(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	dst := filepath.Join(dir, "video.mp4")
	if err := os.WriteFile(dst, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	err := Join(t.Context(), fast, []string{filepath.Join(dir, "missing.ts")}, dst, time.Now())
	if err == nil {
		t.Fatal("Join succeeded")
	}
	if b, err := os.ReadFile(dst); err != nil || string(b) != "old" {
		t.Errorf("dst now %q, %v", b, err)
	}
	if names := testfs.Names(t, dir); !slices.Equal(names, []string{"video.mp4"}) {
		t.Errorf("left %v", names)
	}
	var ferr *FFmpegError
	if errors.As(err, &ferr) {
		t.Logf("%v", ferr.Stderr)
	}
}
