package web

import (
	"compress/gzip"
	"io"
	"maps"
	"strings"
	"sync"
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
	unsummed.Archives = []catalog.Archive{{Name: "video.mp4", Size: 1_500_000}, {Name: "video-2.mp4", Size: 2_000, Duration: 90 * time.Second, Checksum: true}}
	cat.set(unsummed)
	// An archived day with an archive of late segments, and one more late
	// segment waiting for its own.
	late := view(day.Date{Year: 2026, Month: 11, Day: 3}, run(1, 1, day.Date{Year: 2026, Month: 11, Day: 3}.Start(cet).Add(23*time.Hour+153192286), 126000))
	late.Archives = []catalog.Archive{{Name: "video.mp4", Size: 3_000_000_000, Duration: 24 * time.Hour, Checksum: true},
		{Name: "video-2.mp4", Size: 80_000, Duration: 10 * time.Second, Checksum: true}}
	cat.set(late)
	messy := view(day22, restartAndGap(day22))
	messy.Plan.Kept = []ts.Kept{{Name: "seg14.ts", Reason: ts.NotTS}}
	messy.Totals.Kept = 1
	cat.set(messy)
	cat.set(view(day23, nil))
	today := view(day24, run(1, 360, day24.Start(cet).Add(6*time.Hour), 126000))
	today.Pending = 2
	cat.set(today)

	thumbs := &fakeThumbs{hours: map[day.Date]uint32{day24: 1 << 6, day22: 1 << 8, old.Date: 1<<0 | 1<<23}}
	// The archived day's runs: footage to noon, none for an hour, footage
	// to the end of the day; the day without a checksum has no runs (it
	// was archived before they were recorded) and no timeline.
	oldStart := old.Date.Start(cet)
	runs := map[day.Date]map[string][]ts.Run{old.Date: {"video.mp4": {
		{Start: oldStart.Add(5 * time.Second), Pos: 0, Len: 12*time.Hour - 5*time.Second},
		{Start: oldStart.Add(13 * time.Hour), Pos: 13*time.Hour - 5*time.Second, Len: 11*time.Hour - 5*time.Second},
	}}}
	// The late day: footage to noon and from 13:00 in video.mp4; the late
	// archive's 10 s at 12:30 go between them on the timeline.
	lateStart := late.Date.Start(cet).Add(153192286)
	runs[late.Date] = map[string][]ts.Run{
		"video.mp4": {{Start: lateStart, Pos: 0, Len: 12 * time.Hour},
			{Start: lateStart.Add(13 * time.Hour), Pos: 12 * time.Hour, Len: 10 * time.Hour}},
		"video-2.mp4": {{Start: lateStart.Add(12*time.Hour + 30*time.Minute), Pos: 0, Len: 10 * time.Second}},
	}
	// The messy day's conversion failed; its error shows, escaped.
	failures := map[day.Date]Failure{day22: {Err: "encode chunk 1: ffmpeg exited with status 1: <Conversion failed!>",
		NextAttempt: time.Date(2026, 11, 24, 13, 30, 0, 0, cet)}}
	// Exports are on: every day with footage it can place has a form.
	s, _ := fakeServer(t, cat, Config{Thumbs: thumbs, ArchiveRuns: func(d day.Date) map[string][]ts.Run { return runs[d] },
		Failures: func() map[day.Date]Failure { return failures }, Exporter: fakeExporter{}})
	for _, path := range []string{"/", "/index.php"} {
		w := do(s, "GET", path)
		if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("%s: %d %s", path, w.Code, w.Header().Get("Content-Type"))
		}
		golden(t, "index", w.Body.Bytes())
	}
	body := do(s, "GET", "/").Body.String()
	order := []string{"2026-11-24", "2026-11-23", "2026-11-22", "2026-11-03", "2026-11-02", "2026-11-01"}
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

// TestIndexFollows checks the page is made again when a thumbnail comes,
// and only then, and that it is gzipped for clients that take it.
func TestIndexFollows(t *testing.T) {
	cat := &fakeCatalog{}
	cat.set(view(day22, restartAndGap(day22)))
	thumbs := &fakeThumbs{hours: map[day.Date]uint32{}}
	s, _ := fakeServer(t, cat, Config{Thumbs: thumbs})
	first := do(s, "GET", "/")
	if strings.Contains(first.Body.String(), "thumb/") {
		t.Fatal("a thumbnail before there is one")
	}
	etag := first.Header().Get("ETag")
	if w := do(s, "GET", "/", "If-None-Match", etag); w.Code != 304 {
		t.Errorf("nothing changed: %d, want 304", w.Code)
	}
	thumbs.hours[day22] = 1 << 8
	thumbs.version++
	w := do(s, "GET", "/", "If-None-Match", etag)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `<img src="thumb/2026-11-22/08.jpg"`) {
		t.Errorf("after a thumbnail came: %d, no thumbnail in the page", w.Code)
	}
	gz := do(s, "GET", "/", "Accept-Encoding", "gzip")
	if gz.Header().Get("Content-Encoding") != "gzip" || gz.Header().Get("ETag") == w.Header().Get("ETag") ||
		!strings.Contains(gz.Header().Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip: %v", gz.Header())
	}
	zr, err := gzip.NewReader(gz.Body)
	if err != nil {
		t.Fatal(err)
	}
	page, err := io.ReadAll(zr)
	if err != nil || string(page) != w.Body.String() {
		t.Errorf("gunzipped page differs: %v", err)
	}
	if w := do(s, "GET", "/", "Accept-Encoding", "gzip", "If-None-Match", gz.Header().Get("ETag")); w.Code != 304 ||
		w.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip If-None-Match: %d %v", w.Code, w.Header())
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
}

// A day whose conversion fails shows so at once, with its error: the
// cached page is not served on.
func TestIndexShowsFailure(t *testing.T) {
	cat := &fakeCatalog{}
	cat.set(view(day22, restartAndGap(day22)))
	var mu sync.Mutex
	failures := map[day.Date]Failure{}
	s, _ := fakeServer(t, cat, Config{Failures: func() map[day.Date]Failure {
		mu.Lock()
		defer mu.Unlock()
		return maps.Clone(failures)
	}})
	first := do(s, "GET", "/")
	if strings.Contains(first.Body.String(), "archiving failed") {
		t.Fatal("a failure before there is one")
	}
	for _, f := range []Failure{{Err: "disk full"}, {Err: "disk full", NextAttempt: time.Date(2026, 11, 24, 13, 0, 0, 0, cet)}, {Err: "ffmpeg exited 1"}} {
		mu.Lock()
		failures[day22] = f
		mu.Unlock()
		w := do(s, "GET", "/", "If-None-Match", first.Header().Get("ETag"))
		if w.Code != 200 || !strings.Contains(w.Body.String(), "archiving failed: "+f.Err) ||
			strings.Contains(w.Body.String(), "tried again") == f.NextAttempt.IsZero() {
			t.Errorf("after %+v: %d, page:\n%s", f, w.Code, w.Body.String())
		}
		first = w
	}
}
