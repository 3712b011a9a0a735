package archive

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
)

// plan2 is two 10-s segments of 25 fps with a 30-s gap between them.
func plan2() *Plan {
	seg := func(name string, shift int64) ts.Segment {
		return ts.Segment{Name: name, Shift: shift, Report: ts.Report{FirstPTS: 0, LastPTS: 249 * 3600, FirstDTS: 0,
			LastDTS: 249 * 3600, FrameTicks: 3600, Frames: 250, StartsWithKeyframe: true}}
	}
	return &Plan{Plan: ts.Plan{Segments: []ts.Segment{seg("a.ts", 0), seg("b.ts", 40*ts.Clock)}}}
}

func TestCheckArchive(t *testing.T) {
	// A real camera's first frame is never on a whole second; the mp4 holds
	// whole seconds (field bug: every real day failed verification).
	start := time.Date(2026, 11, 20, 8, 0, 0, 153192286, time.UTC)
	good := encode.Info{Codec: "hevc", CodecTag: "hvc1", Frames: 500, FirstPTS: 0,
		LastPTS: 49*time.Second + 960*time.Millisecond, CreationTime: start.Truncate(time.Second)}
	tests := []struct {
		name   string
		change func(*encode.Info)
		ok     bool
	}{
		{name: "good", change: func(*encode.Info) {}, ok: true},
		{name: "a frame late", change: func(i *encode.Info) { i.LastPTS += 40 * time.Millisecond }, ok: true},
		{name: "h264", change: func(i *encode.Info) { i.Codec = "h264" }},
		{name: "hev1 tag", change: func(i *encode.Info) { i.CodecTag = "hev1" }},
		{name: "a frame dropped", change: func(i *encode.Info) { i.Frames-- }},
		{name: "a frame repeated", change: func(i *encode.Info) { i.Frames++ }},
		{name: "gap closed", change: func(i *encode.Info) { i.LastPTS -= 30 * time.Second }},
		{name: "three frames long", change: func(i *encode.Info) { i.LastPTS += 120 * time.Millisecond }},
		{name: "no creation time", change: func(i *encode.Info) { i.CreationTime = time.Time{} }},
		{name: "creation time a second late", change: func(i *encode.Info) { i.CreationTime = i.CreationTime.Add(time.Second) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			info := good
			tt.change(&info)
			err := checkArchive(info, plan2(), start)
			if tt.ok != (err == nil) || err != nil && !errors.Is(err, ErrVerify) {
				t.Errorf("checkArchive = %v, want ok %v", err, tt.ok)
			}
		})
	}
}

func TestNextOutput(t *testing.T) {
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{name: "empty", want: "video.mp4"},
		{name: "segments only", files: []string{"seg1.ts", "videos.mp4", "video-x.mp4"}, want: "video.mp4"},
		{name: "archived", files: []string{"video.mp4", "video.mp4.sha512sum"}, want: "video-2.mp4"},
		{name: "orphan checksum", files: []string{"video.mp4.sha512sum"}, want: "video-2.mp4"},
		{name: "set aside", files: []string{"video.mp4.unverified"}, want: "video-2.mp4"},
		{name: "third", files: []string{"video.mp4", "video-2.mp4"}, want: "video-3.mp4"},
		{name: "hidden temp ignored", files: []string{tempVideo("video.mp4")}, want: "video.mp4"},
		{name: "not a number", files: []string{"video-1.mp4", "video-02x.mp4"}, want: "video.mp4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var files []ts.File
			for _, n := range tt.files {
				files = append(files, ts.File{Name: n})
			}
			if got := nextOutput(files); got != tt.want {
				t.Errorf("nextOutput(%v) = %s, want %s", tt.files, got, tt.want)
			}
		})
	}
}

func TestParseChecksum(t *testing.T) {
	sum := strings.Repeat("ab", 64)
	tests := []struct {
		name, in, want string
	}{
		{name: "sha512sum", in: sum + "  video.mp4\n", want: sum},
		{name: "binary mark", in: sum + " *video.mp4\n", want: sum},
		{name: "upper case", in: strings.ToUpper(sum) + "  video.mp4\n", want: sum},
		{name: "other file", in: sum + "  video-2.mp4\n"},
		{name: "short", in: sum[:100] + "  video.mp4\n"},
		{name: "two lines", in: sum + "  video.mp4\n" + sum + "  video.mp4\n"},
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseChecksum([]byte(tt.in), "video.mp4")
			if got != tt.want || (err == nil) != (tt.want != "") {
				t.Errorf("parseChecksum = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
	if got := string(checksumLine(sum, "video.mp4")); got != sum+"  video.mp4\n" {
		t.Errorf("checksumLine = %q", got)
	}
}

func TestSplitChunks(t *testing.T) {
	kf := func(ok bool) ts.Segment {
		return ts.Segment{Report: ts.Report{Frames: 250, FrameTicks: 3600, LastPTS: 249 * 3600, StartsWithKeyframe: ok}}
	}
	// disc marks s as following a gap of the given length on the timeline;
	// segments are placed back to back by their Shift.
	disc := func(s ts.Segment, gap time.Duration) ts.Segment {
		s.Discontinuity = true
		s.Shift = int64(gap / time.Second * ts.Clock)
		return s
	}
	tests := []struct {
		name   string
		segs   []ts.Segment
		n      int
		counts []int
	}{
		{name: "even", segs: []ts.Segment{kf(true), kf(true), kf(true), kf(true)}, n: 2, counts: []int{2, 2}},
		{name: "rest", segs: []ts.Segment{kf(true), kf(true), kf(true)}, n: 2, counts: []int{2, 1}},
		{name: "waits for a keyframe", segs: []ts.Segment{kf(true), kf(true), kf(false), kf(true)}, n: 2, counts: []int{3, 1}},
		{name: "one", segs: []ts.Segment{kf(false)}, n: 360, counts: []int{1}},
		{name: "gap or restart ends a chunk", segs: []ts.Segment{kf(true), kf(true), disc(kf(true), 0), kf(true)}, n: 360, counts: []int{2, 2}},
		{name: "a long gap ends a chunk even off a keyframe", segs: []ts.Segment{kf(true), disc(kf(false), 3*encode.MaxGap), kf(true)}, n: 360, counts: []int{1, 2}},
		{name: "none", n: 360},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			chunks := splitChunks(tt.segs, tt.n)
			var counts []int
			first := 0
			for i, c := range chunks {
				counts = append(counts, c.Count)
				if c.Index != i || c.First != first || c.Frames != int64(250*c.Count) {
					t.Errorf("chunk %d: %+v", i, c)
				}
				first += c.Count
			}
			if !slices.Equal(counts, tt.counts) {
				t.Errorf("chunk sizes %v, want %v", counts, tt.counts)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	a := &Archiver{cfg: Config{RetryMin: time.Minute, RetryMax: 10 * time.Minute}}
	for n, want := range map[int]time.Duration{1: time.Minute, 2: 2 * time.Minute, 4: 8 * time.Minute, 5: 10 * time.Minute, 40: 10 * time.Minute} {
		if got := a.backoff(n); got != want {
			t.Errorf("backoff(%d) = %v, want %v", n, got, want)
		}
	}
}

func TestNewChecksFFmpeg(t *testing.T) {
	noX265 := filepath.Join(t.TempDir(), "ffmpeg")
	if err := os.WriteFile(noX265, []byte("#!/bin/sh\necho ' V..... libx264 H.264'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		ffmpeg string
		want   error
	}{
		{name: "missing", ffmpeg: filepath.Join(t.TempDir(), "no-ffmpeg"), want: encode.ErrFFmpegMissing},
		{name: "without libx265", ffmpeg: noX265, want: encode.ErrNoX265},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Root: t.TempDir(), Encode: encode.Settings{FFmpeg: tt.ffmpeg}}, testLogger(t))
			if !errors.Is(err, tt.want) {
				t.Errorf("New = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMatchingChunks(t *testing.T) {
	plan := []Chunk{{Index: 0, First: 0, Count: 3}, {Index: 1, First: 3, Count: 2}, {Index: 2, First: 5, Count: 3}}
	tests := []struct {
		name string
		done []chunkRecord
		want int
	}{
		{name: "none"},
		{name: "same", done: []chunkRecord{{Index: 0, First: 0, Count: 3}, {Index: 1, First: 3, Count: 2}}, want: 2},
		{name: "chunked differently", done: []chunkRecord{{Index: 0, First: 0, Count: 3}, {Index: 1, First: 3, Count: 3}}, want: 1},
		{name: "older manifest without ranges", done: []chunkRecord{{Index: 0}}, want: 0},
		{name: "more than planned", done: []chunkRecord{{Index: 0, Count: 3}, {Index: 1, First: 3, Count: 2},
			{Index: 2, First: 5, Count: 3}, {Index: 3, First: 8, Count: 1}}, want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &manifest{Chunks: tt.done}
			if got := m.matchingChunks(plan); got != tt.want {
				t.Errorf("matchingChunks = %d, want %d", got, tt.want)
			}
		})
	}
}
