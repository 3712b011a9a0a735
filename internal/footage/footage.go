// Package footage makes camera-like MPEG-TS segments with ffmpeg, for tests, benchmarks and the demo.
package footage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// SegmentDuration is how long a Pi camera's segments are.
const SegmentDuration = 10 * time.Second

// Profile is what the camera films.
type Profile struct {
	Width, Height int
	FPS           int
	// Bitrate such as "2M"; empty means constant quality (small files, fast tests).
	Bitrate string
	// CCTV draws a static textured scene with a small moving object and a
	// clock overlay, the way a fixed camera sees a quiet room.
	CCTV bool
	// Noise adds temporal sensor noise (CCTV only). The same profile without
	// noise renders the clean reference for quality measurements.
	Noise bool
}

// Small is the default profile: tiny and fast, for tests.
var Small = Profile{Width: 320, Height: 240, FPS: 25}

// CCTV is the benchmark profile: 720p25 at ~2 Mbit/s of a noisy, mostly static scene.
var CCTV = Profile{Width: 1280, Height: 720, FPS: 25, Bitrate: "2M", CCTV: true, Noise: true}

// Run is one camera run: one ffmpeg process whose timestamps run on across
// its segments. A second Run into the same folder is a camera restart.
type Run struct {
	Dir     string
	Profile Profile
	// Segments is how many 10-second segments to write.
	Segments int
	// First is the number in the first segment's name (seg<First>.ts).
	First int
	// Prefix of segment names; default "seg".
	Prefix string
	// Pad zero-pads numbers in names to 5 digits (seg00001.ts).
	Pad bool
	// Start is the wall-clock time the run starts: it sets file mtimes
	// (each segment's mtime is its end, as after an upload) and the overlay
	// clock. Zero means no mtimes are set.
	Start time.Time
	// TimestampOffset shifts the stream's PTS/DTS, e.g. to just before the
	// 33-bit wrap at 2^33/90 kHz ≈ 26.5 h.
	TimestampOffset time.Duration
	// Realtime films at the speed of a real camera (ffmpeg -re), for the demo.
	Realtime bool
	// FFmpeg is the binary; default "ffmpeg".
	FFmpeg string
}

// Record writes the run's segments and returns their names in order.
func Record(ctx context.Context, r Run) ([]string, error) {
	if r.Segments <= 0 {
		return nil, errors.New("record footage: no segments asked for")
	}
	if r.Profile.FPS == 0 {
		r.Profile = Small
	}
	if r.Prefix == "" {
		r.Prefix = "seg"
	}
	bin := r.FFmpeg
	if bin == "" {
		bin = "ffmpeg"
	}
	pattern := r.Prefix + "%d.ts"
	if r.Pad {
		pattern = r.Prefix + "%05d.ts"
	}
	args := []string{"-hide_banner", "-nostdin", "-loglevel", "error"}
	if r.Realtime {
		args = append(args, "-re")
	}
	args = append(args, "-f", "lavfi", "-i", source(r))
	args = append(args, encoderArgs(r.Profile)...)
	args = append(args,
		"-t", strconv.Itoa(r.Segments*int(SegmentDuration/time.Second)),
		"-f", "segment", "-segment_time", strconv.Itoa(int(SegmentDuration/time.Second)),
		"-segment_format", "mpegts", "-segment_start_number", strconv.Itoa(r.First),
	)
	if r.TimestampOffset != 0 {
		args = append(args, "-initial_offset", strconv.FormatFloat(r.TimestampOffset.Seconds(), 'f', 3, 64))
	}
	args = append(args, filepath.Join(r.Dir, pattern))
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("record footage: ffmpeg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	names := make([]string, r.Segments)
	for i := range names {
		names[i] = fmt.Sprintf(pattern, r.First+i)
		if r.Start.IsZero() {
			continue
		}
		end := r.Start.Add(time.Duration(i+1) * SegmentDuration)
		if err := os.Chtimes(filepath.Join(r.Dir, names[i]), end, end); err != nil {
			return nil, fmt.Errorf("record footage: %w", err)
		}
	}
	return names, nil
}

// source is the lavfi graph that plays the camera's scene.
func source(r Run) string {
	p := r.Profile
	size := fmt.Sprintf("%dx%d", p.Width, p.Height)
	start := r.Start
	if start.IsZero() {
		start = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	}
	if !p.CCTV {
		// The run's first number is burnt in so that a restarted camera
		// never films byte for byte what it filmed before.
		return fmt.Sprintf("testsrc2=size=%s:rate=%d,drawtext=text='run %d %%{pts\\:gmtime\\:%d}':x=4:y=4:fontsize=%d:fontcolor=white",
			size, p.FPS, r.First, start.Unix(), max(p.Height/16, 8))
	}
	// One Mandelbrot frame held still is a detailed, static background;
	// a small box crosses it and a clock is burnt in, as CCTV shows.
	g := fmt.Sprintf("mandelbrot=size=%s:rate=%d:maxiter=64,loop=loop=-1:size=1,format=yuv420p[bg];"+
		"color=c=0xC03020:size=%dx%d:rate=%d[obj];"+
		"[bg][obj]overlay=x='mod(t*%d,W)':y='H/2+H/6*sin(t/3)':shortest=0",
		size, p.FPS, p.Width/20, p.Width/20, p.FPS, p.Width/8)
	if p.Noise {
		g += ",noise=alls=10:allf=t"
	}
	g += fmt.Sprintf(",drawtext=text='%%{pts\\:gmtime\\:%d}':x=16:y=16:fontsize=%d:fontcolor=white:box=1:boxcolor=black@0.5",
		start.Unix(), p.Height/24)
	return g
}

// encoderArgs make a Pi camera's stream: H.264, a keyframe every 2 s, no B-frames.
func encoderArgs(p Profile) []string {
	gop := strconv.Itoa(2 * p.FPS)
	args := []string{"-c:v", "libx264", "-pix_fmt", "yuv420p", "-bf", "0",
		"-g", gop, "-keyint_min", gop, "-sc_threshold", "0",
		"-force_key_frames", "expr:gte(t,n_forced*2)"}
	if p.Bitrate == "" {
		return append(args, "-preset", "ultrafast", "-crf", "30")
	}
	return append(args, "-preset", "veryfast", "-b:v", p.Bitrate, "-maxrate", p.Bitrate, "-bufsize", p.Bitrate)
}
