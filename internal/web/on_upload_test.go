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
	"github.com/cctvd/cctvd/internal/ts"
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

// TestUploadAfterArchiving is a camera retrying its uploads after their
// day was archived and its segments deleted: the bytes the archive holds
// under that name are answered 200 and stored nowhere, so the day stays
// archived and its playlist still leads to the archive. Anything else is
// stored as usual.
func TestUploadAfterArchiving(t *testing.T) {
	archived := cleanDay
	seg := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(fixtures, cleanDay.String(), name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	// video.mp4 holds seg1.ts and seg2.ts of the day; seg3.ts came late.
	index := archiveIndex(t, archived, seg, "seg1.ts", "seg2.ts")
	tests := []struct {
		name       string
		date       day.Date
		file       string
		body       []byte
		code       int
		stored     bool
		wantCopies int // files of the day kept out as copies of archived footage
		archived   bool
	}{
		{name: "a retry of an archived segment", date: archived, file: "seg1.ts", body: seg("seg1.ts"),
			code: http.StatusOK, archived: true},
		{name: "archived bytes under another name", date: archived, file: "again.ts", body: seg("seg2.ts"),
			code: http.StatusCreated, stored: true, wantCopies: 1, archived: true},
		{name: "a late segment", date: archived, file: "seg3.ts", body: seg("seg3.ts"),
			code: http.StatusCreated, stored: true},
		{name: "another day", date: archived.Next(), file: "seg1.ts", body: seg("seg1.ts"),
			code: http.StatusCreated, stored: true, archived: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := archivedRoot(t, archived)
			l := start(t, root, liveOptions{token: uploadToken, archived: index})
			changed := l.cat.Changed()
			code, _, msg := raw(t, l.url, "PUT", "/"+tt.date.String()+"/"+tt.file,
				map[string]string{"Authorization": "Bearer " + uploadToken}, tt.body)
			if code != tt.code {
				t.Fatalf("PUT: %d %q, want %d", code, msg, tt.code)
			}
			if code == http.StatusOK && !strings.Contains(msg, "already archived in video.mp4") {
				t.Errorf("PUT answered %q, want it to say where the footage is", msg)
			}
			got, err := os.ReadFile(filepath.Join(root, tt.date.String(), tt.file))
			if tt.stored != (err == nil) || tt.stored && !bytes.Equal(got, tt.body) {
				t.Fatalf("stored: %v (%v), want %v", err == nil, err, tt.stored)
			}
			entries, _ := os.ReadDir(filepath.Join(root, tt.date.String()))
			for _, e := range entries {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("left behind %s", e.Name())
				}
			}
			if tt.stored {
				l.waitListed(t, tt.date, tt.file, changed)
			}
			v, _ := l.cat.Day(archived)
			if v.Archived() != tt.archived || v.Totals.Kept != tt.wantCopies {
				t.Errorf("the archived day: Archived() %v, kept %d; want %v, %d (plan %+v)",
					v.Archived(), v.Totals.Kept, tt.archived, tt.wantCopies, v.Plan)
			}
			// Whatever came, the day's playlist leads to its archive.
			if resp, _ := l.get(t, "/playlist.m3u8?date="+archived.String()); resp.StatusCode != http.StatusFound ||
				resp.Header.Get("Location") != "/"+archived.String()+"/video.mp4" {
				t.Errorf("playlist: %d to %q, want 302 to the archive", resp.StatusCode, resp.Header.Get("Location"))
			}
		})
	}
}

// archiveIndex answers the catalog's question "is this footage archived?"
// as the archive package's index would for day d archived into video.mp4
// holding the named segments, whose bytes seg reads.
func archiveIndex(t *testing.T, d day.Date, seg func(string) []byte, names ...string) func(day.Date, *ts.Report) (string, string, bool) {
	held := map[[3]int64]string{}
	for _, name := range names {
		r, err := ts.Scan(bytes.NewReader(seg(name)))
		if err != nil {
			t.Fatal(err)
		}
		held[[3]int64{r.Size, r.FirstDTS, int64(r.CRC32C)}] = name
	}
	return func(at day.Date, r *ts.Report) (string, string, bool) {
		orig, ok := held[[3]int64{r.Size, r.FirstDTS, int64(r.CRC32C)}]
		return "video.mp4", orig, ok && at == d
	}
}

// archivedRoot is a root whose day d was archived into video.mp4 and its
// segments deleted.
func archivedRoot(t *testing.T, d day.Date) string {
	root := t.TempDir()
	dir := filepath.Join(root, d.String())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	copyFile(t, filepath.Join(fixtures, "video.mp4"), filepath.Join(dir, "video.mp4"))
	if err := os.WriteFile(filepath.Join(dir, "video.mp4.sha512sum"), []byte("00  video.mp4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// waitListed waits until the catalog lists name in day d's folder, as a
// segment or a file kept out, from the change after changed on.
func (l *live) waitListed(t *testing.T, d day.Date, name string, changed <-chan struct{}) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("%s/%s not listed", d, name)
		}
		changed = l.cat.Changed()
		if v, ok := l.cat.Day(d); ok && v.Pending == 0 {
			for _, s := range v.Plan.Segments {
				if s.Name == name {
					return
				}
			}
			for _, k := range v.Plan.Kept {
				if k.Name == name {
					return
				}
			}
		}
	}
}
