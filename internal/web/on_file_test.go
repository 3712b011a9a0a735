package web

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
)

func TestFiles(t *testing.T) {
	root := t.TempDir()
	dir := copyDir(t, root, cleanDay)
	copyFile(t, filepath.Join(fixtures, "video.mp4"), filepath.Join(dir, "video.mp4"))
	if err := os.WriteFile(filepath.Join(dir, "video.mp4.sha512sum"), []byte("00  video.mp4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l := start(t, root, liveOptions{})
	seg, _ := os.ReadFile(filepath.Join(dir, "seg1.ts"))
	tests := []struct {
		path, ctype string
	}{
		{"/2026-11-21/seg1.ts", "video/mp2t"},
		{"/2026-11-21/video.mp4", "video/mp4"},
		{"/2026-11-21/video.mp4.sha512sum", "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		resp, body := l.get(t, tt.path)
		want, _ := os.ReadFile(filepath.Join(root, tt.path))
		if resp.StatusCode != 200 || body != string(want) {
			t.Errorf("%s: %d, %d bytes", tt.path, resp.StatusCode, len(body))
		}
		if got := resp.Header.Get("Content-Type"); got != tt.ctype {
			t.Errorf("%s: Content-Type %q, want %q", tt.path, got, tt.ctype)
		}
		if resp.Header.Get("ETag") == "" || resp.Header.Get("Last-Modified") == "" || resp.Header.Get("Accept-Ranges") != "bytes" {
			t.Errorf("%s: headers %v", tt.path, resp.Header)
		}
		// A past day's complete files do not change: they may be kept.
		if got := resp.Header.Get("Cache-Control"); got != cacheFile {
			t.Errorf("%s: Cache-Control %q, want %q", tt.path, got, cacheFile)
		}
	}
	resp, body := l.get(t, "/2026-11-21/seg1.ts", "Range", "bytes=188-375")
	if resp.StatusCode != http.StatusPartialContent || body != string(seg[188:376]) || body[0] != 0x47 {
		t.Errorf("Range: %d, %d bytes", resp.StatusCode, len(body))
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := l.get(t, "/2026-11-21/seg1.ts", "If-None-Match", etag); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %d", resp.StatusCode)
	}
	if resp, _ := l.get(t, "/2026-11-21/seg1.ts", "If-Modified-Since", resp.Header.Get("Last-Modified")); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", resp.StatusCode)
	}
	if resp, _ := l.get(t, "/healthz"); resp.StatusCode != 200 {
		t.Errorf("healthz: %d", resp.StatusCode)
	}
}
