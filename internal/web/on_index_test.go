package web

import (
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

func TestIndexGolden(t *testing.T) {
	cat := &fakeCatalog{}
	// An archived day, one without a checksum yet, a day of segments with
	// a restart and a gap, an empty folder, and today still coming in.
	old := view(day.Date{Year: 2026, Month: 11, Day: 1}, nil)
	old.Archives = []catalog.Archive{{Name: "video.mp4", Size: 3_210_000_000, Duration: 23*time.Hour + 59*time.Minute + 50*time.Second, Checksum: true}}
	old.Totals.Kept = 2
	cat.set(old)
	unsummed := view(day.Date{Year: 2026, Month: 11, Day: 2}, nil)
	unsummed.Archives = []catalog.Archive{{Name: "video.mp4", Size: 1_500_000}, {Name: "video-1.mp4", Size: 2_000, Duration: 90 * time.Second, Checksum: true}}
	cat.set(unsummed)
	messy := view(day22, restartAndGap(day22))
	messy.Plan.Kept = []ts.Kept{{Name: "seg14.ts", Reason: ts.NotTS}}
	messy.Totals.Kept = 1
	cat.set(messy)
	cat.set(view(day23, nil))
	today := view(day24, run(1, 360, day24.Start(cet).Add(6*time.Hour), 126000))
	today.Pending = 2
	cat.set(today)

	thumbs := &fakeThumbs{hours: map[day.Date]uint32{day24: 1 << 6, day22: 1 << 8, old.Date: 1<<0 | 1<<23}}
	s, _ := fakeServer(t, cat, Config{Thumbs: thumbs})
	for _, path := range []string{"/", "/index.php"} {
		w := do(s, "GET", path)
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
		golden(t, "index", w.Body.Bytes())
	}
	body := do(s, "GET", "/").Body.String()
	order := []string{"2026-11-24", "2026-11-23", "2026-11-22", "2026-11-02", "2026-11-01"}
	last := 0
	for _, d := range order {
		i := strings.Index(body, "<td>"+d)
		if i < last {
			t.Errorf("%s out of order (newest first)", d)
		}
		last = i
	}
	if w := do(s, "GET", "/", "If-None-Match", do(s, "GET", "/").Header().Get("ETag")); w.Code != 304 {
		t.Errorf("If-None-Match: %d", w.Code)
	}
}

func TestIndexEmpty(t *testing.T) {
	s, _ := fakeServer(t, &fakeCatalog{}, Config{})
	if b := do(s, "GET", "/").Body.String(); !strings.Contains(b, "No footage yet.") {
		t.Errorf("empty index:\n%s", b)
	}
}

func TestFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0s", 1499 * time.Millisecond: "1s", 61 * time.Second: "1m01s",
		23*time.Hour + 59*time.Minute + 50*time.Second: "23h59m50s"} {
		if got := duration(d); got != want {
			t.Errorf("duration(%v) = %q, want %q", d, got, want)
		}
	}
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 3_210_000_000: "3.2 GB", 5e15: "5.0 PB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
