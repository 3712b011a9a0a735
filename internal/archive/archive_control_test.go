package archive

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/ts"
)

// controlRoot has the clean day, the young day and today; with a 30-day
// settle time nothing is due, so only Convert starts work.
func controlRoot(t *testing.T) (string, Config, *fakeclock.Clock, *steps) {
	t.Helper()
	root := t.TempDir()
	copyDay(t, "clean", root, cleanDay)
	copyDay(t, "young", root, youngDay)
	copyDay(t, "young", root, todayDay)
	s := newSteps()
	c := fakeclock.New(testNow)
	cfg := testConfig(root, c, s)
	cfg.Settle = 30 * 24 * time.Hour
	return root, cfg, c, s
}

// follow watches a conversion to its end and returns every report seen.
func follow(t *testing.T, a *Archiver, date day.Date) []Progress {
	t.Helper()
	ch, stop, err := a.Watch(date)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	var seen []Progress
	timeout := time.After(5 * time.Minute)
	for {
		select {
		case p, ok := <-ch:
			if !ok {
				return seen
			}
			seen = append(seen, p)
		case <-timeout:
			t.Fatalf("conversion of %s did not end; seen %v", date, seen)
		}
	}
}

var phaseOrder = []Phase{PhaseQueued, PhasePlanning, PhaseEncoding, PhaseJoining, PhaseVerifying,
	PhaseChecksumming, PhaseCommitting, PhaseDone}

// TestConvert takes one archiver through what Convert does, each step on
// the clean day as the steps before left it.
func TestConvert(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	root, cfg, _, s := controlRoot(t)
	r := &convertRun{a: start(t, cfg), dir: filepath.Join(root, cleanDay.String())}
	s.waitIdle(t)
	for _, step := range []struct {
		name string
		run  func(*convertRun, *testing.T)
	}{
		{name: "refusals", run: (*convertRun).refusals},
		{name: "dry run", run: (*convertRun).dryRun},
		{name: "forced before due", run: (*convertRun).forced},
		{name: "late arrivals", run: (*convertRun).lateArrivals},
		{name: "holds", run: (*convertRun).holds},
		{name: "verify", run: (*convertRun).verify},
	} {
		if !t.Run(step.name, func(t *testing.T) { step.run(r, t) }) {
			return
		}
	}
}

// convertRun is what TestConvert's steps share.
type convertRun struct {
	a   *Archiver
	dir string // the clean day's folder
	sum string // the SHA-512 reported for video.mp4
}

func (r *convertRun) refusals(t *testing.T) {
	tests := []struct {
		name  string
		date  day.Date
		force bool
		want  error
	}{
		{name: "today even forced", date: todayDay, force: true, want: ErrToday},
		{name: "settling", date: youngDay, want: ErrTooYoung},
		{name: "no folder", date: day.Date{Year: 2026, Month: 11, Day: 1}, force: true, want: ErrUnknownDay},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := r.a.Convert(t.Context(), tt.date, tt.force, false); !errors.Is(err, tt.want) {
				t.Errorf("Convert = %v, want %v", err, tt.want)
			}
		})
	}
}

func (r *convertRun) dryRun(t *testing.T) {
	before := listing(t, r.dir)
	p, err := r.a.Convert(t.Context(), cleanDay, false, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Segments) != 6 || len(p.Chunks) != 2 || p.Output != "video.mp4" || p.Due || p.Frames() != 1500 {
		t.Errorf("dry run plan: %d segments, %d chunks, output %s, due %v, frames %d",
			len(p.Segments), len(p.Chunks), p.Output, p.Due, p.Frames())
	}
	if got := listing(t, r.dir); !maps.Equal(got, before) || exists(r.a.workDir(cleanDay)) {
		t.Error("dry run changed something")
	}
}

func (r *convertRun) forced(t *testing.T) {
	if _, err := r.a.Convert(t.Context(), cleanDay, true, false); err != nil {
		t.Fatal(err)
	}
	seen := follow(t, r.a, cleanDay)
	last := seen[len(seen)-1]
	if last.Phase != PhaseDone || last.Archive != "video.mp4" || last.ArchiveBytes == 0 || last.Frames != 1500 {
		t.Fatalf("last report %+v, want done with video.mp4", last)
	}
	r.sum = last.SHA512
	checkPhases(t, seen)
	sha512sumCheck(t, r.dir, "video.mp4")
	if sum, _, _ := hashRoot(mustOpenRoot(t, r.dir), "video.mp4"); sum != r.sum {
		t.Errorf("reported sha512 %s, file has %s", r.sum, sum)
	}
	// Archived before it was due: that it is archived is the answer,
	// forced or not, not that it is still settling.
	for _, force := range []bool{false, true} {
		_, err := r.a.Convert(t.Context(), cleanDay, force, false)
		if !errors.Is(err, ErrArchived) || !strings.HasSuffix(err.Error(), "already archived in video.mp4") {
			t.Errorf("converting an archived day (force %v): %v, want ErrArchived naming video.mp4", force, err)
		}
	}
}

// lateArrivals: a copy of an archived segment stays out as a duplicate;
// new footage goes into video-2.mp4.
func (r *convertRun) lateArrivals(t *testing.T) {
	copyFile(t, filepath.Join(fixtureDir(t), "clean", "seg1.ts"), filepath.Join(r.dir, "seg1.ts"))
	copyFile(t, filepath.Join(fixtureDir(t), "young", "seg1.ts"), filepath.Join(r.dir, "seg7.ts"))
	if _, err := r.a.Convert(t.Context(), cleanDay, true, false); err != nil {
		t.Fatal(err)
	}
	if last := follow(t, r.a, cleanDay); last[len(last)-1].Archive != "video-2.mp4" {
		t.Fatalf("late segment archived as %+v, want video-2.mp4", last[len(last)-1])
	}
	want := []string{"seg1.ts", "video-2.mp4", "video-2.mp4.sha512sum", "video.mp4", "video.mp4.sha512sum"}
	if got := names(t, r.dir); !slices.Equal(got, want) {
		t.Errorf("day holds %v, want %v", got, want)
	}
	sha512sumCheck(t, r.dir, "video.mp4")
	sha512sumCheck(t, r.dir, "video-2.mp4")
	if sum, _, _ := hashRoot(mustOpenRoot(t, r.dir), "video.mp4"); sum != r.sum {
		t.Error("video.mp4 changed")
	}
	if d := dayStatus(t, r.a, cleanDay); !slices.ContainsFunc(d.Kept, func(k ts.Kept) bool { return k.Name == "seg1.ts" && k.Reason == ts.Duplicate && k.Size > 0 }) {
		t.Errorf("kept %v, want seg1.ts as a duplicate", d.Kept)
	}
}

// holds: the index answers for both archives, as the catalog and uploads ask it.
func (r *convertRun) holds(t *testing.T) {
	for _, tt := range []struct{ fixture, archive, name string }{
		{fixture: "clean/seg1.ts", archive: "video.mp4", name: "seg1.ts"},
		{fixture: "young/seg1.ts", archive: "video-2.mp4", name: "seg7.ts"},
	} {
		f, err := os.Open(filepath.Join(fixtureDir(t), tt.fixture))
		if err != nil {
			t.Fatal(err)
		}
		rep, err := ts.Scan(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if h, ok := r.a.Holds(cleanDay, &rep); !ok || h != (Held{Archive: tt.archive, Name: tt.name}) {
			t.Errorf("Holds(%s) = %+v, %v; want %s in %s", tt.fixture, h, ok, tt.name, tt.archive)
		}
	}
}

func (r *convertRun) verify(t *testing.T) {
	rep, err := r.a.Verify(t.Context(), cleanDay)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Archives) != 2 {
		t.Fatalf("verify found %d archives, want 2", len(rep.Archives))
	}
	for i, frames := range []int64{1500, 250} {
		c := rep.Archives[i]
		if c.Err != nil || c.Checksum != ChecksumVerified || c.Info.Frames != frames || c.Info.Codec != "hevc" {
			t.Errorf("verify %s: %+v", c.File, c)
		}
	}
	flipLastByte(t, filepath.Join(r.dir, "video.mp4"))
	rep, err = r.a.Verify(t.Context(), cleanDay)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Archives[0]; c.Checksum != ChecksumMismatch || !errors.Is(c.Err, ErrChecksumMismatch) {
		t.Errorf("verify of a damaged archive: %s, %v", c.Checksum, c.Err)
	}
}

// checkPhases checks that reports never go back a phase and frames never exceed the total.
func checkPhases(t *testing.T, seen []Progress) {
	t.Helper()
	prev := 0
	for _, p := range seen {
		i := slices.Index(phaseOrder, p.Phase)
		if i < prev {
			t.Errorf("phase went back to %s", p.Phase)
		}
		prev = max(prev, i)
		if p.Frames > p.TotalFrames && p.TotalFrames > 0 {
			t.Errorf("%d frames of %d", p.Frames, p.TotalFrames)
		}
	}
}

func TestCancel(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	root, cfg, c, s := controlRoot(t)
	encoding := make(chan struct{}, 1)
	cfg.AfterStep = func(st Step) {
		if st.Name == StepChunkStarted {
			select {
			case encoding <- struct{}{}:
			default:
			}
		}
		s.hook(st)
	}
	a := start(t, cfg)
	s.waitIdle(t)
	ctx := context.Background()
	dir := filepath.Join(root, cleanDay.String())
	before := listing(t, dir)
	if _, err := a.Cancel(ctx, cleanDay); !errors.Is(err, ErrNotConverting) {
		t.Errorf("cancel of an idle day: %v, want ErrNotConverting", err)
	}
	if _, err := a.Convert(ctx, cleanDay, true, false); err != nil {
		t.Fatal(err)
	}
	ch, stop, err := a.Watch(cleanDay)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	<-encoding
	cancelled, err := a.Cancel(ctx, cleanDay)
	if err != nil {
		t.Fatal(err)
	}
	if cancelled.Phase != PhaseEncoding || cancelled.Removed == 0 {
		t.Errorf("cancelled %+v, want in phase encoding with work files removed", cancelled)
	}
	var last Progress
	for p := range ch {
		last = p
	}
	if last.Phase != PhaseCancelled || !errors.Is(last.Err, ErrCancelled) {
		t.Errorf("last report %+v, want cancelled", last)
	}
	if got := listing(t, dir); !maps.Equal(got, before) {
		t.Errorf("day folder changed: %v", got)
	}
	if exists(a.workDir(cleanDay)) {
		t.Error("work folder left behind")
	}
	checkNoLeftovers(t, root)

	// A cancelled day waits for Convert, even once it is due.
	c.Advance(cfg.Settle)
	a.Kick()
	s.waitIdle(t)
	if d := dayStatus(t, a, cleanDay); d.State != StateCancelled {
		t.Errorf("state %s after a rescan, want cancelled", d.State)
	}
	if _, err := a.Convert(ctx, cleanDay, false, false); err != nil {
		t.Fatal(err)
	}
	if seen := follow(t, a, cleanDay); seen[len(seen)-1].Phase != PhaseDone {
		t.Errorf("conversion after cancel ended %+v", seen[len(seen)-1])
	}
}

// TestRecoverUnverifiedArchive: an archive without checksum that no manifest
// accounts for is set aside, and the day archived anew.
func TestRecoverUnverifiedArchive(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	root, dir := cleanRoot(t)
	if err := os.WriteFile(filepath.Join(dir, "video.mp4"), []byte("not what it seems"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Temporary files of a run that died: in the day folder, and an
	// index and a summary write cut short in the state folder.
	if err := os.WriteFile(filepath.Join(dir, tempVideo("video.mp4")+".partial"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	indexes := filepath.Join(root, day.StateDir, "archived")
	if err := os.MkdirAll(indexes, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"2026-11-01.json.tmp", "2026-11-01.summary.json.tmp"} {
		if err := os.WriteFile(filepath.Join(indexes, n), []byte(`{"archives":[`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s := newSteps()
	a := start(t, testConfig(root, fakeclock.New(testNow), s))
	s.waitIdle(t)
	want := []string{"video-2.mp4", "video-2.mp4.sha512sum", "video.mp4.unverified"}
	if got := names(t, dir); !slices.Equal(got, want) {
		t.Errorf("day holds %v, want %v", got, want)
	}
	sha512sumCheck(t, dir, "video-2.mp4")
	// The commit wrote the day's index and its summary; the cut-short
	// writes are gone.
	d := cleanDay.String()
	if got, want := names(t, indexes), []string{d + ".json", d + ".summary.json"}; !slices.Equal(got, want) {
		t.Errorf("index folder holds %v, want %v", got, want)
	}
	if runs := a.Runs(cleanDay)["video-2.mp4"]; len(runs) != 1 || runs[0].Len != 6*10*time.Second { // the clean day: six segments, no gap
		t.Errorf("runs of video-2.mp4: %+v, want one of 60 s", runs)
	}
}

func TestStateLock(t *testing.T) {
	root := t.TempDir()
	a, err := New(Config{Root: root}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := New(Config{Root: root}, testLogger(t)); !errors.Is(err, ErrLocked) {
		t.Errorf("second archiver on one state folder: %v, want ErrLocked", err)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(from)
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(to, fi.ModTime(), fi.ModTime())
}

func flipLastByte(t *testing.T, name string) {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)-1] ^= 0xFF
	if err := os.WriteFile(name, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
