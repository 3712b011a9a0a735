package archive

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

// TestUndecodableSegmentIsSetAside: a segment whose coded video is
// scrambled scans clean but decodes short, so its chunk comes out short.
// The archiver finds the segment, records it as set aside and archives the
// rest of the day; the segment stays in the folder, reported, and no later
// run tries it again.
func TestUndecodableSegmentIsSetAside(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	root, dir := cleanRoot(t)
	const bad = "seg5.ts"
	if err := footage.Scramble(dir, bad, 0.3, 3); err != nil {
		t.Fatal(err)
	}
	r, err := ts.ScanFile(mustOpenRoot(t, dir), bad)
	if err != nil || r.Damaged() || r.Frames != 250 {
		t.Fatalf("the scrambled segment should scan clean with 250 frames: %+v, %v", r, err)
	}

	c := fakeclock.New(testNow)
	s := newSteps()
	a, stop := startStoppable(t, testConfig(root, c, s))
	s.waitIdle(t)

	want := []string{bad, "video.mp4", "video.mp4.sha512sum"}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("day folder holds %v, want %v", got, want)
	}
	sha512sumCheck(t, dir, "video.mp4")
	if codec, frames := ffprobeFrames(t, filepath.Join(dir, "video.mp4")); codec != "hevc" || frames != 5*250 {
		t.Errorf("video.mp4 is %s with %d frames, want hevc with the other five segments' %d", codec, frames, 5*250)
	}
	d := dayStatus(t, a, cleanDay)
	if d.State != StateArchived || !slices.Contains(d.Kept, ts.Kept{Name: bad, Reason: ts.Undecodable, Size: r.Size}) {
		t.Errorf("day %s, kept %v; want archived with %s kept as undecodable", d.State, d.Kept, bad)
	}
	if !slices.ContainsFunc(d.Findings, func(f ts.Finding) bool { return f.Kind == ts.Undecodable && slices.Contains(f.Files, bad) }) {
		t.Errorf("findings %v do not report %s", d.Findings, bad)
	}

	// A restarted archiver reads the record and leaves the day alone.
	stop()
	if d := restartChangesNothing(t, root, dir, c); d.State == StateFailed {
		t.Errorf("second archiver: day failed: %v", d.Err)
	}
}

func mustOpenRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}
