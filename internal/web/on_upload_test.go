package web

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

func TestUpload(t *testing.T) {
	root := t.TempDir()
	l := start(t, root, liveOptions{token: uploadToken})
	seg1, err := os.ReadFile(filepath.Join(fixtures, cleanDay.String(), "seg1.ts"))
	if err != nil {
		t.Fatal(err)
	}
	seg2, err := os.ReadFile(filepath.Join(fixtures, cleanDay.String(), "seg2.ts"))
	if err != nil {
		t.Fatal(err)
	}
	auth := map[string]string{"Authorization": "Bearer " + uploadToken}
	put := func(name string, body []byte) (int, string) {
		code, _, b := raw(t, l.url, "PUT", "/2026-11-25/"+name, auth, body)
		return code, b
	}
	path := filepath.Join(root, "2026-11-25", "seg1.ts")

	// The day folder does not exist yet: the upload makes it.
	changed := l.cat.Changed()
	if code, b := put("seg1.ts", seg1); code != http.StatusCreated {
		t.Fatalf("first upload: %d %s", code, b)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, seg1) {
		t.Fatal("stored bytes differ")
	}
	// The catalog is told, so the segment is listed without waiting for it to settle.
	stored := time.Now()
	deadline := time.After(10 * time.Second)
	for {
		if v, ok := l.cat.Day(day.Date{Year: 2026, Month: 11, Day: 25}); ok && v.Totals.Segments == 1 {
			break
		}
		select {
		case <-changed:
			changed = l.cat.Changed()
		case <-deadline:
			t.Fatal("uploaded segment not listed")
		}
	}
	if took := time.Since(stored); took > 2*time.Second {
		t.Errorf("uploaded segment listed after %v, want within 2 s", took)
	}

	if code, b := put("seg1.ts", seg1); code != http.StatusOK {
		t.Errorf("the same bytes again: %d %s, want 200", code, b)
	}
	if code, b := put("seg1.ts", seg2); code != http.StatusConflict {
		t.Errorf("other bytes under the same name: %d %s, want 409", code, b)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, seg1) {
		t.Error("the first upload was not kept")
	}
	if code, _, b := raw(t, l.url, "PUT", "/2026-11-25/seg2.ts", map[string]string{"Authorization": "Bearer " + uploadToken, "Transfer-Encoding": "chunked"}, seg2); code != http.StatusCreated {
		t.Errorf("chunked upload: %d %s", code, b)
	}
	entries, err := os.ReadDir(filepath.Join(root, "2026-11-25"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if strings.Join(names, " ") != "seg1.ts seg2.ts" {
		t.Errorf("day folder holds %v, want just the two segments", names)
	}
	// Served back as uploaded.
	resp, body := l.get(t, "/2026-11-25/seg2.ts")
	if resp.StatusCode != 200 || body != string(seg2) {
		t.Errorf("GET uploaded segment: %d, %d bytes", resp.StatusCode, len(body))
	}
}

func TestUploadsOff(t *testing.T) {
	root := t.TempDir()
	l := start(t, root, liveOptions{})
	code, h, body := raw(t, l.url, "PUT", "/2026-11-25/seg1.ts", map[string]string{"Authorization": "Bearer x"}, []byte("x"))
	if code != http.StatusMethodNotAllowed || h.Get("Allow") != "GET, HEAD" {
		t.Errorf("PUT with uploads off: %d %q, Allow %q; want 405, GET, HEAD", code, body, h.Get("Allow"))
	}
	if _, err := os.Stat(filepath.Join(root, "2026-11-25")); !os.IsNotExist(err) {
		t.Error("a refused upload made a folder")
	}
}

func TestUploadTokenFile(t *testing.T) {
	for _, tt := range []struct {
		name, content string
		ok            bool
	}{
		{"token", "abc\n", true},
		{"empty", "", false},
		{"blank", " \n\n", false},
		{"two tokens", "abc def\n", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "token")
			os.WriteFile(f, []byte(tt.content), 0o600)
			s, err := New(Config{Root: t.TempDir(), UploadTokenFile: f}, testLog(t), &fakeCatalog{})
			if (err == nil) != tt.ok {
				t.Fatalf("New: %v, want ok=%v", err, tt.ok)
			}
			if s != nil {
				s.Close()
			}
		})
	}
	if _, err := New(Config{Root: t.TempDir(), UploadTokenFile: filepath.Join(t.TempDir(), "missing")}, testLog(t), &fakeCatalog{}); err == nil {
		t.Error("a missing token file was accepted")
	}
}
