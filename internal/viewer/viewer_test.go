package viewer

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/bytesize"
)

// sizeRE matches the sizes on the pages: those of ffmpeg's files change
// with its version, so the golden files hold "N B" (TestViewer/Sizes checks them).
var sizeRE = regexp.MustCompile(`\d+(\.\d)? [KMG]?i?B\b`)

func TestViewer(t *testing.T) {
	f := newFixture(t)
	base := f.http.URL

	t.Run("Index", func(t *testing.T) {
		resp, body := get(t, base, http.MethodGet, "/", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /: %d %s", resp.StatusCode, body)
		}
		if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
			t.Errorf("CSP %q: want default-src 'none' and no scripts", csp)
		}
		golden(t, "index.golden", sizeRE.ReplaceAll(body, []byte("N B")))
		for _, want := range []string{`href="sites/home/default/2026-11-27/"`, `href="sites/home/garage/2026-11-27/"`,
			`href="sites/shops/north/door/2026-11-25/"`, "Camera porch", `<a href="?site=home">1 older day</a>`, `<a href="?site=shops%2Fnorth">shops/north</a>`} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("index lacks %s", want)
			}
		}
		if bytes.Contains(body, []byte("secret")) {
			t.Error("index shows the site outside the viewer's prefix")
		}
	})

	t.Run("Site", func(t *testing.T) {
		resp, body := get(t, base, http.MethodGet, "/?site=home", nil)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("GET /?site=home: %d %s", resp.StatusCode, body)
		}
		golden(t, "site_home.golden", sizeRE.ReplaceAll(body, []byte("N B")))
		for _, want := range []string{`href="sites/home/default/2026-11-26/"`, "missing for video-2.mp4", `<a href="./">All sites</a>`} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("site page lacks %s", want)
			}
		}
		if bytes.Contains(body, []byte("north")) {
			t.Error("site page shows another site")
		}
	})

	t.Run("Sizes", func(t *testing.T) {
		_, body := get(t, base, http.MethodGet, "/?site=home", nil)
		var day int64
		for _, n := range []string{"video.mp4", "video.mp4.sha512sum", "video-2.mp4", "summary.json"} {
			day += int64(len(f.read(t, n)))
		}
		want := `<a href="sites/home/default/2026-11-26/">2026-11-26</a></td><td class="num">2</td><td class="num">` + bytesize.Format(day) + "</td>"
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("index lacks the day's size: want %s", want)
		}
	})

	t.Run("Day", func(t *testing.T) {
		for _, tc := range []struct {
			name, path string
		}{
			{name: "day_summary", path: "/sites/home/default/2026-11-26/"},
			{name: "day_index", path: "/sites/shops/north/door/2026-11-25/"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				resp, body := get(t, base, http.MethodGet, tc.path, nil)
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s: %d %s", tc.path, resp.StatusCode, body)
				}
				golden(t, tc.name+".golden", sizeRE.ReplaceAll(body, []byte("N B")))
			})
		}
	})

	t.Run("Redirect", func(t *testing.T) {
		resp, _ := get(t, base, http.MethodGet, "/sites/shops/north/door/2026-11-25", nil)
		if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "2026-11-25/" {
			t.Errorf("day without its slash: %d to %q, want 301 to the day", resp.StatusCode, resp.Header.Get("Location"))
		}
	})

	t.Run("Range", func(t *testing.T) {
		data := f.read(t, "video.mp4")
		n := len(data)
		for _, tc := range []struct {
			name, rng    string
			code         int
			from, to     int // the body: data[from:to]
			contentRange string
		}{
			{name: "whole", code: 200, to: n},
			{name: "first bytes", rng: "bytes=0-99", code: 206, to: 100, contentRange: fmt.Sprintf("bytes 0-99/%d", n)},
			{name: "middle", rng: "bytes=1000-1999", code: 206, from: 1000, to: 2000, contentRange: fmt.Sprintf("bytes 1000-1999/%d", n)},
			{name: "open end", rng: "bytes=100-", code: 206, from: 100, to: n, contentRange: fmt.Sprintf("bytes 100-%d/%d", n-1, n)},
			{name: "suffix", rng: "bytes=-50", code: 206, from: n - 50, to: n, contentRange: fmt.Sprintf("bytes %d-%d/%d", n-50, n-1, n)},
			{name: "past the end is cut", rng: fmt.Sprintf("bytes=%d-%d", n-10, n+1000), code: 206, from: n - 10, to: n, contentRange: fmt.Sprintf("bytes %d-%d/%d", n-10, n-1, n)},
			{name: "after the end", rng: fmt.Sprintf("bytes=%d-", n), code: 416, contentRange: fmt.Sprintf("bytes */%d", n)},
			{name: "backwards is ignored", rng: "bytes=50-10", code: 200, to: n},
			{name: "several ranges get the whole", rng: "bytes=0-1,5-6", code: 200, to: n},
			{name: "not bytes", rng: "lines=0-1", code: 200, to: n},
		} {
			t.Run(tc.name, func(t *testing.T) {
				hdr := http.Header{}
				if tc.rng != "" {
					hdr.Set("Range", tc.rng)
				}
				resp, body := get(t, base, http.MethodGet, "/sites/home/default/2026-11-27/video.mp4", hdr)
				if resp.StatusCode != tc.code {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.code, body)
				}
				if got := resp.Header.Get("Content-Range"); got != tc.contentRange {
					t.Errorf("Content-Range %q, want %q", got, tc.contentRange)
				}
				if tc.code == 416 {
					return
				}
				if !bytes.Equal(body, data[tc.from:tc.to]) {
					t.Errorf("body: %d bytes, want data[%d:%d] (%d bytes)", len(body), tc.from, tc.to, tc.to-tc.from)
				}
				if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(tc.to-tc.from) {
					t.Errorf("Content-Length %s, want %d", got, tc.to-tc.from)
				}
				if resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("Content-Type") != "video/mp4" {
					t.Errorf("headers %v: want Accept-Ranges bytes, Content-Type video/mp4", resp.Header)
				}
			})
		}
		t.Run("If-Range", func(t *testing.T) {
			resp, _ := get(t, base, http.MethodGet, "/sites/home/default/2026-11-27/video.mp4", http.Header{"Range": {"bytes=0-9"}})
			etag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
			if etag == "" || modified == "" {
				t.Fatalf("no ETag (%q) or Last-Modified (%q)", etag, modified)
			}
			for _, tc := range []struct {
				name, ifRange string
				code          int
			}{
				{name: "this ETag", ifRange: etag, code: 206},
				{name: "this time", ifRange: modified, code: 206},
				{name: "another ETag", ifRange: `"0123456789abcdef"`, code: 200},
				{name: "a weak ETag", ifRange: "W/" + etag, code: 200},
				{name: "another time", ifRange: "Mon, 02 Jan 2006 15:04:05 GMT", code: 200},
			} {
				t.Run(tc.name, func(t *testing.T) {
					resp, body := get(t, base, http.MethodGet, "/sites/home/default/2026-11-27/video.mp4",
						http.Header{"Range": {"bytes=0-9"}, "If-Range": {tc.ifRange}})
					want := data[:10]
					if tc.code == 200 {
						want = data
					}
					if resp.StatusCode != tc.code || !bytes.Equal(body, want) {
						t.Errorf("If-Range %s: %d with %d bytes, want %d with %d", tc.ifRange, resp.StatusCode, len(body), tc.code, len(want))
					}
				})
			}
		})
		t.Run("HEAD", func(t *testing.T) {
			resp, body := get(t, base, http.MethodHead, "/sites/home/default/2026-11-27/video.mp4", nil)
			if resp.StatusCode != 200 || resp.Header.Get("Content-Length") != strconv.Itoa(n) || len(body) != 0 {
				t.Errorf("HEAD: %d, Content-Length %s, %d bytes; want 200, %d, none", resp.StatusCode, resp.Header.Get("Content-Length"), len(body), n)
			}
		})
	})

	t.Run("FFprobe", func(t *testing.T) {
		out, err := exec.CommandContext(t.Context(), "ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
			"-of", "default=noprint_wrappers=1", base+"/sites/shops/north/door/2026-11-25/video.mp4").CombinedOutput()
		if err != nil {
			t.Fatalf("ffprobe: %v: %s", err, out)
		}
		if !strings.Contains(string(out), "codec_name=hevc") || !strings.Contains(string(out), "duration=10.") && !strings.Contains(string(out), "duration=9.9") {
			t.Errorf("ffprobe through the viewer: %s; want hevc, about 10 s", out)
		}
	})

	t.Run("Sha512sum", func(t *testing.T) {
		dir := t.TempDir()
		for _, name := range []string{"video.mp4", "video.mp4.sha512sum"} {
			resp, body := get(t, base, http.MethodGet, "/sites/home/garage/2026-11-27/"+name, nil)
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %d", name, resp.StatusCode)
			}
			if err := os.WriteFile(filepath.Join(dir, name), body, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("sha512sum", "-c", "video.mp4.sha512sum")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "video.mp4: OK") {
			t.Errorf("sha512sum -c on the downloads: %v: %s", err, out)
		}
	})

	t.Run("Hostile", func(t *testing.T) {
		before := len(f.count.all())
		for _, tc := range []struct {
			name, method, path string
			code               int
		}{
			{name: "dot dot", path: "/sites/../secret/default/2026-11-27/video.mp4", code: 400},
			{name: "dot dot inside", path: "/sites/home/../../secret/default/2026-11-27/video.mp4", code: 400},
			{name: "escaped dot dot", path: "/sites/%2E%2E/secret/default/2026-11-27/video.mp4", code: 400},
			{name: "escaped slash", path: "/sites/home%2F..%2F..%2Fsecret/default/2026-11-27/video.mp4", code: 400},
			{name: "dot dot as the name", path: "/sites/home/default/2026-11-27/..", code: 400},
			{name: "empty segment", path: "/sites/home//default/2026-11-27/video.mp4", code: 400},
			{name: "bad escape", path: "/sites/home/default/2026-11-27/video%zz.mp4", code: 400},
			{name: "nul", path: "/sites/home/default/2026-11-27/video.mp4%00", code: 400},
			{name: "month 13", path: "/sites/home/default/2026-13-01/video.mp4", code: 400},
			{name: "date without dashes", path: "/sites/home/default/20261127/video.mp4", code: 400},
			{name: "february 30", path: "/sites/home/default/2026-02-30/", code: 400},
			{name: "too short", path: "/sites/home/", code: 400},
			{name: "unknown site", path: "/sites/nosuch/default/2026-11-27/video.mp4", code: 404},
			{name: "site outside the prefix", path: "/sites/secret/default/2026-11-27/video.mp4", code: 404},
			{name: "no root site", path: "/sites/-/default/2026-11-27/video.mp4", code: 404},
			{name: "unknown camera", path: "/sites/home/nosuch/2026-11-27/video.mp4", code: 404},
			{name: "camera of site.json without days", path: "/sites/home/porch/2026-11-27/", code: 404},
			{name: "unknown day", path: "/sites/home/default/2026-11-20/video.mp4", code: 404},
			{name: "unknown file", path: "/sites/home/default/2026-11-27/secret.txt", code: 404},
			{name: "site.json is no day's file", path: "/sites/home/default/2026-11-27/../../site.json", code: 400},
			{name: "outside /sites/", path: "/secret/site.json", code: 404},
			{name: "unknown site's page", path: "/?site=secret", code: 404},
			{name: "site page of the root", path: "/?site=..", code: 404},
			{name: "other query", path: "/?x=1", code: 400},
			{name: "two sites", path: "/?site=home&site=shops%2Fnorth", code: 400},
			{name: "write", method: http.MethodPut, path: "/sites/home/default/2026-11-27/video.mp4", code: 405},
			{name: "delete", method: http.MethodDelete, path: "/sites/home/default/2026-11-27/video.mp4", code: 405},
		} {
			t.Run(tc.name, func(t *testing.T) {
				method := tc.method
				if method == "" {
					method = http.MethodGet
				}
				resp, body := get(t, base, method, tc.path, nil)
				if resp.StatusCode != tc.code {
					t.Errorf("%s %s: %d %s, want %d", method, tc.path, resp.StatusCode, body, tc.code)
				}
			})
		}
		if got := f.count.all()[before:]; len(got) != 0 {
			t.Errorf("hostile requests reached the bucket: %q", got)
		}
	})

	t.Run("OnlyThePrefix", func(t *testing.T) {
		// Every request the viewer made: a check of the bucket, listings
		// under cctv/ and objects under cctv/.
		for _, r := range f.count.all() {
			ok := r == "HEAD /offsite" ||
				strings.HasPrefix(r, "GET /offsite?") && strings.Contains(r, "list-type=2") && strings.Contains(r, "prefix=cctv%2F") ||
				strings.HasPrefix(r, "GET /offsite/cctv/")
			if !ok {
				t.Errorf("request outside s3://offsite/cctv: %s", r)
			}
		}
	})
}

// TestListingCache: a listing is served for its TTL without asking the
// bucket again; after it, the request is served the old one while a new
// one is read, which the next request gets.
func TestListingCache(t *testing.T) {
	f := newFixture(t)
	v, srv := f.viewer, f.http
	index := func() string {
		resp, body := get(t, srv.URL, http.MethodGet, "/", nil)
		if resp.StatusCode != 200 {
			t.Fatalf("GET /: %d %s", resp.StatusCode, body)
		}
		return string(body)
	}
	const newDay = `href="sites/shops/north/door/2026-11-28/"`
	steps := []struct {
		name      string
		advance   time.Duration
		upload    bool // a new day is uploaded first
		wait      bool // the background listing is waited for after the request
		wantLists int
		wantDay   bool
	}{
		{name: "first request lists", wantLists: 1},
		{name: "within the TTL", advance: 30 * time.Second, upload: true, wantLists: 1},
		{name: "just before its end", advance: 30*time.Second - time.Nanosecond, wantLists: 1},
		{name: "expired: the old listing while a new one is read", advance: time.Nanosecond, wait: true, wantLists: 2},
		{name: "the new listing", wantLists: 2, wantDay: true},
		{name: "the new one's TTL", advance: 59 * time.Second, wantLists: 2, wantDay: true},
	}
	for _, s := range steps {
		if s.upload {
			f.upload(t, f.north, "door", "2026-11-28", "video.mp4", "video.mp4.sha512sum")
		}
		f.clock.Advance(s.advance)
		// Pages and files of the listing ask for no listing either.
		page := index()
		get(t, srv.URL, http.MethodGet, "/sites/home/default/2026-11-27/", nil)
		get(t, srv.URL, http.MethodGet, "/sites/home/default/2026-11-27/video.mp4.sha512sum", nil)
		if s.wait {
			v.wait()
		}
		if got := f.count.lists(); got != s.wantLists {
			t.Errorf("%s: %d listings, want %d", s.name, got, s.wantLists)
		}
		if got := strings.Contains(page, newDay); got != s.wantDay {
			t.Errorf("%s: new day shown %v, want %v", s.name, got, s.wantDay)
		}
	}
}
