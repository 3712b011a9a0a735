package web

import (
	"bytes"
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestPlayers plays days over HTTP with real players: ffmpeg decodes every
// frame of a day's playlist, and GStreamer's hlsdemux, which fails on a
// segment it cannot fetch, gets through to the end.
func TestPlayers(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs ffmpeg and GStreamer")
	}
	root := t.TempDir()
	copyDir(t, root, messyDay)
	copyDir(t, root, cleanDay)
	l := start(t, root, liveOptions{})
	for _, d := range []struct {
		name, query string
	}{
		{"messy day", "date=" + messyDay.String()},
		{"clean day", "date=" + cleanDay.String()},
	} {
		t.Run(d.name, func(t *testing.T) {
			url := l.url + "/playlist.m3u8?" + d.query
			v, _ := l.cat.Day(messyDay)
			if strings.Contains(d.query, cleanDay.String()) {
				v, _ = l.cat.Day(cleanDay)
			}
			want := v.Plan.Frames()
			t.Run("ffmpeg", func(t *testing.T) { ffmpegFrames(t, url, want) })
			t.Run("gstreamer", func(t *testing.T) { gstreamer(t, url) })
		})
	}
}

var frameRE = regexp.MustCompile(`(?m)^frame=(\d+)$`)

func ffmpegFrames(t *testing.T, url string, want int) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostdin", "-v", "warning",
		"-live_start_index", "0", "-i", url, "-map", "0:v:0", "-fps_mode", "passthrough",
		"-f", "null", "-progress", "pipe:1", "-")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, stderr.String())
	}
	if strings.Contains(stderr.String(), "Failed to open segment") {
		t.Errorf("ffmpeg could not open a segment:\n%s", stderr.String())
	}
	t.Logf("ffmpeg warnings:\n%s", stderr.String())
	m := frameRE.FindAllStringSubmatch(stdout.String(), -1)
	if len(m) == 0 {
		t.Fatalf("no progress from ffmpeg:\n%s", stdout.String())
	}
	got, _ := strconv.Atoi(m[len(m)-1][1])
	if got != want {
		t.Errorf("ffmpeg decoded %d frames, want %d\n%s", got, want, stderr.String())
	}
}

func gstreamer(t *testing.T, url string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "gst-launch-1.0", "-q", "souphttpsrc", "location="+url,
		"!", "hlsdemux", "!", "tsdemux", "!", "h264parse", "!", "avdec_h264", "!", "fakesink").CombinedOutput()
	if err != nil {
		t.Fatalf("gst-launch-1.0: %v\n%s", err, out)
	}
}
