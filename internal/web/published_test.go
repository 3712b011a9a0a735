package web

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// waitCat waits for the catalog to publish a state where cond holds; the
// deadline only guards against a hang.
func waitCat(t *testing.T, l *live, what string, cond func() bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		changed := l.cat.Changed()
		if cond() {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// copyInto copies a fixture day's segments into the folder of another date.
func copyInto(t *testing.T, root string, from, to day.Date, names ...string) string {
	t.Helper()
	dir := filepath.Join(root, to.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		copyFile(t, filepath.Join(fixtures, from.String(), n), filepath.Join(dir, n))
	}
	return dir
}

// TestHalfWrittenSegmentIsNotPublished is issue 11, item 5: a camera
// writes a segment half (cut on a packet boundary), holds it open 8 s,
// then finishes it. Today's EVENT playlist must not list it until it is
// whole, must never change what it listed, and the half file must not be
// served with a cache policy that can pin it.
func TestHalfWrittenSegmentIsNotPublished(t *testing.T) {
	now := time.Now().In(cet).Add(153192286)
	today := day.Of(now)
	root := t.TempDir()
	dir := copyInto(t, root, cleanDay, today, "seg1.ts", "seg2.ts")
	l := start(t, root, liveOptions{now: now, catClock: true})
	playlist := "/playlist.m3u8?date=" + today.String()
	_, before := l.get(t, playlist)
	if !strings.Contains(before, "seg2.ts") || !strings.Contains(before, "#EXT-X-PLAYLIST-TYPE:EVENT") {
		t.Fatalf("today's playlist:\n%s", before)
	}

	b, err := os.ReadFile(filepath.Join(fixtures, cleanDay.String(), "seg3.ts"))
	if err != nil {
		t.Fatal(err)
	}
	half := len(b) / 2 / 188 * 188
	f, err := os.Create(filepath.Join(dir, "seg3.ts"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(b[:half]); err != nil {
		t.Fatal(err)
	}
	waitCat(t, l, "the half file seen", func() bool { v, _ := l.cat.Day(today); return v.Pending == 1 })
	seen, _ := l.cat.Day(today)
	scans := l.cat.Scans()
	l.clk.Advance(8*time.Second + 153192286) // the link stalls: the file has not changed for 8 s
	waitCat(t, l, "the stalled file scanned", func() bool {
		v, _ := l.cat.Day(today)
		return v.Version > seen.Version && v.Unscanned == 0 && l.cat.Scans() > scans
	})
	_, during := l.get(t, playlist)
	if strings.Contains(during, "seg3.ts") {
		t.Errorf("half-written seg3 listed while its writer stalled:\n%s", during)
	}
	for _, name := range []string{"seg1.ts", "seg3.ts"} {
		resp, body := l.get(t, "/"+today.String()+"/"+name)
		if cc := resp.Header.Get("Cache-Control"); resp.StatusCode != 200 || cc != "no-cache" || resp.Header.Get("ETag") == "" {
			t.Errorf("today's %s (%d bytes): %d, Cache-Control %q, ETag %q; want no-cache with an ETag",
				name, len(body), resp.StatusCode, cc, resp.Header.Get("ETag"))
		}
	}

	if _, err := f.Write(b[half:]); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	waitCat(t, l, "seg3 whole", func() bool { v, _ := l.cat.Day(today); return v.Pending == 0 && v.Totals.Segments == 3 })
	_, after := l.get(t, playlist)
	if !strings.HasPrefix(after, before) {
		t.Errorf("today's EVENT playlist changed what it listed:\n--- before\n%s--- after\n%s", before, after)
	}
	if want := "#EXTINF:10.000,\n" + today.String() + "/seg3.ts\n"; !strings.HasSuffix(after, want) {
		t.Errorf("seg3 not listed whole at the end:\n%s", after)
	}
}

// TestEventPlaylistOnlyGrows: whatever the catalog's plan of today does,
// today's playlist keeps every entry it listed as it listed it, and only
// appends.
func TestEventPlaylistOnlyGrows(t *testing.T) {
	cat := &fakeCatalog{}
	s, _ := fakeServer(t, cat, Config{})
	at := day24.Start(cet).Add(8*time.Hour + 153192286)
	segs := run(1, 5, at, 126000)
	short := segs[1]
	short.Report.Frames, short.Report.LastDTS = 123, short.Report.FirstDTS+122*frameTicks // 4.92 s
	steps := []struct {
		name   string
		segs   []ts.Segment
		listed []string // in order
	}{
		{"seg2 short", []ts.Segment{segs[0], short}, []string{"seg1", "seg2"}},
		{"seg2 whole, seg3", segs[:3], []string{"seg1", "seg2", "seg3"}},
		{"seg2 gone, seg4", []ts.Segment{segs[0], segs[2], segs[3]}, []string{"seg1", "seg2", "seg3", "seg4"}},
		{"a late seg0 before them, seg5", append(run(0, 1, at.Add(-10*time.Second), 126000-10*ts.Clock), segs...),
			[]string{"seg1", "seg2", "seg3", "seg4", "seg5"}},
	}
	var prev string
	for _, st := range steps {
		cat.set(view(day24, st.segs))
		w := do(s, "GET", "/playlist.m3u8?date=2026-11-24")
		body := w.Body.String()
		if w.Code != 200 || !strings.HasPrefix(body, prev) {
			t.Fatalf("%s: %d, not an extension of the playlist before:\n--- before\n%s--- now\n%s", st.name, w.Code, prev, body)
		}
		var got []string
		for _, line := range strings.Split(body, "\n") {
			if name, ok := strings.CutPrefix(line, "2026-11-24/"); ok {
				got = append(got, strings.TrimSuffix(name, ".ts"))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(st.listed) {
			t.Errorf("%s: listed %v, want %v", st.name, got, st.listed)
		}
		if !strings.Contains(body, "#EXTINF:4.920,\n2026-11-24/seg2.ts\n") {
			t.Errorf("%s: seg2 no longer listed as first published (4.920):\n%s", st.name, body)
		}
		prev = body
	}
	// Once the day is over its playlist is the plan's, a VOD.
	s.cfg.Now = func() time.Time { return day24.End(cet).Add(time.Hour) }
	if body := do(s, "GET", "/playlist.m3u8?date=2026-11-24").Body.String(); !strings.Contains(body, "#EXT-X-ENDLIST") ||
		!strings.Contains(body, "#EXTINF:10.000,\n2026-11-24/seg2.ts\n") || !strings.Contains(body, "2026-11-24/seg0.ts\n") {
		t.Errorf("the day over: want its plan as a VOD:\n%s", body)
	}
}

// TestPlaylistWaitsForScans is issue 11, item 6: right after start-up, a
// day's files wait for their scan; its playlist must not be an empty or
// partial VOD with ENDLIST. A request waits for the scan for a while,
// then is answered 503 with Retry-After.
func TestPlaylistWaitsForScans(t *testing.T) {
	root := t.TempDir()
	copyDir(t, root, cleanDay)
	copyInto(t, root, cleanDay, day24, "seg1.ts", "seg2.ts", "seg3.ts")
	log := testLog(t)
	cat, err := catalog.New(catalog.Config{Root: root, StateDir: t.TempDir()}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	server := func(wait time.Duration) *Server {
		s, err := New(Config{Root: root, ScanWait: wait,
			Now: func() time.Time { return time.Date(2026, 11, 24, 12, 0, 0, 153192286, cet) }}, log, cat)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}

	// Not running: nothing gets scanned.
	impatient := server(50 * time.Millisecond)
	for _, target := range []string{"/playlist.m3u8?date=2026-11-21", "/playlist.m3u8?date=2026-11-24",
		"/playlist.m3u8?date=2026-11-21&live=1"} {
		w := do(impatient, "GET", target)
		if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" || strings.Contains(w.Body.String(), "#EXT") {
			t.Errorf("%s before the scan: %d, Retry-After %q:\n%s", target, w.Code, w.Header().Get("Retry-After"), w.Body)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- cat.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	w := do(server(time.Minute), "GET", "/playlist.m3u8?date=2026-11-21")
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "#EXT-X-ENDLIST") || strings.Count(body, "#EXTINF:") != 3 {
		t.Errorf("after waiting for the scan: %d\n%s", w.Code, body)
	}

	// A past day with a file still being written: no ENDLIST.
	f, err := os.Create(filepath.Join(root, cleanDay.String(), "seg4.ts"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	deadline := time.After(20 * time.Second)
	for {
		changed := cat.Changed()
		if v, _ := cat.Day(cleanDay); v.Pending == 1 {
			break
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the new file not seen")
		}
	}
	w = do(impatient, "GET", "/playlist.m3u8?date=2026-11-21")
	if body := w.Body.String(); w.Code != 200 || strings.Contains(body, "#EXT-X-ENDLIST") || strings.Count(body, "#EXTINF:") != 3 ||
		w.Header().Get("Cache-Control") != cacheShort {
		t.Errorf("a past day with a file being written: %d, Cache-Control %q\n%s", w.Code, w.Header().Get("Cache-Control"), body)
	}
}
