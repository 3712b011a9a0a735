package encode

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fast are the settings tests encode with.
var fast = Settings{Preset: "ultrafast", CRF: 30}

// needFFmpeg skips a test that runs the real ffmpeg under -short.
func needFFmpeg(t testing.TB) {
	t.Helper()
	if testing.Short() {
		t.Skip("-short: runs ffmpeg")
	}
}

// input describes a test input: H.264 in MPEG-TS, like a Pi camera's, made
// by ffmpeg.
type input struct {
	frames int // at 25 fps
	// start is the first frame's timestamp.
	start time.Duration
	// jitter moves frames off the 25 fps grid by a few 90 kHz ticks.
	jitter bool
}

// makeInput writes in to a new file in dir and returns its path.
func makeInput(t testing.TB, dir string, in input) string {
	t.Helper()
	f, err := os.CreateTemp(dir, "in-*.ts")
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-frames:v", strconv.Itoa(in.frames),
		"-c:v", "libx264", "-preset", "ultrafast", "-g", "50", "-bf", "0", "-pix_fmt", "yuv420p",
		"-muxdelay", "0", "-muxpreload", "0", "-output_ts_offset", seconds(in.start)}
	if in.jitter {
		args = append(args, "-bsf:v", `setts=ts=TS+mod(N\,7)*97`)
	}
	runCmd(t, "ffmpeg", append(args, "-f", "mpegts", f.Name())...)
	return f.Name()
}

// concatFiles writes the files' bytes one after the other to a new file.
func concatFiles(t testing.TB, dir string, paths ...string) string {
	t.Helper()
	var all []byte
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, b...)
	}
	f, err := os.CreateTemp(dir, "cat-*.ts")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(all); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}

// ptsOf lists the presentation timestamps of path's video frames in the
// stream's time base, sorted, as ffprobe sees them; it is independent of Probe.
func ptsOf(t testing.TB, path string) []int64 {
	t.Helper()
	out := runCmd(t, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pts", "-of", "csv=p=0", path)
	var pts []int64
	for f := range strings.FieldsSeq(strings.ReplaceAll(out, ",", " ")) {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("pts of %s: %v", path, err)
		}
		pts = append(pts, v)
	}
	slices.Sort(pts)
	return pts
}

// decodedFrames decodes path's video and counts the frames, failing on any decoding error.
func decodedFrames(t testing.TB, path string) int64 {
	t.Helper()
	out := runCmd(t, "ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path)
	n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(out), ","), 10, 64)
	if err != nil {
		t.Fatalf("decoded frames of %s: %v", path, err)
	}
	return n
}

func runCmd(t testing.TB, name string, args ...string) string {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	if stderr.Len() > 0 {
		t.Fatalf("%s %s: %s", name, strings.Join(args, " "), stderr.String())
	}
	return stdout.String()
}

// fakeFFmpeg writes a shell script named ffmpeg into dir and returns its path.
func fakeFFmpeg(t testing.TB, dir, script string) string {
	t.Helper()
	path := filepath.Join(dir, "ffmpeg")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// processesMentioning lists the live processes whose command line contains s.
func processesMentioning(t testing.TB, s string) []string {
	t.Helper()
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, d := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(d, "cmdline"))
		if err != nil || !bytes.Contains(cmdline, []byte(s)) {
			continue
		}
		if stat, err := os.ReadFile(filepath.Join(d, "stat")); err == nil && !isZombie(string(stat)) {
			found = append(found, string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	return found
}

// isZombie reads the state from a /proc/<pid>/stat line.
func isZombie(stat string) bool {
	i := strings.LastIndexByte(stat, ')')
	return i >= 0 && strings.HasPrefix(stat[i+1:], " Z")
}

func TestCheck(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	noX265 := fakeFFmpeg(t, dir, `echo "Encoders:"
echo " V....D libx264              libx264 H.264 / AVC / MPEG-4 AVC / MPEG-4 part 10 (codec h264)"
echo " V....D libx265x             not the one"
`)
	tests := []struct {
		name string
		s    Settings
		want error
	}{
		{name: "installed", s: Settings{}},
		{name: "no ffmpeg", s: Settings{FFmpeg: filepath.Join(dir, "missing")}, want: ErrFFmpegMissing},
		{name: "ffmpeg not in PATH", s: Settings{FFmpeg: "cctvd-no-such-ffmpeg"}, want: ErrFFmpegMissing},
		{name: "no ffprobe", s: Settings{FFprobe: filepath.Join(dir, "missing")}, want: ErrFFmpegMissing},
		{name: "no libx265", s: Settings{FFmpeg: noX265}, want: ErrNoX265},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Check(t.Context(), tt.s)
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Check = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestCheckFailingFFmpeg(t *testing.T) {
	needFFmpeg(t)
	bin := fakeFFmpeg(t, t.TempDir(), "echo 'libavutil.so.57: cannot open shared object file' >&2\nexit 127\n")
	err := Check(context.Background(), Settings{FFmpeg: bin})
	var ferr *FFmpegError
	if !errors.As(err, &ferr) || !slices.Equal(ferr.Stderr, []string{"libavutil.so.57: cannot open shared object file"}) {
		t.Fatalf("Check = %v, want an *FFmpegError with the stderr line", err)
	}
}

func TestSettingsInvalid(t *testing.T) {
	tests := []struct {
		name string
		s    Settings
	}{
		{name: "preset", s: Settings{Preset: "quick"}},
		{name: "crf", s: Settings{CRF: 52}},
		{name: "nice", s: Settings{Nice: 20}},
		{name: "stall timeout", s: Settings{StallTimeout: -time.Second}},
		{name: "x265 params", s: Settings{X265Params: "nr-inter=400 bframes=0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := EncodeChunk(t.Context(), tt.s, strings.NewReader(""), filepath.Join(t.TempDir(), "x.ts"), nil); err == nil {
				t.Fatal("EncodeChunk accepted invalid settings")
			}
		})
	}
}

func writeFile(t testing.TB, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCheckOnce: a pair of ffmpeg and ffprobe that passed is not run
// again, as every camera's archiver checks at start-up; one that failed
// is, so that an installed ffmpeg is seen.
func TestCheckOnce(t *testing.T) {
	needFFmpeg(t)
	real, err := exec.LookPath("ffmpeg")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	bin := fakeFFmpeg(t, dir, "echo run >> "+runs+"\nexec "+real+` "$@"`+"\n")
	for range 3 {
		if err := Check(t.Context(), Settings{FFmpeg: bin}); err != nil {
			t.Fatal(err)
		}
	}
	if b, _ := os.ReadFile(runs); strings.Count(string(b), "run") != 1 {
		t.Errorf("ffmpeg ran %d times for 3 checks, want 1", strings.Count(string(b), "run"))
	}
	missing := Settings{FFmpeg: filepath.Join(dir, "later")}
	if err := Check(t.Context(), missing); !errors.Is(err, ErrFFmpegMissing) {
		t.Fatalf("Check = %v, want %v", err, ErrFFmpegMissing)
	}
	if err := os.Symlink(real, missing.FFmpeg); err != nil {
		t.Fatal(err)
	}
	if err := Check(t.Context(), missing); err != nil {
		t.Errorf("Check after ffmpeg was installed = %v, want nil", err)
	}
}
