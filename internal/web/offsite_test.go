package web

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// fakeOffsite is a bucket in memory: the days' receipts and the files'
// bytes, served with one range as S3 serves them. A file in days but not
// in objects is one the bucket lost; fail makes every Get fail.
type fakeOffsite struct {
	mu      sync.Mutex
	days    map[day.Date]OffsiteDay
	objects map[string][]byte // DATE/NAME
	fail    error
	hang    bool     // Get waits for its context to end, as a hung server does
	gets    []string // the Range of each Get
}

func (f *fakeOffsite) OffsiteDays() map[day.Date]OffsiteDay { return f.days }

func (f *fakeOffsite) Get(ctx context.Context, d day.Date, name, rng string) (*RemoteFile, error) {
	f.mu.Lock()
	f.gets = append(f.gets, rng)
	f.mu.Unlock()
	if f.hang {
		<-ctx.Done()
		return nil, fmt.Errorf("get: %w", ctx.Err())
	}
	if f.fail != nil {
		return nil, f.fail
	}
	b, ok := f.objects[d.String()+"/"+name]
	if !ok {
		return nil, fmt.Errorf("get %s/%s: %w", d, name, ErrRemoteNotFound)
	}
	rf := &RemoteFile{ETag: `"e-` + strconv.Itoa(len(b)) + `"`, LastModified: time.Date(2026, 11, 23, 3, 0, 0, 0, time.UTC)}
	if rng == "" {
		rf.ReadCloser, rf.Size = io.NopCloser(bytes.NewReader(b)), int64(len(b))
		return rf, nil
	}
	a, z, _ := strings.Cut(strings.TrimPrefix(rng, "bytes="), "-")
	n := int64(len(b))
	first, _ := strconv.ParseInt(a, 10, 64)
	last, err := strconv.ParseInt(z, 10, 64)
	switch {
	case a == "":
		first, last = max(n-last, 0), n-1
	case err != nil || last >= n:
		last = n - 1
	}
	if first >= n {
		return nil, ErrRemoteRange
	}
	rf.ReadCloser, rf.Size = io.NopCloser(bytes.NewReader(b[first:last+1])), last-first+1
	rf.ContentRange = fmt.Sprintf("bytes %d-%d/%d", first, last, n)
	return rf, nil
}

// offsiteCase is a camera whose days are: 2026-11-24 today's segments;
// 2026-11-23 archived here and off-site; 2026-11-22 archived here, not
// off-site yet; 2026-11-21 an empty folder whose archives are off-site
// only; 2026-11-20 off-site only, its folder gone; 2026-11-19 archived
// here with a late archive the bucket does not have yet.
func offsiteCase(t *testing.T) (*fakeCatalog, *fakeOffsite, map[day.Date]map[string][]ts.Run) {
	t.Helper()
	d := func(n int) day.Date { return day.Date{Year: 2026, Month: 11, Day: n} }
	cat := &fakeCatalog{}
	cat.set(view(day24, run(1, 6, day24.Start(cet).Add(6*time.Hour+cameraFraction), 126000)))
	local := func(n int, names ...string) {
		v := view(d(n), nil)
		for _, name := range names {
			v.Archives = append(v.Archives, catalog.Archive{Name: name, Size: 2_500_000_000, Duration: 23 * time.Hour, Checksum: true})
		}
		cat.set(v)
	}
	local(23, "video.mp4")
	local(22, "video.mp4")
	cat.set(view(d(21), nil))
	local(19, "video.mp4", "video-2.mp4")
	rng := rand.NewChaCha8([32]byte{17})
	video := make([]byte, 10_000)
	rng.Read(video)
	sum := []byte(strings.Repeat("ab", 64) + "  video.mp4\n")
	verified := func(at time.Time, files ...OffsiteFile) OffsiteDay {
		return OffsiteDay{VerifiedAt: at, Files: files}
	}
	files := []OffsiteFile{{Name: "video.mp4", Size: int64(len(video))}, {Name: "video.mp4.sha512sum", Size: int64(len(sum))}, {Name: "index.json", Size: 300}}
	off := &fakeOffsite{
		days: map[day.Date]OffsiteDay{
			d(23): verified(time.Date(2026, 11, 26, 3, 4, 5, 153192286, cet), files...),
			d(21): verified(time.Date(2026, 11, 24, 2, 0, 1, 153192286, cet), append(files, OffsiteFile{Name: "video-2.mp4", Size: 5_000_000})...),
			d(20): verified(time.Date(2026, 11, 23, 2, 0, 1, 153192286, cet), files...),
			d(19): verified(time.Date(2026, 11, 22, 2, 0, 1, 153192286, cet), files...),
		},
		objects: map[string][]byte{},
	}
	for _, n := range []int{23, 21, 20, 19} {
		off.objects[d(n).String()+"/video.mp4"] = video
		off.objects[d(n).String()+"/video.mp4.sha512sum"] = sum
		off.objects[d(n).String()+"/index.json"] = []byte("{}")
	}
	// 2026-11-21's video-2.mp4 is in its receipt, but the bucket lost it.
	start := d(20).Start(cet).Add(cameraFraction)
	runs := map[day.Date]map[string][]ts.Run{
		d(20): {"video.mp4": {{Start: start.Add(8 * time.Hour), Pos: 0, Len: 4 * time.Hour},
			{Start: start.Add(13 * time.Hour), Pos: 4 * time.Hour, Len: 2 * time.Hour}}},
	}
	return cat, off, runs
}

func TestOffsiteIndexGolden(t *testing.T) {
	d := func(n int) day.Date { return day.Date{Year: 2026, Month: 11, Day: n} }
	// An upload's error as the uploader has it: long, on two lines, with
	// markup the page must not take as its own.
	longErr := "off-site upload 2026-11-22: put video.mp4: <b>server</b> said: " + strings.Repeat("SlowDown ", 30) + "please reduce your request rate\nretry"
	tests := []struct {
		name   string
		golden string
		// states are the uploader's (Config.OffsiteState); nil: none.
		states map[day.Date]uploadState
		// local are archived days added to offsiteCase's, not off-site.
		local []int
		want  []string
		not   []string
	}{
		{name: "receipts only", golden: "index_offsite",
			want: []string{
				"<td>2026-11-20</td>", // its folder gone: listed from the bucket
				`<a href="2026-11-20/video.mp4">video.mp4</a>, 6h00m00s`,
				`data-file="2026-11-20/video.mp4"`, // its timeline, from its runs
				"off-site ✓ 2026-11-26 03:04:05",
				"not off-site yet",
				"off-site: video-2.mp4 not yet",
			}},
		{name: "uploader states", golden: "index_offsite_states", local: []int{18, 17},
			states: map[day.Date]uploadState{
				d(23): {state: "pending"}, // its local archive changed since
				d(22): {state: "error", err: longErr},
				d(21): {state: "verified"},
				d(20): {state: "verified"},
				d(19): {state: "uploading"},
				d(18): {state: "pending"},
				d(17): {state: "uploading"},
			},
			want: []string{
				"off-site ✓ 2026-11-24 02:00:01", // 2026-11-21, served from the bucket
				"off-site ✓ 2026-11-23 02:00:01", // 2026-11-20
				"off-site: pending (an earlier copy verified 2026-11-26 03:04:05)",
				`<span class="failed">off-site: error — off-site upload 2026-11-22: put video.mp4: &lt;b&gt;server&lt;/b&gt; said: … SlowDown`,
				"SlowDown please reduce your request rate</span>", // the end, with the server's reason
				"off-site: uploading… (video-2.mp4 not yet; the rest verified 2026-11-22 02:00:01)",
				`<span class="muted">off-site: pending</span>`,
				`<span class="muted">off-site: uploading…</span>`,
			},
			not: []string{"not off-site yet", "<b>server", "retry", "SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown SlowDown"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cat, off, runs := offsiteCase(t)
			for _, n := range tc.local {
				v := view(d(n), nil)
				v.Archives = []catalog.Archive{{Name: "video.mp4", Size: 2_400_000_000, Duration: 23 * time.Hour, Checksum: true}}
				cat.set(v)
			}
			cfg := Config{Offsite: off, ArchiveRuns: func(d day.Date) map[string][]ts.Run { return runs[d] }}
			if tc.states != nil {
				cfg.OffsiteState = func(d day.Date) (string, string) {
					st, ok := tc.states[d]
					if !ok {
						t.Errorf("the state of %s, a day without archives, was asked for", d)
					}
					return st.state, st.err
				}
			}
			s, _ := fakeServer(t, cat, cfg)
			w := do(s, "GET", "/")
			if w.Code != 200 {
				t.Fatalf("GET /: %d", w.Code)
			}
			golden(t, tc.golden, w.Body.Bytes())
			body := w.Body.String()
			for _, want := range tc.want {
				if !strings.Contains(body, want) {
					t.Errorf("the page has no %q", want)
				}
			}
			for _, not := range tc.not {
				if strings.Contains(body, not) {
					t.Errorf("the page has %q", not)
				}
			}
			etag := w.Header().Get("ETag")
			if w := do(s, "GET", "/", "If-None-Match", etag); w.Code != 304 {
				t.Errorf("nothing changed: %d", w.Code)
			}
			if tc.states != nil {
				// The uploader moves on: the page is made again.
				tc.states[d(22)] = uploadState{state: "uploading"}
				w := do(s, "GET", "/", "If-None-Match", etag)
				if b := w.Body.String(); w.Code != 200 || strings.Contains(b, "off-site: error") || !strings.Contains(b, `<span class="muted">off-site: uploading…</span>`) {
					t.Errorf("after 2026-11-22's upload started: %d, still the error", w.Code)
				}
				etag = w.Header().Get("ETag")
			}
			// A day verified (or verified again) makes the page again.
			off.days[d(22)] = OffsiteDay{VerifiedAt: time.Date(2026, 11, 27, 1, 0, 0, 153192286, cet), Files: off.days[d(23)].Files}
			if tc.states != nil {
				tc.states[d(22)] = uploadState{state: "verified"}
			}
			if w := do(s, "GET", "/", "If-None-Match", etag); w.Code != 200 || !strings.Contains(w.Body.String(), "off-site ✓ 2026-11-27 01:00:00") {
				t.Errorf("after 2026-11-22 was verified: %d, not shown verified", w.Code)
			}
		})
	}
	// Without Offsite, the page is as it was: no off-site words, even
	// with the uploader's states.
	cat, _, _ := offsiteCase(t)
	plain, _ := fakeServer(t, cat, Config{OffsiteState: func(day.Date) (string, string) { return "error", "x" }})
	if b := do(plain, "GET", "/").Body.String(); strings.Contains(b, "off-site") || strings.Contains(b, "2026-11-20") {
		t.Error("a server without Offsite shows off-site state")
	}
}

func TestOffsiteFile(t *testing.T) {
	cat, off, _ := offsiteCase(t)
	s, _ := fakeServer(t, cat, Config{Offsite: off})
	video := off.objects["2026-11-20/video.mp4"]
	// 2026-11-23 still has its local archive: it is served from here.
	localVideo := []byte("the local archive")
	if err := os.MkdirAll(filepath.Join(s.cfg.Root, "2026-11-23"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(s.cfg.Root, "2026-11-23", "video.mp4"), localVideo, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		method    string
		path      string
		hdr       []string
		code      int
		body      []byte
		wantRange string // the Range the bucket is asked for
		headers   map[string]string
		text      string
	}{
		{name: "whole", path: "/2026-11-20/video.mp4", code: 200, body: video,
			headers: map[string]string{"Content-Length": "10000", "Accept-Ranges": "bytes", "Content-Type": "video/mp4", "ETag": `"e-10000"`}},
		{name: "range", path: "/2026-11-20/video.mp4", hdr: []string{"Range", "bytes=100-199"}, code: 206, body: video[100:200], wantRange: "bytes=100-199",
			headers: map[string]string{"Content-Range": "bytes 100-199/10000", "Content-Length": "100"}},
		{name: "open range", path: "/2026-11-21/video.mp4", hdr: []string{"Range", "bytes=9990-"}, code: 206, body: video[9990:], wantRange: "bytes=9990-",
			headers: map[string]string{"Content-Range": "bytes 9990-9999/10000"}},
		{name: "suffix range", path: "/2026-11-20/video.mp4", hdr: []string{"Range", "bytes=-10"}, code: 206, body: video[9990:], wantRange: "bytes=-10"},
		{name: "past the end", path: "/2026-11-20/video.mp4", hdr: []string{"Range", "bytes=20000-"}, code: 416, wantRange: "bytes=20000-",
			headers: map[string]string{"Content-Range": "bytes */10000"}},
		{name: "several ranges: all of it", path: "/2026-11-20/video.mp4", hdr: []string{"Range", "bytes=0-1,5-6"}, code: 200, body: video},
		{name: "If-Range of another version: all of it", path: "/2026-11-20/video.mp4", hdr: []string{"Range", "bytes=0-9", "If-Range", `"other"`}, code: 200, body: video, wantRange: ""},
		{name: "If-Range of this version", path: "/2026-11-20/video.mp4", hdr: []string{"Range", "bytes=0-9", "If-Range", `"e-10000"`}, code: 206, body: video[:10], wantRange: "bytes=0-9"},
		{name: "not modified", path: "/2026-11-20/video.mp4", hdr: []string{"If-None-Match", `"e-10000"`}, code: 304},
		{name: "head", method: "HEAD", path: "/2026-11-20/video.mp4", code: 200, headers: map[string]string{"Content-Length": "10000"}},
		{name: "checksum", path: "/2026-11-20/video.mp4.sha512sum", code: 200, body: off.objects["2026-11-20/video.mp4.sha512sum"],
			headers: map[string]string{"Content-Type": "text/plain; charset=utf-8"}},
		{name: "local copy first", path: "/2026-11-23/video.mp4", code: 200, body: localVideo},
		{name: "not a served name", path: "/2026-11-20/index.json", code: 404},
		{name: "not in the receipt", path: "/2026-11-20/video-3.mp4", code: 404},
		{name: "not verified", path: "/2026-11-22/video.mp4", code: 404},
		{name: "lost by the bucket", path: "/2026-11-21/video-2.mp4", code: 502, text: "missing from the bucket"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			off.gets = nil
			w := do(s, cmpOr(tc.method, "GET"), tc.path, tc.hdr...)
			if w.Code != tc.code {
				t.Fatalf("%s: %d %q, want %d", tc.path, w.Code, w.Body.String(), tc.code)
			}
			if tc.body != nil && !bytes.Equal(w.Body.Bytes(), tc.body) {
				t.Errorf("body: %d bytes, not the %d wanted", w.Body.Len(), len(tc.body))
			}
			for k, v := range tc.headers {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if tc.text != "" && !strings.Contains(w.Body.String(), tc.text) {
				t.Errorf("body %q, want %q in it", w.Body.String(), tc.text)
			}
			if tc.wantRange != "" && (len(off.gets) == 0 || off.gets[0] != tc.wantRange) {
				t.Errorf("the bucket was asked for %q, want %q", off.gets, tc.wantRange)
			}
			if strings.HasPrefix(tc.name, "If-Range of another") && (len(off.gets) != 2 || off.gets[1] != "") {
				t.Errorf("the bucket was asked for %q, want the range, then all", off.gets)
			}
		})
	}
	t.Run("bucket unreachable", func(t *testing.T) {
		off.fail = fmt.Errorf("off-site get: unreachable: dial tcp: connection refused")
		defer func() { off.fail = nil }()
		w := do(s, "GET", "/2026-11-20/video.mp4")
		if w.Code != 502 || !strings.Contains(w.Body.String(), "off-site only") {
			t.Errorf("%d %q, want 502 saying why", w.Code, w.Body.String())
		}
	})
	t.Run("bucket hung", func(t *testing.T) {
		off.hang, s.remoteWait = true, 10*time.Millisecond
		defer func() { off.hang, s.remoteWait = false, remoteWait }()
		w := do(s, "GET", "/2026-11-20/video.mp4")
		if w.Code != 504 || !strings.Contains(w.Body.String(), "did not answer in time") {
			t.Errorf("%d %q, want 504 saying why", w.Code, w.Body.String())
		}
	})
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func TestOffsitePlaylist(t *testing.T) {
	cat, off, _ := offsiteCase(t)
	s, _ := fakeServer(t, cat, Config{Offsite: off})
	tests := []struct {
		date  string
		code  int
		loc   string
		links int
	}{
		{date: "2026-11-20", code: 302, loc: "/2026-11-20/video.mp4"},
		{date: "2026-11-21", code: 302, loc: "/2026-11-21/video.mp4", links: 2},
		{date: "2026-11-22", code: 302, loc: "/2026-11-22/video.mp4"},
		{date: "2026-11-18", code: 404},
	}
	for _, tc := range tests {
		t.Run(tc.date, func(t *testing.T) {
			w := do(s, "GET", "/playlist.m3u8?date="+tc.date)
			if w.Code != tc.code || w.Header().Get("Location") != tc.loc || len(w.Header().Values("Link")) != tc.links {
				t.Errorf("%d to %q, links %q; want %d to %q, %d links", w.Code, w.Header().Get("Location"), w.Header().Values("Link"), tc.code, tc.loc, tc.links)
			}
		})
	}
	if w := do(s, "GET", "/playlist.m3u8?date=2026-11-20&live=1"); w.Code != http.StatusOK {
		t.Errorf("a live playlist from an off-site day: %d", w.Code)
	}
}

func TestSingleRange(t *testing.T) {
	for h, want := range map[string]bool{
		"bytes=0-99": true, "bytes=5-": true, "bytes=-5": true, "bytes=9-9": true,
		"": false, "bytes=": false, "bytes=-": false, "bytes=9-1": false, "bytes=0-1,3-4": false,
		"items=0-1": false, "bytes=a-1": false, "bytes=1-b": false, "bytes=99999999999999999999-": false,
	} {
		if got := singleRange(h); got != want {
			t.Errorf("singleRange(%q) = %v, want %v", h, got, want)
		}
	}
}

func TestShortError(t *testing.T) {
	long := "off-site upload site1/default/2026-11-10/video.mp4: put: operation error S3: PutObject, https response error StatusCode: 400, RequestID: , HostID: , api error InvalidRequest: refused by the test"
	tests := []struct {
		name, err, want string
	}{
		{name: "short", err: "off-site upload: unreachable", want: "off-site upload: unreachable"},
		{name: "first line, spaces squeezed", err: "wrong  credentials\n\tdetails", want: "wrong credentials"},
		{name: "long: its start and its end", err: long,
			want: "off-site upload site1/default/2026-11-10/video.mp4: put: … error StatusCode: 400, RequestID: , HostID: , api error InvalidRequest: refused by the test"},
		{name: "long without spaces", err: strings.Repeat("é", 300), want: strings.Repeat("é", 64) + " … " + strings.Repeat("é", 93)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := shortError(tc.err)
			if got != tc.want {
				t.Errorf("shortError:\n got %q\nwant %q", got, tc.want)
			}
			if n := len([]rune(got)); n > maxErrorText {
				t.Errorf("%d characters, more than %d", n, maxErrorText)
			}
		})
	}
}
