package catalog

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

// fixtures holds footage recorded once for all tests: a camera run of
// four segments and an mp4 archive. Tests copy what they need.
var fixtures string

// dayStart is off the whole second, as a real camera's footage always is.
var dayStart = time.Date(2026, 11, 20, 8, 0, 0, 153192286, time.UTC)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "catalog-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtures = dir
	code := func() int {
		if err := makeFixtures(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.RemoveAll(dir)
	os.Exit(code)
}

func makeFixtures(dir string) error {
	ctx := context.Background()
	run := filepath.Join(dir, "run")
	if err := os.Mkdir(run, 0o755); err != nil {
		return err
	}
	if _, err := footage.Record(ctx, footage.Run{Dir: run, Segments: 4, First: 1, Start: dayStart}); err != nil {
		return err
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc2=size=64x48:rate=5", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast",
		filepath.Join(dir, "video.mp4")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg mp4: %w: %s", err, out)
	}
	return nil
}

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// open makes a catalog of root.
func open(t *testing.T, root string, clk *fakeclock.Clock) *Catalog {
	t.Helper()
	c, err := New(Config{Root: root, Now: clk.Now}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// start runs c until the test ends.
func start(t *testing.T, c *Catalog) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		c.Close()
	})
}

// newClock starts an hour ahead of the real clock, so that files written
// by the test before the catalog starts count as settled; the clock then
// stands still until the test moves it.
func newClock() *fakeclock.Clock { return fakeclock.New(time.Now().Add(time.Hour)) }

// waitFor waits for the catalog to publish a state where cond holds. The
// deadline only guards against a hang: the wait ends at the change itself.
func waitFor(t *testing.T, c *Catalog, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		changed := c.Changed()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			for _, v := range c.Days() {
				t.Logf("%s: pending %d, segments %v, kept %v", v.Date, v.Pending, names(v), v.Plan.Kept)
			}
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

func names(v *DayView) []string {
	if v == nil {
		return nil
	}
	var n []string
	for _, s := range v.Plan.Segments {
		n = append(n, s.Name)
	}
	return n
}

func dayOf(c *Catalog, name string) *DayView {
	d, err := day.Parse(name)
	if err != nil {
		panic(err)
	}
	v, _ := c.Day(d)
	return v
}

func settled(c *Catalog, dayName string, want ...string) func() bool {
	return func() bool {
		v := dayOf(c, dayName)
		return v != nil && v.Pending == 0 && slices.Equal(names(v), want)
	}
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dst, b)
	fi, _ := os.Stat(src)
	if err := os.Chtimes(dst, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mkdir(t *testing.T, path string) string {
	t.Helper()
	if err := os.MkdirAll(path, 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// runDay copies the fixture run's segments seg1..seg<n> into dir.
func runDay(t *testing.T, dir string, n int) []string {
	var got []string
	for i := 1; i <= n; i++ {
		name := fmt.Sprintf("seg%d.ts", i)
		copyFile(t, filepath.Join(fixtures, "run", name), filepath.Join(dir, name))
		got = append(got, name)
	}
	return got
}

func TestStartupAndMessyDay(t *testing.T) {
	root := t.TempDir()
	messyDir := mkdir(t, filepath.Join(root, "2026-11-20"))
	m, err := footage.MakeMessy(context.Background(), messyDir, dayStart)
	if err != nil {
		t.Fatal(err)
	}
	archived := mkdir(t, filepath.Join(root, "2026-11-18"))
	copyFile(t, filepath.Join(fixtures, "video.mp4"), filepath.Join(archived, "video.mp4"))
	writeFile(t, filepath.Join(archived, "video.mp4.sha512sum"), []byte("00  video.mp4\n"))
	// Nothing of these is a day.
	mkdir(t, filepath.Join(root, "2024-13-45"))
	mkdir(t, filepath.Join(root, "notes"))
	mkdir(t, filepath.Join(root, ".cctvd"))
	writeFile(t, filepath.Join(root, "2026-11-19"), []byte("a file, not a folder"))

	c := open(t, root, newClock())
	if got := len(c.Days()); got != 2 {
		t.Fatalf("%d days before Run, want 2", got)
	}
	if v := dayOf(c, "2026-11-20"); v.Pending == 0 {
		t.Errorf("messy day: nothing pending before Run, want its files queued for a scan")
	}
	start(t, c)

	want, err := ts.PlanDir(c.root, "2026-11-20")
	if err != nil {
		t.Fatal(err)
	}
	var wantNames []string
	for _, s := range want.Segments {
		wantNames = append(wantNames, s.Name)
	}
	if len(wantNames) != len(m.Good)+1 { // the truncated segment still goes in
		t.Logf("plan of the messy day: %v", wantNames)
	}
	waitFor(t, c, "the messy day scanned", settled(c, "2026-11-20", wantNames...))
	waitFor(t, c, "the archive probed", func() bool { v := dayOf(c, "2026-11-18"); return v.Pending == 0 })

	days := c.Days()
	if days[0].Date.String() != "2026-11-20" || days[1].Date.String() != "2026-11-18" {
		t.Errorf("days = %v, %v; want newest first", days[0].Date, days[1].Date)
	}
	v := days[0]
	if v.Totals.Gaps != 2 || v.Totals.Restarts != 1 {
		t.Errorf("gaps %d restarts %d, want 2 and 1 (findings %+v)", v.Totals.Gaps, v.Totals.Restarts, v.Plan.Findings)
	}
	if v.Totals.Segments != len(wantNames) || v.Totals.Bytes != want.Bytes() || v.Totals.Span != want.Span() {
		t.Errorf("totals %+v, want the plan's", v.Totals)
	}
	kept := map[string]ts.Kind{}
	for _, k := range v.Plan.Kept {
		kept[k.Name] = k.Reason
	}
	for name, reason := range map[string]ts.Kind{m.Junk: ts.NotTS, m.ZeroByte: ts.ZeroByte, m.Duplicate: ts.Duplicate, m.Notes: ts.Foreign} {
		if kept[name] != reason {
			t.Errorf("%s kept as %q, want %q", name, kept[name], reason)
		}
	}
	if _, ok := kept[m.InFlight]; ok {
		t.Errorf("hidden file %s is listed; hidden files are ignored", m.InFlight)
	}
	a := days[1]
	if !a.Archived() || len(a.Archives) != 1 {
		t.Fatalf("archived day: %+v", a)
	}
	if ar := a.Archives[0]; ar.Name != "video.mp4" || !ar.Checksum || ar.Duration < 2900*time.Millisecond || ar.Duration > 3100*time.Millisecond {
		t.Errorf("archive = %+v, want video.mp4 of 3 s with its checksum", ar)
	}
}

func TestSlowWriteIsListedWhenComplete(t *testing.T) {
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, "2026-11-20"))
	have := runDay(t, dir, 2)
	c := open(t, root, newClock())
	start(t, c)
	waitFor(t, c, "two segments", settled(c, "2026-11-20", have...))

	b, err := os.ReadFile(filepath.Join(fixtures, "run", "seg3.ts"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "seg3.ts"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b[:len(b)/2]); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the half-written file seen", func() bool { return dayOf(c, "2026-11-20").Pending == 1 })
	if got := names(dayOf(c, "2026-11-20")); !slices.Equal(got, have) {
		t.Fatalf("segments while seg3 is half written = %v, want %v", got, have)
	}
	if _, err := f.Write(b[len(b)/2:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "seg3 after its writer closed it", settled(c, "2026-11-20", "seg1.ts", "seg2.ts", "seg3.ts"))
	if s := dayOf(c, "2026-11-20").Plan.Segments[2]; s.Report.Size != int64(len(b)) {
		t.Errorf("seg3 scanned at %d bytes, want %d", s.Report.Size, len(b))
	}
}

// TestOpenFileIsTakenOnceComplete is the rule of complete.go with Run
// doing the work: a file held open, unchanged for StableFor, is scanned
// but stays out of the plan until it has been quiet for QuietFor.
func TestOpenFileIsTakenOnceComplete(t *testing.T) {
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, "2026-11-20"))
	clk := newClock()
	c, err := New(Config{Root: root, Now: clk.Now, StableFor: 400 * time.Millisecond, QuietFor: 5 * time.Second}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	start(t, c)
	b, err := os.ReadFile(filepath.Join(fixtures, "run", "seg1.ts"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(dir, "seg1.ts"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the open file seen", func() bool { return dayOf(c, "2026-11-20").Pending == 1 })
	seen := dayOf(c, "2026-11-20").Version
	clk.Advance(400 * time.Millisecond)
	// Any view after seen that waits for no scan comes after the scan.
	waitFor(t, c, "the stable file scanned", func() bool {
		v := dayOf(c, "2026-11-20")
		return v.Version > seen && v.Unscanned == 0 && c.Scans() == 1
	})
	if v := dayOf(c, "2026-11-20"); v.Pending != 1 || len(v.Plan.Segments) != 0 {
		t.Fatalf("open file listed once stable for StableFor: pending %d, segments %v", v.Pending, names(v))
	}
	clk.Advance(5 * time.Second)
	waitFor(t, c, "the quiet file listed", settled(c, "2026-11-20", "seg1.ts"))
	if n := c.Scans(); n != 1 {
		t.Errorf("%d scans, want 1: a held file is not read again", n)
	}
}

func TestHiddenFileAppearsWhenRenamed(t *testing.T) {
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, "2026-11-20"))
	have := runDay(t, dir, 1)
	c := open(t, root, newClock())
	start(t, c)
	waitFor(t, c, "seg1", settled(c, "2026-11-20", have...))

	copyFile(t, filepath.Join(fixtures, "run", "seg2.ts"), filepath.Join(dir, ".seg2.ts.Xy9k2Q"))
	writeFile(t, filepath.Join(dir, "notes.txt"), []byte("after the hidden file\n"))
	// Events come in order: once notes.txt is in, the hidden file was seen.
	waitFor(t, c, "notes.txt", func() bool { return dayOf(c, "2026-11-20").Plan.Kept != nil })
	v := dayOf(c, "2026-11-20")
	if v.Pending != 0 || !slices.Equal(names(v), have) || len(v.Plan.Kept) != 1 {
		t.Fatalf("hidden file shows: pending %d, segments %v, kept %v", v.Pending, names(v), v.Plan.Kept)
	}
	if err := os.Rename(filepath.Join(dir, ".seg2.ts.Xy9k2Q"), filepath.Join(dir, "seg2.ts")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "seg2 after the rename", settled(c, "2026-11-20", "seg1.ts", "seg2.ts"))
}

func TestNewDay(t *testing.T) {
	root := t.TempDir()
	c := open(t, root, newClock())
	start(t, c)
	if len(c.Days()) != 0 {
		t.Fatal("days in an empty root")
	}
	dir := mkdir(t, filepath.Join(root, "2026-11-21"))
	waitFor(t, c, "the new day folder", func() bool { return dayOf(c, "2026-11-21") != nil })

	// A camera writes into it the way sftp does: create, write, close.
	if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 2, First: 1}); err != nil {
		t.Fatal(err)
	}
	written := time.Now()
	waitFor(t, c, "the new day's segments", settled(c, "2026-11-21", "seg1.ts", "seg2.ts"))
	if took := time.Since(written); took > 2*time.Second {
		t.Errorf("new day's segments listed %v after they were written, want within 2 s", took)
	}

	// A whole day folder moved in at once.
	outside := mkdir(t, filepath.Join(t.TempDir(), "2026-11-22"))
	have := runDay(t, outside, 3)
	if err := os.Rename(outside, filepath.Join(root, "2026-11-22")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the moved-in day", settled(c, "2026-11-22", have...))
	if got := c.Days(); got[0].Date.String() != "2026-11-22" {
		t.Errorf("newest day = %v", got[0].Date)
	}

	// Removal: a segment, then a whole day.
	if err := os.Remove(filepath.Join(root, "2026-11-22", "seg2.ts")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "seg2 gone", settled(c, "2026-11-22", "seg1.ts", "seg3.ts"))
	if err := os.RemoveAll(filepath.Join(root, "2026-11-22")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the day gone", func() bool { return dayOf(c, "2026-11-22") == nil })
}

func TestRestartUsesCache(t *testing.T) {
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, "2026-11-20"))
	have := runDay(t, dir, 4)
	archived := mkdir(t, filepath.Join(root, "2026-11-18"))
	copyFile(t, filepath.Join(fixtures, "video.mp4"), filepath.Join(archived, "video.mp4"))
	clk := newClock()

	first := open(t, root, clk)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- first.Run(ctx) }()
	waitFor(t, first, "first scan", settled(first, "2026-11-20", have...))
	waitFor(t, first, "archive probed", func() bool { return dayOf(first, "2026-11-18").Pending == 0 })
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	first.Close()
	if n, m := first.Scans(), first.Ingested(); n != 5 || m != 4 {
		t.Errorf("first catalog scanned %d files and ingested %d segments, want 5 and 4", n, m)
	}
	if _, err := os.Stat(filepath.Join(root, ".cctvd", "catalog", "2026-11-20.gob")); err != nil {
		t.Fatalf("no cache file: %v", err)
	}

	// One file changed while cctvd was down: only it is scanned again.
	later := dayStart.Add(time.Hour)
	if err := os.Chtimes(filepath.Join(dir, "seg4.ts"), later, later); err != nil {
		t.Fatal(err)
	}
	second := open(t, root, clk)
	v := dayOf(second, "2026-11-20")
	if v.Pending != 1 || len(v.Plan.Segments) != 3 {
		t.Errorf("from the cache: %d segments, %d pending; want 3 and 1", len(v.Plan.Segments), v.Pending)
	}
	if a := dayOf(second, "2026-11-18"); a.Pending != 0 || a.Archives[0].Duration == 0 {
		t.Errorf("archive not known from the cache: %+v", a)
	}
	start(t, second)
	waitFor(t, second, "the changed file", settled(second, "2026-11-20", have...))
	if n := second.Scans(); n != 1 {
		t.Errorf("second catalog scanned %d files, want 1", n)
	}
	if n := second.Ingested(); n != 1 {
		t.Errorf("second catalog ingested %d segments, want 1", n)
	}
	if s := dayOf(second, "2026-11-20").Plan.Segments[3]; !s.ModTime.Equal(later) {
		t.Errorf("seg4 mtime %v, want %v", s.ModTime, later)
	}
}

func TestSymlinksOutOfRootAreNotFollowed(t *testing.T) {
	outside := t.TempDir()
	runDay(t, outside, 2)
	if err := os.WriteFile(filepath.Join(outside, "secret.ts"), []byte("not for you"), 0o644); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, "2026-11-20"))
	have := runDay(t, dir, 1)
	links := map[string]string{
		filepath.Join(root, "2026-11-19"): outside,                           // a day folder out of the root
		filepath.Join(dir, "evil.ts"):     filepath.Join(outside, "seg1.ts"), // absolute
		filepath.Join(dir, "relative.ts"): "../../" + filepath.Base(outside) + "/seg2.ts",
		filepath.Join(dir, "passwd.ts"):   "/etc/passwd",
		filepath.Join(dir, "inside.ts"):   "seg1.ts", // inside, but still not a segment file
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	c := open(t, root, newClock())
	start(t, c)
	waitFor(t, c, "the real day", settled(c, "2026-11-20", have...))
	// A link made while running is not followed either.
	if err := os.Symlink(filepath.Join(outside, "seg2.ts"), filepath.Join(dir, "late.ts")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, c, "the late link", func() bool { return len(dayOf(c, "2026-11-20").Plan.Kept) == 5 })
	if len(c.Days()) != 1 {
		t.Errorf("days = %d, want only the real one", len(c.Days()))
	}
	for _, k := range dayOf(c, "2026-11-20").Plan.Kept {
		if k.Reason != ts.Foreign {
			t.Errorf("%s kept as %s, want foreign", k.Name, k.Reason)
		}
	}
	if n := c.Scans(); n != 1 {
		t.Errorf("scanned %d files, want 1: links must not be read", n)
	}
}

func TestNotADayIsNotWatched(t *testing.T) {
	root := t.TempDir()
	c := open(t, root, newClock())
	start(t, c)
	mkdir(t, filepath.Join(root, "2026-02-30"))
	mkdir(t, filepath.Join(root, "junk"))
	mkdir(t, filepath.Join(root, "2026-11-23"))
	waitFor(t, c, "the real day", func() bool { return dayOf(c, "2026-11-23") != nil })
	if n := len(c.Days()); n != 1 {
		t.Errorf("%d days, want 1", n)
	}
}
