package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"strings"
	"testing"
)

func TestStatic(t *testing.T) {
	s, _ := fakeServer(t, &fakeCatalog{}, Config{})
	for _, tt := range []struct {
		name, file, ctype string
	}{
		{"hls.light.min.js", "assets/hls.light.min.js", "text/javascript; charset=utf-8"},
		{"player.js", "assets/player.js", "text/javascript; charset=utf-8"},
		{"hls.js.LICENSE", "assets/hls.js.LICENSE", "text/plain; charset=utf-8"},
		{"favicon.svg", "assets/favicon.svg", "image/svg+xml"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			want, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			url := "/" + assetURL(tt.name)
			w := do(s, "GET", url)
			h := w.Header()
			if w.Code != 200 || h.Get("Content-Type") != tt.ctype || !bytes.Equal(w.Body.Bytes(), want) {
				t.Fatalf("GET %s: %d %q, %d bytes, want the %d of %s", url, w.Code, h.Get("Content-Type"), w.Body.Len(), len(want), tt.file)
			}
			if cc := h.Get("Cache-Control"); cc != cacheImmutable {
				t.Errorf("versioned: Cache-Control %q", cc)
			}
			if w := do(s, "GET", url, "If-None-Match", h.Get("ETag")); w.Code != 304 || w.Body.Len() != 0 {
				t.Errorf("If-None-Match: %d, %d bytes", w.Code, w.Body.Len())
			}
			if w := do(s, "GET", "/static/"+tt.name); w.Code != 200 || w.Header().Get("Cache-Control") != "no-cache" {
				t.Errorf("unversioned: %d, Cache-Control %q", w.Code, w.Header().Get("Cache-Control"))
			}
			if w := do(s, "HEAD", url); w.Code != 200 || w.Body.Len() != 0 {
				t.Errorf("HEAD: %d, %d bytes", w.Code, w.Body.Len())
			}
			if !strings.HasSuffix(tt.name, ".js") {
				return
			}
			w = do(s, "GET", url, "Accept-Encoding", "gzip")
			if w.Header().Get("Content-Encoding") != "gzip" || w.Body.Len() >= len(want)/2 {
				t.Fatalf("gzip: %q, %d bytes of %d", w.Header().Get("Content-Encoding"), w.Body.Len(), len(want))
			}
			zr, err := gzip.NewReader(w.Body)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(zr)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("gunzipped: %v, %d bytes, want %d", err, len(got), len(want))
			}
			if w.Header().Get("ETag") == h.Get("ETag") {
				t.Errorf("gzip and plain share ETag %s", h.Get("ETag"))
			}
		})
	}
	for _, bad := range []string{"/static/", "/static/nope.js", "/static/hls.min.js", "/static/%2e%2e/web.go",
		"/static/../on_static.go", "/static/assets/player.js", "/static/player.js/"} {
		if w := do(s, "GET", bad); w.Code != 404 {
			t.Errorf("GET %s: %d, want 404", bad, w.Code)
		}
	}
	if w := do(s, "POST", "/"+assetURL("player.js")); w.Code != 405 {
		t.Errorf("POST: %d, want 405", w.Code)
	}
}

// TestIndexScripts checks that the page loads its scripts from here, that
// its security policy lets them and hls.js work and nothing else, and that
// every player control starts hidden: without JavaScript the page is links.
func TestIndexScripts(t *testing.T) {
	cat := &fakeCatalog{}
	cat.set(view(day22, restartAndGap(day22)))
	s, _ := fakeServer(t, cat, Config{})
	w := do(s, "GET", "/")
	body := w.Body.String()
	for _, name := range []string{"hls.light.min.js", "player.js"} {
		if tag := `<script src="` + assetURL(name) + `" defer></script>`; !strings.Contains(body, tag) {
			t.Errorf("no %s", tag)
		}
		if w := do(s, "GET", "/"+assetURL(name)); w.Code != 200 {
			t.Errorf("%s: %d", name, w.Code)
		}
	}
	csp := w.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "script-src 'self';", "media-src 'self' blob:;", "connect-src 'self';", "worker-src blob:;", "img-src 'self';"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'self' 'unsafe-inline'") {
		t.Errorf("CSP too loose: %q", csp)
	}
	if strings.Contains(body, "<script>") || strings.Contains(body, "onclick=") || strings.Contains(body, "javascript:") {
		t.Error("inline script in the page")
	}
	for _, ctl := range []string{`<div id="watch" hidden>`, `data-play="2026-11-22" hidden>`} {
		if !strings.Contains(body, ctl) {
			t.Errorf("no %s", ctl)
		}
	}
	if !strings.Contains(body, `<a href="playlist.m3u8?date=2026-11-22">playlist</a>`) {
		t.Error("the playlist link is gone")
	}
}
