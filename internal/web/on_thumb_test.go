package web

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/cctvd/cctvd/internal/day"
)

func TestParseThumbPath(t *testing.T) {
	for _, tt := range []struct {
		path string
		want thumbPath
		ok   bool
	}{
		{"/thumb/2026-11-22/08.jpg", thumbPath{day22, 8}, true},
		{"/thumb/2026-11-22/00.jpg", thumbPath{day22, 0}, true},
		{"/thumb/2026-11-22/23.jpg", thumbPath{day22, 23}, true},
		{"/thumb/2026-11-22/24.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22/30.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22/8.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22/008.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22/08.png", thumbPath{}, false},
		{"/thumb/2026-11-22/08.JPG", thumbPath{}, false},
		{"/thumb/2026-11-22/-1.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22/+8.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22/0%38.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22/08.jpg/", thumbPath{}, false},
		{"/thumb/2026-11-22/x/08.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22%2f08.jpg", thumbPath{}, false},
		{"/thumb/2026-13-45/08.jpg", thumbPath{}, false},
		{"/thumb/2026-02-30/08.jpg", thumbPath{}, false},
		{"/thumb/..%2f..%2fetc/08.jpg", thumbPath{}, false},
		{"/thumb/../08.jpg", thumbPath{}, false},
		{"/thumb/2026-11-22", thumbPath{}, false},
		{"/thumb/", thumbPath{}, false},
		{"/thumbs/2026-11-22/08.jpg", thumbPath{}, false},
	} {
		got, ok := parseThumbPath(tt.path)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseThumbPath(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
	}
}

func TestThumb(t *testing.T) {
	jpeg := []byte("\xff\xd8\xff\xe0 not really a jpeg \xff\xd9")
	pic := filepath.Join(t.TempDir(), "pic.jpg")
	if err := os.WriteFile(pic, jpeg, 0o644); err != nil {
		t.Fatal(err)
	}
	thumbs := &fakeThumbs{hours: map[day.Date]uint32{day22: 1<<8 | 1<<23}, picture: pic}
	s, _ := fakeServer(t, &fakeCatalog{}, Config{Thumbs: thumbs})
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/thumb/2026-11-22/08.jpg", 200},
		{"HEAD", "/thumb/2026-11-22/23.jpg", 200},
		{"GET", "/thumb/2026-11-22/09.jpg", 404},
		{"GET", "/thumb/2026-11-23/08.jpg", 404},
		{"GET", "/thumb/2026-11-22/24.jpg", 400},
		{"GET", "/thumb/2026-11-22/%2e%2e.jpg", 400},
		{"GET", "/thumb/%2e%2e/%2e%2e/etc/passwd", 400},
		{"PUT", "/thumb/2026-11-22/08.jpg", 405},
	} {
		w := do(s, tt.method, tt.path)
		if w.Code != tt.want {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, w.Code, tt.want)
			continue
		}
		if tt.want != 200 {
			continue
		}
		if ct := w.Header().Get("Content-Type"); ct != "image/jpeg" {
			t.Errorf("%s: Content-Type %q", tt.path, ct)
		}
		if tt.method == "GET" && !bytes.Equal(w.Body.Bytes(), jpeg) {
			t.Errorf("%s: body %q", tt.path, w.Body.Bytes())
		}
		if w.Header().Get("ETag") == "" || w.Header().Get("Cache-Control") == "" {
			t.Errorf("%s: no ETag or Cache-Control", tt.path)
		}
	}
	off, _ := fakeServer(t, &fakeCatalog{}, Config{})
	if w := do(off, "GET", "/thumb/2026-11-22/08.jpg"); w.Code != 404 {
		t.Errorf("without thumbnails: %d, want 404", w.Code)
	}
}
