package archive

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

// wholeFrames counts the frames of the segment original that a cut after
// size bytes leaves whole, from where ffprobe finds each frame's first
// packet: a frame is whole when the next one starts in a whole packet (or
// the partial packet at the cut starts it).
func wholeFrames(t *testing.T, original string, size int64) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pos", "-of", "csv=p=0", original).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", original, err)
	}
	whole, tail := size/188*188, size%188
	n := 0
	for _, l := range strings.Fields(string(out))[1:] { // where frames 1, 2, … start
		pos, err := strconv.ParseInt(strings.TrimSuffix(l, ","), 10, 64)
		if err != nil {
			t.Fatalf("ffprobe pos %q: %v", l, err)
		}
		if pos < whole || pos == whole && tail >= 4 {
			n++
		}
	}
	return n
}

// TestTruncatedSegmentFramesAreArchived: a segment cut off half-way in a
// settled day keeps its whole frames in the archive at their place on the
// timeline, and the file itself stays, byte for byte, reported as
// truncated. The archiver is killed (SIGKILL) right after it began to
// delete the segments that went in; the restart finishes the commit and
// must still keep the truncated file. A third archiver takes nothing again
// and does not fail the day.
func TestTruncatedSegmentFramesAreArchived(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	root, dir := cleanRoot(t)
	const cut = "seg3.ts"
	if err := footage.Truncate(dir, cut, 0.5); err != nil {
		t.Fatal(err)
	}
	truncated, err := os.ReadFile(filepath.Join(dir, cut))
	if err != nil {
		t.Fatal(err)
	}
	whole := wholeFrames(t, filepath.Join(fixtureDir(t), "clean", cut), int64(len(truncated)))
	if whole < 50 || whole >= 250 {
		t.Fatalf("the cut left %d whole frames, want about half of 250", whole)
	}
	wantFrames := int64(5*250 + whole)

	runHelper(t, root, StepDeleting+":0")
	waitNoFFmpeg(t, root)
	if b, err := os.ReadFile(filepath.Join(dir, cut)); err != nil || !bytes.Equal(b, truncated) {
		t.Fatalf("after the kill the truncated segment is not as it was (%v)", err)
	}

	c := fakeclock.New(testNow)
	s := newSteps()
	cfg := testConfig(root, c, s)
	cfg.ChunkSegments = faultChunkSegments
	a, stop := startStoppable(t, cfg)
	s.waitIdle(t)
	want := []string{cut, "video.mp4", "video.mp4.sha512sum"}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("day folder holds %v, want %v", got, want)
	}
	if b, err := os.ReadFile(filepath.Join(dir, cut)); err != nil || !bytes.Equal(b, truncated) {
		t.Fatalf("the truncated segment changed or went (%v)", err)
	}
	sha512sumCheck(t, dir, "video.mp4")
	if codec, frames := ffprobeFrames(t, filepath.Join(dir, "video.mp4")); codec != "hevc" || int64(frames) != wantFrames {
		t.Errorf("video.mp4 is %s with %d frames, want hevc with the 5 whole segments' and %d of %s: %d",
			codec, frames, whole, cut, wantFrames)
	}
	idx, err := readIndex(a.indexPath(cleanDay))
	if err != nil || len(idx.Archives) != 1 {
		t.Fatalf("index %+v, %v", idx, err)
	}
	i := slices.IndexFunc(idx.Archives[0].Segments, func(s segmentID) bool { return s.Name == cut })
	if i < 0 || !idx.Archives[0].Segments[i].Truncated || idx.Archives[0].Segments[i].Size != int64(len(truncated)) {
		t.Errorf("index does not record %s as archived truncated: %+v", cut, idx.Archives[0].Segments)
	}

	rep, err := a.Verify(t.Context(), cleanDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Archives) != 1 || rep.Archives[0].Err != nil || rep.Archives[0].Info.Frames != wantFrames {
		t.Errorf("verify archives %+v, want one sound archive of %d frames", rep.Archives, wantFrames)
	}
	if len(rep.Plan.Segments) != 0 || !slices.Equal(rep.Plan.Kept, []ts.Kept{{Name: cut, Reason: ts.Truncated, Size: int64(len(truncated))}}) {
		t.Errorf("verify: %d segments to archive, kept %v; want none, and %s kept as truncated", len(rep.Plan.Segments), rep.Plan.Kept, cut)
	}
	if !slices.ContainsFunc(rep.Plan.Findings, func(f ts.Finding) bool {
		return f.Kind == ts.Truncated && slices.Equal(f.Files, []string{cut}) && strings.Contains(f.Detail, "archived in video.mp4")
	}) {
		t.Errorf("findings %v do not say %s's frames are archived", rep.Plan.Findings, cut)
	}

	// A restarted archiver plans the day, finds the truncated file
	// archived and leaves the day alone.
	stop()
	if d := restartChangesNothing(t, root, dir, c); d.State != StateIdle || !slices.Contains(d.Kept, ts.Kept{Name: cut, Reason: ts.Truncated, Size: int64(len(truncated))}) {
		t.Errorf("second archiver: day %s (%v), kept %v; want idle with %s kept as truncated", d.State, d.Err, d.Kept, cut)
	}
}

// startStoppable runs an archiver until stop is called or the test ends,
// so that another one can take the state folder after it.
func startStoppable(t *testing.T, cfg Config) (a *Archiver, stop func()) {
	t.Helper()
	a, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	return a, runStoppable(t, a)
}

// runStoppable runs a until stop is called or the test ends, then closes it.
func runStoppable(t *testing.T, a *Archiver) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("run: %v", err)
			}
			a.Close()
		})
	}
	t.Cleanup(stop)
	return stop
}
