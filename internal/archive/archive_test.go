package archive

import (
	"maps"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/ts"
)

func TestArchiveEndToEnd(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	root := newRoot(t)
	young := listing(t, filepath.Join(root, youngDay.String()))
	today := listing(t, filepath.Join(root, todayDay.String()))
	c := fakeclock.New(testNow)
	s := newSteps()
	a := start(t, testConfig(root, c, s))
	s.waitIdle(t)

	// The messy day's truncated seg11.ts stays, but its whole frames go in.
	cut, err := ts.ScanFile(mustOpenRoot(t, filepath.Join(fixtureDir(t), "messy")), "seg11.ts")
	if err != nil || !cut.Truncated() || cut.Frames == 0 || cut.Frames >= 250 {
		t.Fatalf("messy seg11.ts: %+v, %v; want truncated with some whole frames", cut, err)
	}
	tests := []struct {
		date   day.Date
		frames int
		left   []string
	}{
		{date: cleanDay, frames: 6 * 250, left: nil},
		{date: messyDay, frames: 10*250 + cut.Frames,
			left: []string{".seg12.ts.Xy9k2Q", "notes.txt", "seg11.ts", "seg13.ts", "seg14.ts", "seg2b.ts"}},
	}
	for _, tt := range tests {
		t.Run(tt.date.String(), func(t *testing.T) {
			dir := filepath.Join(root, tt.date.String())
			want := append([]string{"video.mp4", "video.mp4.sha512sum"}, tt.left...)
			slices.Sort(want)
			if got := names(t, dir); !slices.Equal(got, want) {
				t.Errorf("day folder holds %v, want %v", got, want)
			}
			sha512sumCheck(t, dir, "video.mp4")
			codec, frames := ffprobeFrames(t, filepath.Join(dir, "video.mp4"))
			if codec != "hevc" || frames != tt.frames {
				t.Errorf("video.mp4 is %s with %d frames, want hevc with %d", codec, frames, tt.frames)
			}
			if exists(a.workDir(tt.date)) {
				t.Error("work folder left behind")
			}
		})
	}
	if got := listing(t, filepath.Join(root, youngDay.String())); !maps.Equal(got, young) {
		t.Errorf("young day changed: %v, was %v", got, young)
	}
	if got := listing(t, filepath.Join(root, todayDay.String())); !maps.Equal(got, today) {
		t.Errorf("today changed: %v, was %v", got, today)
	}
	st := a.Status()
	states := map[day.Date]State{}
	for _, d := range st.Days {
		states[d.Date] = d.State
		if d.Date == messyDay && len(d.Kept) != 5 {
			t.Errorf("messy day reports kept files %v, want 5", d.Kept)
		}
	}
	if states[cleanDay] != StateArchived || states[messyDay] != StateArchived || len(states) != 2 {
		t.Errorf("states %v, want the two old days archived", states)
	}

	// Looking again changes nothing: the kept files are no new work.
	before := listing(t, filepath.Join(root, messyDay.String()))
	a.Kick()
	s.waitIdle(t)
	if got := listing(t, filepath.Join(root, messyDay.String())); !maps.Equal(got, before) {
		t.Errorf("second look changed the messy day: %v", got)
	}
}

// A segment that arrives while its day is being encoded (a camera's
// backlog coming in during hours of encoding) is in no archive when the run
// ends: the day must not look settled with it. It goes into video-2.mp4
// at the archiver's next look, without a restart or another change.
func TestSegmentArrivingWhileArchivingIsArchivedNext(t *testing.T) {
	slowTest(t, "archives a day twice with ffmpeg")
	root, dir := cleanRoot(t)
	s := newSteps()
	cfg := testConfig(root, fakeclock.New(testNow), s)
	var once sync.Once
	record := cfg.AfterStep
	cfg.AfterStep = func(st Step) {
		if st.Date == cleanDay && st.Name == StepPlanned {
			once.Do(func() {
				copyFile(t, filepath.Join(fixtureDir(t), "young", "seg1.ts"), filepath.Join(dir, "seg7.ts"))
			})
		}
		record(st)
	}
	a := start(t, cfg)
	s.waitIdle(t)
	want := []string{"video-2.mp4", "video-2.mp4.sha512sum", "video.mp4", "video.mp4.sha512sum"}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Fatalf("day holds %v, want %v: the segment that arrived during the run is in no archive", got, want)
	}
	sha512sumCheck(t, dir, "video.mp4")
	sha512sumCheck(t, dir, "video-2.mp4")
	if d := dayStatus(t, a, cleanDay); d.State != StateArchived {
		t.Errorf("day %s, want archived", d.State)
	}
}
