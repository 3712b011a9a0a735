package thumbs

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

var (
	cet   = time.FixedZone("CET", 3600)
	day22 = day.Date{Year: 2026, Month: 11, Day: 22}
	day23 = day.Date{Year: 2026, Month: 11, Day: 23}
	now   = func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 0, cet) }
)

// fakeCatalog lists hand-made day views.
type fakeCatalog struct {
	mu      sync.Mutex
	days    []*catalog.DayView
	changed chan struct{}
}

func newCatalog(days ...*catalog.DayView) *fakeCatalog {
	return &fakeCatalog{days: days, changed: make(chan struct{})}
}

func (f *fakeCatalog) Days() []*catalog.DayView {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.days)
}

func (f *fakeCatalog) Changed() <-chan struct{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.changed
}

func (f *fakeCatalog) set(days ...*catalog.DayView) {
	f.mu.Lock()
	f.days = days
	close(f.changed)
	f.changed = make(chan struct{})
	f.mu.Unlock()
}

// seg is a segment of a day view: its name and wall-clock start.
type seg struct {
	name string
	at   time.Time
}

func view(d day.Date, segs ...seg) *catalog.DayView {
	v := &catalog.DayView{Date: d, Plan: &ts.Plan{}}
	for _, s := range segs {
		v.Plan.Segments = append(v.Plan.Segments, ts.Segment{Name: s.name, Start: s.at})
	}
	return v
}

func at(d day.Date, h, m, s int) time.Time {
	return time.Date(d.Year, d.Month, d.Day, h, m, s, 153192286, cet) // a camera's times have fractions
}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func newThumbs(t testing.TB, cfg Config) *Thumbs {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = now
	}
	th, err := New(cfg, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { th.Close() })
	return th
}

// TestMake grabs real frames with ffmpeg: one thumbnail per hour, made
// once, found again after a restart.
func TestMake(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	dir := filepath.Join(root, day22.String())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start := at(day22, 8, 59, 50)
	names, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 3, First: 1, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	var segs []seg
	for i, n := range names {
		segs = append(segs, seg{n, start.Add(time.Duration(i) * footage.SegmentDuration)})
	}
	cat := newCatalog(view(day22, segs...))
	th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat})
	th.sync(context.Background())
	if got, want := th.Hours(day22), uint32(1<<8|1<<9); got != want {
		t.Fatalf("hours %b, want %b", got, want)
	}
	made, took := th.Made()
	if made != 2 {
		t.Fatalf("made %d, want 2", made)
	}
	t.Logf("%d thumbnails of 320x240 footage in %v", made, took)
	for _, h := range []int{8, 9} {
		f, err := th.Open(day22, h)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := jpeg.DecodeConfig(f)
		f.Close()
		if err != nil || cfg.Width != DefaultWidth || cfg.Height != 240 {
			t.Errorf("hour %d: %+v, %v; want a %dx240 JPEG", h, cfg, err, DefaultWidth)
		}
		if _, err := os.Stat(filepath.Join(state, "thumbs", day22.String(), []string{8: "08.jpg", 9: "09.jpg"}[h])); err != nil {
			t.Error(err)
		}
	}
	v := th.Version()
	th.sync(context.Background())
	if made, _ := th.Made(); made != 2 || th.Version() != v {
		t.Errorf("again: made %d (want 2), version %d → %d", made, v, th.Version())
	}
	// A restart finds them.
	again := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat})
	if got := again.Hours(day22); got != 1<<8|1<<9 {
		t.Errorf("after a restart: hours %b", got)
	}
	again.sync(context.Background())
	if made, _ := again.Made(); made != 0 {
		t.Errorf("after a restart: made %d, want 0", made)
	}
}

// fakeFFmpeg writes a script that logs its runs, and answers a segment
// that starts with "good" with a "JPEG" holding its niceness.
func fakeFFmpeg(t *testing.T) (bin, runs string) {
	t.Helper()
	dir := t.TempDir()
	runs = filepath.Join(dir, "runs")
	bin = filepath.Join(dir, "ffmpeg")
	script := "#!/bin/sh\necho run >> " + runs + "\n" +
		"case \"$(head -c 4)\" in\n" +
		"good) printf '\\377\\330nice=%s\\377\\331' \"$(nice)\" ;;\n" +
		"*) echo 'broken segment' >&2; exit 1 ;;\n" +
		"esac\n"
	if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return bin, runs
}

func count(t *testing.T, runs string) int {
	t.Helper()
	b, err := os.ReadFile(runs)
	if errors.Is(err, fs.ErrNotExist) {
		return 0
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(b), "run\n")
}

func TestNiceFailuresAndSymlinks(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	dir := filepath.Join(root, day22.String())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{"seg1.ts": "good", "seg2.ts": "bad!", "seg3.ts": "good", "seg4.ts": "bad!"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "seg5.ts")); err != nil {
		t.Fatal(err)
	}
	bin, runs := fakeFFmpeg(t)
	cat := newCatalog(view(day22,
		seg{"seg1.ts", at(day22, 9, 0, 0)},
		seg{"seg2.ts", at(day22, 10, 0, 0)}, // fails: hour 10 is made from seg3
		seg{"seg3.ts", at(day22, 10, 0, 10)},
		seg{"seg4.ts", at(day22, 11, 0, 0)}, // fails: no thumbnail of hour 11
		seg{"seg5.ts", at(day22, 12, 0, 0)}, // a symlink: not read
		seg{"seg1.ts", at(day23, 0, 0, 0)},  // another day's time in this folder: skipped
	))
	th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat, FFmpeg: bin, Nice: 7})
	th.sync(context.Background())
	if got, want := th.Hours(day22), uint32(1<<9|1<<10); got != want {
		t.Errorf("hours %b, want %b", got, want)
	}
	if n := count(t, runs); n != 4 {
		t.Errorf("ffmpeg ran %d times, want 4 (seg1-4)", n)
	}
	b, err := os.ReadFile(filepath.Join(state, "thumbs", day22.String(), "09.jpg"))
	if err != nil || !bytes.Contains(b, []byte("nice=7")) {
		t.Errorf("09.jpg: %q, %v; want ffmpeg run at nice 7", b, err)
	}
	// Failed segments are not tried again at the next change.
	th.sync(context.Background())
	if n := count(t, runs); n != 4 {
		t.Errorf("ffmpeg ran %d times after a second sync, want 4", n)
	}
	// A new segment of hour 11 is tried.
	if err := os.WriteFile(filepath.Join(dir, "seg6.ts"), []byte("good"), 0o644); err != nil {
		t.Fatal(err)
	}
	v := cat.Days()[0]
	v.Plan.Segments = append(v.Plan.Segments, ts.Segment{Name: "seg6.ts", Start: at(day22, 11, 0, 10)})
	th.sync(context.Background())
	if got, want := th.Hours(day22), uint32(1<<9|1<<10|1<<11); got != want || count(t, runs) != 5 {
		t.Errorf("hours %b, want %b; %d runs, want 5", got, want, count(t, runs))
	}
}

// TestGiveUp: an hour whose segments ffmpeg cannot read is given up
// after maxTries of them; without ffmpeg nothing is tried at all.
func TestGiveUp(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	dir := filepath.Join(root, day22.String())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var segs []seg
	for i := range 8 {
		n := "seg" + string(rune('1'+i)) + ".ts"
		if err := os.WriteFile(filepath.Join(dir, n), []byte("bad!"), 0o644); err != nil {
			t.Fatal(err)
		}
		segs = append(segs, seg{n, at(day22, 10, 0, 10*i)})
	}
	bin, runs := fakeFFmpeg(t)
	cat := newCatalog(view(day22, segs...))
	th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat, FFmpeg: bin})
	th.sync(context.Background())
	th.sync(context.Background())
	if n := count(t, runs); n != maxTries {
		t.Errorf("ffmpeg ran %d times on an hour of unreadable segments, want %d", n, maxTries)
	}

	var logs bytes.Buffer
	none, err := New(Config{Root: root, StateDir: state, Catalog: cat, FFmpeg: filepath.Join(root, "no-ffmpeg"), Now: now},
		slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := none.Run(ctx); err != nil {
		t.Errorf("Run without ffmpeg: %v", err)
	}
	if !strings.Contains(logs.String(), "no thumbnails: ffmpeg not found") {
		t.Errorf("Run without ffmpeg did not say so: %q", logs.String())
	}
}

func TestOpen(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: newCatalog()})
	d := filepath.Join(state, "thumbs", day22.String())
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(d, "08.jpg"), []byte("jpeg"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(d, "09.jpg")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("08.jpg", filepath.Join(d, "10.jpg")); err != nil {
		t.Fatal(err)
	}
	f, err := th.Open(day22, 8)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, h := range []int{9, 10, 11, 24, -1} {
		if f, err := th.Open(day22, h); err == nil || !errors.Is(err, fs.ErrNotExist) {
			if f != nil {
				f.Close()
			}
			t.Errorf("Open hour %d: %v, want not-exist", h, err)
		}
	}
	if _, err := th.Open(day.Date{}, 8); err == nil {
		t.Error("Open of the zero date worked")
	}
}

func TestLoadAndPrune(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	d := filepath.Join(state, "thumbs", day22.String())
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"00.jpg", "23.jpg", ".07.jpg.tmp", "24.jpg", "7.jpg", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(d, n), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("00.jpg", filepath.Join(d, "05.jpg")); err != nil {
		t.Fatal(err)
	}
	cat := newCatalog(view(day22), view(day23))
	th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat})
	if got := th.Hours(day22); got != 1|1<<23 {
		t.Errorf("loaded hours %b, want %b", got, uint32(1|1<<23))
	}
	if _, err := os.Stat(filepath.Join(d, ".07.jpg.tmp")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a thumbnail left half-written is still there: %v", err)
	}
	th.sync(context.Background())
	if th.Hours(day22) == 0 {
		t.Fatal("pruned a day the catalog lists")
	}
	changed, v := th.Changed(), th.Version()
	cat.set(view(day23))
	th.sync(context.Background())
	if th.Hours(day22) != 0 || th.Version() == v {
		t.Errorf("day gone: hours %b, version %d → %d", th.Hours(day22), v, th.Version())
	}
	select {
	case <-changed:
	default:
		t.Error("Changed not closed when a day's thumbnails went")
	}
	if _, err := os.Stat(d); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the day's thumbnails are still there: %v", err)
	}
}

// rootOf22And23 is a root with a segment in day22's and day23's folders.
func rootOf22And23(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []day.Date{day22, day23} {
		dir := filepath.Join(root, d.String())
		if err := os.Mkdir(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "seg1.ts"), []byte("good"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestRun follows the catalog: a day that appears gets its thumbnails.
func TestRun(t *testing.T) {
	root, state := rootOf22And23(t), t.TempDir()
	bin, _ := fakeFFmpeg(t)
	cat := newCatalog(view(day22, seg{"seg1.ts", at(day22, 8, 0, 0)}))
	th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat, FFmpeg: bin})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- th.Run(ctx) }()
	wait := func(d day.Date, want uint32) {
		t.Helper()
		deadline := time.After(30 * time.Second)
		for {
			changed := th.Changed()
			if th.Hours(d) == want {
				return
			}
			select {
			case <-changed:
			case <-deadline:
				t.Fatalf("%v: hours %b, want %b", d, th.Hours(d), want)
			}
		}
	}
	wait(day22, 1<<8)
	cat.set(view(day22, seg{"seg1.ts", at(day22, 8, 0, 0)}), view(day23, seg{"seg1.ts", at(day23, 17, 30, 0)}))
	wait(day23, 1<<17)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	for _, cfg := range []Config{
		{StateDir: dir, Catalog: newCatalog()},
		{Root: dir, Catalog: newCatalog()},
		{Root: dir, StateDir: dir},
		{Root: dir, StateDir: dir, Catalog: newCatalog(), Nice: 20},
		{Root: filepath.Join(dir, "missing"), StateDir: dir, Catalog: newCatalog()},
	} {
		if th, err := New(cfg, testLog(t)); err == nil {
			th.Close()
			t.Errorf("New(%+v) worked", cfg)
		} else if !strings.HasPrefix(err.Error(), "thumbs: ") {
			t.Errorf("error %q does not say where it is from", err)
		}
	}
}

// BenchmarkGrab measures one thumbnail of a 720p25 ~2 Mbit/s CCTV segment:
// ffmpeg started niced, reading the segment, writing a 320-pixel JPEG.
func BenchmarkGrab(b *testing.B) {
	root, state := b.TempDir(), b.TempDir()
	dir := filepath.Join(root, day22.String())
	if err := os.Mkdir(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Profile: footage.CCTV, Segments: 1, First: 1}); err != nil {
		b.Fatal(err)
	}
	th, err := New(Config{Root: root, StateDir: state, Catalog: newCatalog(), Now: now}, slog.New(slog.DiscardHandler))
	if err != nil {
		b.Fatal(err)
	}
	defer th.Close()
	b.ResetTimer()
	for b.Loop() {
		if err := th.make(context.Background(), day22, 8, "seg1.ts"); err != nil {
			b.Fatal(err)
		}
	}
}

// TestZoneChange: thumbnails made in one time zone are named by their
// hour in the next one after a restart: another hour, or another day, so
// that the page's labels follow the zone; one made before moments were
// recorded is taken as made in the zone of the first start.
func TestZoneChange(t *testing.T) {
	root, state := rootOf22And23(t), t.TempDir()
	bin, _ := fakeFFmpeg(t)
	utc := func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 153192286, time.UTC) }
	// In UTC: 08:00:03 and 23:30:07 on the 22nd, and a thumbnail of 05:00 on
	// the 23rd from an older cctvd, with no moment on record.
	cat := newCatalog(view(day22, seg{"seg1.ts", time.Date(2026, 11, 22, 8, 0, 3, 153192286, time.UTC)},
		seg{"seg1.ts", time.Date(2026, 11, 22, 23, 30, 7, 153192286, time.UTC)}), view(day23))
	legacy := filepath.Join(state, "thumbs", day23.String(), "05.jpg")
	if err := os.MkdirAll(filepath.Dir(legacy), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(legacy, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat, FFmpeg: bin, Now: utc})
	th.sync(context.Background())
	if th.Hours(day22) != 1<<8|1<<23 || th.Hours(day23) != 1<<5 {
		t.Fatalf("in UTC: hours %b and %b", th.Hours(day22), th.Hours(day23))
	}
	th.Close()

	tests := []struct {
		name   string
		loc    *time.Location
		want22 uint32 // hours of the 22nd
		want23 uint32
	}{
		// 08:00 UTC is 09:00 CET; 23:30 UTC is 00:30 on the 23rd; the
		// legacy 05:00 (UTC) is 06:00 CET.
		{"to CET", cet, 1 << 9, 1<<0 | 1<<6},
		// And back: every thumbnail where it was.
		{"back to UTC", time.UTC, 1<<8 | 1<<23, 1 << 5},
		// Five and a half hours east: 13:30, 05:00 on the 23rd, 10:30.
		{"to IST", time.FixedZone("IST", 5*3600+1800), 1 << 13, 1<<5 | 1<<10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now := func() time.Time { return utc().In(tt.loc) }
			th := newThumbs(t, Config{Root: root, StateDir: state, Catalog: cat, FFmpeg: bin, Now: now})
			if th.Hours(day22) != tt.want22 || th.Hours(day23) != tt.want23 {
				t.Errorf("hours %b and %b, want %b and %b", th.Hours(day22), th.Hours(day23), tt.want22, tt.want23)
			}
			// The files are where the hours say, and open.
			for _, d := range []day.Date{day22, day23} {
				for h := range 24 {
					if th.Hours(d)&(1<<h) == 0 {
						continue
					}
					f, err := th.Open(d, h)
					if err != nil {
						t.Errorf("%s %02d: %v", d, h, err)
						continue
					}
					f.Close()
				}
			}
			// Nothing to make again: the segments' hours have thumbnails.
			th.sync(context.Background())
			if n, _ := th.Made(); n != 0 {
				t.Errorf("made %d thumbnails again", n)
			}
			th.Close()
		})
	}
}
