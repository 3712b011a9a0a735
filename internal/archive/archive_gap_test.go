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
	"github.com/cctvd/cctvd/internal/ts"
)

// gapDay is a day filmed by a camera that stopped for longer than
// encode.MaxGap (uploads lost for half an hour): two 20-second runs, gap
// apart, the same run's clock jumping forward by the gap.
type gapDay struct {
	dir     string
	at      time.Time // the first run's start
	gap     time.Duration
	inBytes int64 // of its segments
}

func filmGapDay(t *testing.T, root string) gapDay {
	t.Helper()
	g := gapDay{dir: filepath.Join(root, cleanDay.String()), at: cleanDay.Start(time.UTC).Add(9*time.Hour + fraction),
		gap: 3 * encode.MaxGap}
	if err := os.MkdirAll(g.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// The timestamps say what is missing.
	for _, r := range []footage.Run{
		{Dir: g.dir, Segments: 2, First: 1, Start: g.at},
		{Dir: g.dir, Segments: 2, First: 3, Start: g.at.Add(20*time.Second + g.gap), TimestampOffset: 20*time.Second + g.gap},
	} {
		if _, err := footage.Record(context.Background(), r); err != nil {
			t.Fatal(err)
		}
	}
	for _, n := range segmentNames(t, g.dir) {
		fi, err := os.Stat(filepath.Join(g.dir, n))
		if err != nil {
			t.Fatal(err)
		}
		g.inBytes += fi.Size()
	}
	return g
}

// TestArchiveLongGap: a day with a gap over encode.MaxGap must still be
// archived, with the gap kept in the archive's timestamps.
func TestArchiveLongGap(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	root := t.TempDir()
	g := filmGapDay(t, root)
	s := newSteps()
	cfg := testConfig(root, fakeclock.New(testNow), s)
	ends := make(chan RunEnd, 10)
	cfg.OnRunEnd = func(e RunEnd) { ends <- e }
	a := start(t, cfg)
	s.waitIdle(t)
	video := filepath.Join(g.dir, "video.mp4")

	if got := names(t, g.dir); strings.Join(got, " ") != "video.mp4 video.mp4.sha512sum" {
		t.Fatalf("day folder holds %v: not archived (status %+v)", got, a.Status())
	}
	sha512sumCheck(t, g.dir, "video.mp4")
	codec, frames := ffprobeFrames(t, video)
	if codec != "hevc" || frames != 4*250 {
		t.Errorf("video.mp4 is %s with %d frames, want hevc with 1000", codec, frames)
	}
	t.Run("run end", func(t *testing.T) {
		fi, err := os.Stat(video)
		if err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-ends:
			if e.Result != "ok" || e.BytesIn != g.inBytes || e.BytesOut != fi.Size() || e.Footage < g.gap {
				t.Errorf("run end = %+v, want ok, %d bytes in, %d out, footage over %v", e, g.inBytes, fi.Size(), g.gap)
			}
		default:
			t.Error("OnRunEnd was not called")
		}
	})
	t.Run("duration", func(t *testing.T) {
		out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", video).Output()
		if err != nil {
			t.Fatal(err)
		}
		dur, _ := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
		if want := (40*time.Second + g.gap).Seconds(); dur < want-1 || dur > want+1 {
			t.Errorf("archive lasts %.1f s, want %.1f (the gap kept)", dur, want)
		}
	})
	t.Run("runs", func(t *testing.T) { checkGapRuns(t, a.Runs(cleanDay)["video.mp4"], g, video) })
}

// checkGapRuns checks that the runs say where in the file each stretch of
// footage is and when it was filmed, and that the file's own timestamps
// agree.
func checkGapRuns(t *testing.T, runs []ts.Run, g gapDay, video string) {
	want := []ts.Run{{Start: g.at, Pos: 0, Len: 20 * time.Second},
		{Start: g.at.Add(20*time.Second + g.gap), Pos: 20*time.Second + g.gap, Len: 20 * time.Second}}
	if len(runs) != len(want) {
		t.Fatalf("runs %+v, want %+v", runs, want)
	}
	for i, r := range runs {
		w := want[i]
		if r.Pos != w.Pos || r.Len != w.Len || r.Start.Sub(w.Start).Abs() > time.Second {
			t.Errorf("run %d = %+v, want %+v", i, r, w)
		}
	}
	pts := packetTimes(t, video)
	for _, r := range runs {
		first, last := r.Pos.Seconds(), (r.Pos + r.Len).Seconds()
		n := 0
		for _, p := range pts {
			if p >= first-0.001 && p < last {
				n++
			}
		}
		if n != 500 {
			t.Errorf("video.mp4 has %d frames in run [%.3f, %.3f) s, want 500", n, first, last)
		}
	}
}

// packetTimes lists the presentation times, in seconds, of a file's video packets.
func packetTimes(t *testing.T, name string) []float64 {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time",
		"-of", "csv=p=0", name).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", name, err)
	}
	var pts []float64
	for _, l := range strings.Fields(string(out)) {
		p, err := strconv.ParseFloat(strings.TrimSuffix(l, ","), 64)
		if err != nil {
			t.Fatalf("ffprobe packet time %q: %v", l, err)
		}
		pts = append(pts, p)
	}
	return pts
}
