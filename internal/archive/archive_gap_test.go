package archive

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
)

// A camera that stops filming for longer than encode.MaxGap (uploads lost
// for half an hour) must still be archived, with the gap kept in the
// archive's timestamps.
func TestArchiveLongGap(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: encodes footage with ffmpeg")
	}
	root := t.TempDir()
	dir := filepath.Join(root, cleanDay.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	gap := 3 * encode.MaxGap
	at := cleanDay.Start(time.UTC).Add(9 * time.Hour)
	// The same run's clock jumps forward by the gap: timestamps say what is missing.
	for _, r := range []footage.Run{
		{Dir: dir, Segments: 2, First: 1, Start: at},
		{Dir: dir, Segments: 2, First: 3, Start: at.Add(20*time.Second + gap), TimestampOffset: 20*time.Second + gap},
	} {
		if _, err := footage.Record(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	var inBytes int64
	for _, n := range segmentNames(t, dir) {
		fi, err := os.Stat(filepath.Join(dir, n))
		if err != nil {
			t.Fatal(err)
		}
		inBytes += fi.Size()
	}
	c := fakeclock.New(testNow)
	s := newSteps()
	cfg := testConfig(root, c, s)
	ends := make(chan RunEnd, 10)
	cfg.OnRunEnd = func(e RunEnd) { ends <- e }
	a := start(t, cfg)
	s.waitIdle(t)

	if got := names(t, dir); strings.Join(got, " ") != "video.mp4 video.mp4.sha512sum" {
		t.Fatalf("day folder holds %v: not archived (status %+v)", got, a.Status())
	}
	sha512sumCheck(t, dir, "video.mp4")
	codec, frames := ffprobeFrames(t, filepath.Join(dir, "video.mp4"))
	if codec != "hevc" || frames != 4*250 {
		t.Errorf("video.mp4 is %s with %d frames, want hevc with 1000", codec, frames)
	}
	fi, err := os.Stat(filepath.Join(dir, "video.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ends:
		if e.Result != "ok" || e.BytesIn != inBytes || e.BytesOut != fi.Size() || e.Footage < gap {
			t.Errorf("run end = %+v, want ok, %d bytes in, %d out, footage over %v", e, inBytes, fi.Size(), gap)
		}
	default:
		t.Error("OnRunEnd was not called")
	}
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0",
		filepath.Join(dir, "video.mp4")).Output()
	if err != nil {
		t.Fatal(err)
	}
	dur, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if want := (40*time.Second + gap).Seconds(); dur < want-1 || dur > want+1 {
		t.Errorf("archive lasts %.1f s, want %.1f (the gap kept)", dur, want)
	}
}
