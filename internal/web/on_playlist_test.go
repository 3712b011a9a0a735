package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
)

var (
	day22 = day.Date{Year: 2026, Month: 11, Day: 22}
	day23 = day.Date{Year: 2026, Month: 11, Day: 23}
	day24 = day.Date{Year: 2026, Month: 11, Day: 24}
)

// fakeServer serves a fake catalog; its clock says 2026-11-24 12:00 CET.
func fakeServer(t *testing.T, cat *fakeCatalog, cfg Config) (*Server, *fakeclock.Clock) {
	t.Helper()
	clk := fakeclock.New(time.Date(2026, 11, 24, 12, 0, 0, 0, cet))
	cfg.Root, cfg.Now = t.TempDir(), clk.Now
	s, err := New(cfg, testLog(t), cat)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, clk
}

func do(s http.Handler, method, target string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("differs from %s:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// midnight is a camera run across midnight into day24, then a restart.
func midnight() (*catalog.DayView, *catalog.DayView) {
	at := day24.Start(cet).Add(-30 * time.Second)
	segs := run(8638, 6, at, 5_000_000)
	next := segs[3:]
	for i := range next {
		next[i].Name = "seg" + itoa(i+1) + ".ts"
	}
	restart := run(4, 2, day24.Start(cet).Add(35*time.Second), 126000)
	restart[0].Discontinuity = true
	return view(day23, segs[:3:3]), view(day24, append(next[:3:3], restart...))
}

func TestPlaylistGolden(t *testing.T) {
	cat := &fakeCatalog{}
	cat.set(view(day22, run(1, 5, day22.Start(cet).Add(8*time.Hour), 126000)))
	d23, d24 := midnight()
	cat.set(d23)
	cat.set(d24)
	s, _ := fakeServer(t, cat, Config{})
	tests := []struct{ name, target string }{
		{"playlist_clean_day", "/playlist.m3u8?date=2026-11-22"},
		{"playlist_today", "/playlist.m3u8?date=2026-11-24"},
		{"playlist_live_across_midnight", "/playlist.m3u8?date=2026-11-23&live=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := do(s, "GET", tt.target)
			if w.Code != 200 {
				t.Fatalf("%d %s", w.Code, w.Body)
			}
			golden(t, tt.name, w.Body.Bytes())
		})
	}
	cat.set(view(day22, restartAndGap(day22)))
	t.Run("playlist_restart_and_gap", func(t *testing.T) {
		golden(t, "playlist_restart_and_gap", do(s, "GET", "/playlist.m3u8?date=2026-11-22").Body.Bytes())
	})
}

// responsesServer serves a closed day with a restart and a gap (22nd),
// today (24th) and archived days.
func responsesServer(t *testing.T) *Server {
	cat := &fakeCatalog{}
	cat.set(view(day22, restartAndGap(day22)))
	cat.set(view(day24, run(1, 3, day24.Start(cet).Add(8*time.Hour), 126000)))
	archived := view(day.Date{Year: 2026, Month: 11, Day: 1}, nil)
	archived.Archives = []catalog.Archive{{Name: "video.mp4", Size: 1 << 30, Duration: 24 * time.Hour, Checksum: true}}
	cat.set(archived)
	// Late segments archived into video-2.mp4 and video-10.mp4 (the
	// catalog lists archives in the order of their numbers).
	twice := view(day.Date{Year: 2026, Month: 11, Day: 2}, nil)
	twice.Archives = []catalog.Archive{{Name: "video.mp4"}, {Name: "video-2.mp4"}, {Name: "video-10.mp4"}}
	cat.set(twice)
	// A late segment waiting for its own archive.
	waiting := view(day.Date{Year: 2026, Month: 11, Day: 3}, run(1, 1, day.Date{Year: 2026, Month: 11, Day: 3}.Start(cet).Add(23*time.Hour), 126000))
	waiting.Archives = []catalog.Archive{{Name: "video.mp4"}}
	cat.set(waiting)
	s, _ := fakeServer(t, cat, Config{})
	return s
}

func TestPlaylistResponses(t *testing.T) {
	s := responsesServer(t)
	tests := []struct {
		name, target string
		code         int
		header       map[string]string
		links        []string // every Link header, in order
		body         []string // substrings
	}{
		{name: "closed day", target: "/playlist.m3u8?date=2026-11-22", code: 200,
			header: map[string]string{"Content-Type": "application/vnd.apple.mpegurl", "Cache-Control": cacheLong},
			body:   []string{"#EXT-X-PLAYLIST-TYPE:VOD\n", "#EXT-X-ENDLIST\n", "2026-11-22/seg1.ts\n"}},
		{name: "seed's path", target: "/playlist.php?date=2026-11-22", code: 200, body: []string{"#EXT-X-ENDLIST\n"}},
		{name: "bare path", target: "/playlist?date=2026-11-22", code: 200, body: []string{"#EXT-X-ENDLIST\n"}},
		{name: "bare path, missing day", target: "/playlist?date=2026-11-23", code: 404},
		{name: "today", target: "/playlist.m3u8?date=2026-11-24", code: 200,
			header: map[string]string{"Cache-Control": cacheShort}, body: []string{"#EXT-X-PLAYLIST-TYPE:EVENT\n"}},
		{name: "live", target: "/playlist.m3u8?date=2026-11-24&live=1", code: 200,
			header: map[string]string{"Cache-Control": cacheShort}, body: []string{"#EXT-X-DISCONTINUITY-SEQUENCE:0\n"}},
		{name: "live without date", target: "/playlist.m3u8?live=1", code: 302,
			header: map[string]string{"Location": "/playlist.m3u8?live=1&date=2026-11-24"}},
		{name: "live without date, seed's path", target: "/playlist.php?live=1", code: 302,
			header: map[string]string{"Location": "/playlist.php?live=1&date=2026-11-24"}},
		{name: "live without date, bare path", target: "/playlist?live=1", code: 302,
			header: map[string]string{"Location": "/playlist?live=1&date=2026-11-24"}},
		{name: "archived day", target: "/playlist.m3u8?date=2026-11-01", code: 302,
			header: map[string]string{"Location": "/2026-11-01/video.mp4"}},
		{name: "archived day with late archives", target: "/playlist.m3u8?date=2026-11-02", code: 302,
			header: map[string]string{"Location": "/2026-11-02/video.mp4"},
			links: []string{`</2026-11-02/video.mp4>; rel="item"`, `</2026-11-02/video-2.mp4>; rel="item"`,
				`</2026-11-02/video-10.mp4>; rel="item"`}},
		{name: "archived day with a late segment", target: "/playlist.m3u8?date=2026-11-03", code: 302,
			header: map[string]string{"Location": "/2026-11-03/video.mp4"}},
		{name: "archived day, live", target: "/playlist.m3u8?date=2026-11-01&live=1", code: 200, body: []string{"2026-11-22/seg1.ts"}},
		{name: "missing day", target: "/playlist.m3u8?date=2026-11-23", code: 404},
		{name: "not a date", target: "/playlist.m3u8?date=2024-13-45", code: 400},
		{name: "no date", target: "/playlist.m3u8", code: 400},
		{name: "live=yes", target: "/playlist.m3u8?date=2026-11-24&live=yes", code: 400},
		{name: "two dates", target: "/playlist.m3u8?date=2026-11-24&date=2026-11-22", code: 400},
		{name: "unknown keys are ignored", target: "/playlist.m3u8?date=2026-11-24&_=12345", code: 200},
		{name: "POST", target: "/playlist.m3u8?date=2026-11-24", code: 405, header: map[string]string{"Allow": "GET, HEAD"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := "GET"
			if tt.name == "POST" {
				method = "POST"
			}
			w := do(s, method, tt.target)
			if w.Code != tt.code {
				t.Fatalf("%s: %d %q, want %d", tt.target, w.Code, w.Body, tt.code)
			}
			for k, v := range tt.header {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if got := w.Header().Values("Link"); !slices.Equal(got, tt.links) {
				t.Errorf("Link: %q, want %q", got, tt.links)
			}
			for _, b := range tt.body {
				if !strings.Contains(w.Body.String(), b) {
					t.Errorf("body lacks %q:\n%s", b, w.Body)
				}
			}
			if tt.code >= 400 && w.Body.Len() > 100 {
				t.Errorf("error body %d bytes, want a short text", w.Body.Len())
			}
		})
	}
}

func TestPlaylistTodayBecomesClosed(t *testing.T) {
	cat := &fakeCatalog{}
	cat.set(view(day24, run(1, 3, day24.Start(cet).Add(8*time.Hour), 126000)))
	s, clk := fakeServer(t, cat, Config{})
	if b := do(s, "GET", "/playlist.m3u8?date=2026-11-24").Body.String(); !strings.Contains(b, "EVENT") {
		t.Fatalf("today:\n%s", b)
	}
	clk.Set(day24.End(cet).Add(time.Minute))
	if b := do(s, "GET", "/playlist.m3u8?date=2026-11-24").Body.String(); !strings.Contains(b, "#EXT-X-PLAYLIST-TYPE:VOD") {
		t.Fatalf("the day after, the cached EVENT playlist is still served:\n%s", b)
	}
}

func TestPlaylistGzipAndETag(t *testing.T) {
	cat := &fakeCatalog{}
	cat.set(view(day22, run(1, 500, day22.Start(cet), 126000)))
	s, _ := fakeServer(t, cat, Config{})
	target := "/playlist.m3u8?date=2026-11-22"
	plain := do(s, "GET", target)
	zipped := do(s, "GET", target, "Accept-Encoding", "br, gzip;q=0.8")
	if zipped.Header().Get("Content-Encoding") != "gzip" || zipped.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("headers %v", zipped.Header())
	}
	zbody := zipped.Body.Bytes()
	zr, err := gzip.NewReader(bytes.NewReader(zbody))
	if err != nil {
		t.Fatal(err)
	}
	unzipped, _ := io.ReadAll(zr)
	if !bytes.Equal(unzipped, plain.Body.Bytes()) {
		t.Error("gzipped playlist differs from the plain one")
	}
	if len(zbody)*5 > plain.Body.Len() {
		t.Errorf("gzip: %d of %d bytes", len(zbody), plain.Body.Len())
	}
	if n, _ := strconv.Atoi(zipped.Header().Get("Content-Length")); n != len(zbody) {
		t.Errorf("Content-Length %d, body %d", n, len(zbody))
	}
	if do(s, "GET", target, "Accept-Encoding", "gzip;q=0").Header().Get("Content-Encoding") != "" {
		t.Error("gzip;q=0 got gzip")
	}
	etag := plain.Header().Get("ETag")
	if etag == "" || etag == zipped.Header().Get("ETag") {
		t.Fatalf("ETags %q and %q", etag, zipped.Header().Get("ETag"))
	}
	if w := do(s, "GET", target, "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", w.Code)
	}
	if w := do(s, "HEAD", target); w.Code != 200 || w.Body.Len() != 0 || w.Header().Get("Content-Length") != strconv.Itoa(plain.Body.Len()) {
		t.Errorf("HEAD: %d, %d bytes, length %s", w.Code, w.Body.Len(), w.Header().Get("Content-Length"))
	}
	// A change makes a new playlist and a new ETag.
	cat.set(view(day22, run(1, 501, day22.Start(cet), 126000)))
	if w := do(s, "GET", target, "If-None-Match", etag); w.Code != 200 || w.Header().Get("ETag") == etag {
		t.Errorf("after a change: %d, ETag %q", w.Code, w.Header().Get("ETag"))
	}
}

// playlistEntry is a segment as a reloading player sees it.
type playlistEntry struct {
	seq, dseq uint64
	uri       string
}

// entries reads a playlist's segments with their implicit media and
// discontinuity sequence numbers, and its target duration.
func entries(t *testing.T, text string) ([]playlistEntry, int) {
	t.Helper()
	var out []playlistEntry
	var seq, dseq uint64
	target := 0
	for _, l := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(l, "#EXT-X-MEDIA-SEQUENCE:"):
			seq, _ = strconv.ParseUint(strings.TrimPrefix(l, "#EXT-X-MEDIA-SEQUENCE:"), 10, 64)
		case strings.HasPrefix(l, "#EXT-X-DISCONTINUITY-SEQUENCE:"):
			dseq, _ = strconv.ParseUint(strings.TrimPrefix(l, "#EXT-X-DISCONTINUITY-SEQUENCE:"), 10, 64)
		case strings.HasPrefix(l, "#EXT-X-TARGETDURATION:"):
			target, _ = strconv.Atoi(strings.TrimPrefix(l, "#EXT-X-TARGETDURATION:"))
		case l == "#EXT-X-DISCONTINUITY":
			dseq++
		case l != "" && !strings.HasPrefix(l, "#"):
			out = append(out, playlistEntry{seq: seq, dseq: dseq, uri: l})
			seq++
		}
	}
	return out, target
}

// TestLiveSequenceNumbersAreStable reloads a live playlist while footage
// arrives, days change and segments leave the window: every segment keeps
// its media and discontinuity sequence numbers, and the target duration
// never changes.
func TestLiveSequenceNumbersAreStable(t *testing.T) {
	cat := &fakeCatalog{}
	s, _ := fakeServer(t, cat, Config{LiveWindow: time.Minute})
	seen := map[string]playlistEntry{}
	target := 0
	reload := func(what string) []playlistEntry {
		t.Helper()
		w := do(s, "GET", "/playlist.m3u8?date=2026-11-23&live=1")
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", what, w.Code, w.Body)
		}
		got, td := entries(t, w.Body.String())
		if target == 0 {
			target = td
		} else if td != target {
			t.Errorf("%s: TARGETDURATION %d, was %d", what, td, target)
		}
		for _, e := range got {
			if old, ok := seen[e.uri]; ok && old != e {
				t.Errorf("%s: %s numbered %+v, was %+v", what, e.uri, e, old)
			}
			seen[e.uri] = e
		}
		if strings.Contains(w.Body.String(), "#EXT-X-ENDLIST") {
			t.Errorf("%s: a live playlist ends", what)
		}
		return got
	}
	d23, d24 := midnight()
	all23, all24 := d23.Plan.Segments, d24.Plan.Segments
	// The day's folder is there before its first segment.
	cat.set(view(day23, nil))
	if got := reload("empty day"); len(got) != 0 {
		t.Fatalf("empty day lists %v", got)
	}
	// The camera delivers one segment after another: 3 before midnight,
	// 3 after (the same run), then a restart.
	for i := 1; i <= len(all23); i++ {
		cat.set(view(day23, all23[:i]))
		reload("day 23, " + itoa(i))
	}
	for i := 1; i <= len(all24); i++ {
		cat.set(view(day24, all24[:i]))
		got := reload("day 24, " + itoa(i))
		if total := len(all23) + i; total > 6 && len(got) != 6 {
			t.Errorf("window holds %d segments, want 6 (one minute)", len(got))
		}
	}
	// A gap inside the day before the window still counts once it has left.
	if e := seen["2026-11-24/seg4.ts"]; e.dseq != 1 {
		t.Errorf("the restart after midnight: discontinuity sequence %d, want 1", e.dseq)
	}
	if e := seen["2026-11-24/seg1.ts"]; e.dseq != 0 {
		t.Errorf("midnight inside one run: discontinuity sequence %d, want 0", e.dseq)
	}
	if e := seen["2026-11-23/seg8638.ts"]; e.seq != seqBase(day23, cet) {
		t.Errorf("first segment of the day: media sequence %d, want %d", e.seq, seqBase(day23, cet))
	}
}

func TestLiveDiscontinuityAtMidnight(t *testing.T) {
	d23, _ := midnight()
	// The next day starts with another run (the camera restarted at midnight).
	next := view(day24, run(1, 2, day24.Start(cet).Add(5*time.Second), 126000))
	cat := &fakeCatalog{}
	cat.set(d23)
	cat.set(next)
	s, _ := fakeServer(t, cat, Config{})
	b := do(s, "GET", "/playlist.m3u8?date=2026-11-23&live=1").Body.String()
	want := "#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:2026-11-24T00:00:05.000+01:00\n#EXTINF:10.000,\n2026-11-24/seg1.ts\n"
	if !strings.Contains(b, want) {
		t.Errorf("want a discontinuity before the new run:\n%s", b)
	}
}

func TestPlaylistRenderedOncePerVersion(t *testing.T) {
	cat := &fakeCatalog{}
	cat.set(view(day22, run(1, 100, day22.Start(cet), 126000)))
	s, _ := fakeServer(t, cat, Config{})
	v, _ := cat.Day(day22)
	a := s.dayPlaylist(v)
	b := s.dayPlaylist(v)
	if a != b {
		t.Error("the same version was rendered twice")
	}
	cat.set(view(day22, run(1, 101, day22.Start(cet), 126000)))
	v2, _ := cat.Day(day22)
	if s.dayPlaylist(v2) == a {
		t.Error("a new version was served from the cache")
	}
}

// benchServer serves a closed day of 8640 segments, a whole day's.
func benchServer(b *testing.B) (*Server, *fakeCatalog) {
	cat := &fakeCatalog{}
	cat.set(view(day22, run(1, 8640, day22.Start(cet), 126000)))
	clk := fakeclock.New(time.Date(2026, 11, 24, 12, 0, 0, 0, cet))
	s, err := New(Config{Root: b.TempDir(), Now: clk.Now}, testLog(b), cat)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	return s, cat
}

func BenchmarkPlaylistRequest(b *testing.B) {
	s, _ := benchServer(b)
	r := httptest.NewRequest("GET", "/playlist.m3u8?date=2026-11-22", nil)
	r.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
	}
}

func BenchmarkPlaylistRender(b *testing.B) {
	s, cat := benchServer(b)
	v, _ := cat.Day(day22)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.playlists.entries = nil
		s.dayPlaylist(v)
	}
}
