package web

import (
	"archive/zip"
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/export"
)

// TestExportRoute asks a real server for clips of the clean fixture day
// (three segments from 09:00:00.153 CET) and for ranges it must refuse.
func TestExportRoute(t *testing.T) {
	root := t.TempDir()
	copyDir(t, root, cleanDay)
	l := newLive(t, root, liveOptions{})
	ex, workDir := exportOn(t, l, time.Hour)
	l.url = serve(t, l.srv)
	l.settle(t)

	tests := []struct {
		name, path, query string
		code              int
		body              string // in the answer
	}{
		{name: "mp4 local start and end", path: "/export.mp4", query: "start=2026-11-21T09:00:03.5&end=2026-11-21T09:00:12", code: 200},
		{name: "mp4 RFC 3339 and duration", path: "/export.mp4", query: "start=2026-11-21T08:00:05Z&duration=10s", code: 200},
		{name: "zip", path: "/export.zip", query: "start=2026-11-21T09:00:03.5&end=2026-11-21T09:00:12", code: 200},
		{name: "malformed", path: "/export.mp4", query: "start=yesterday&end=10s", code: 400, body: "bad range"},
		{name: "reversed", path: "/export.mp4", query: "start=2026-11-21T09:00:12&end=2026-11-21T09:00:03", code: 400, body: "not after"},
		{name: "missing end", path: "/export.mp4", query: "start=2026-11-21T09:00:12", code: 400, body: "want a start and an end"},
		{name: "too long", path: "/export.mp4", query: "start=2026-11-21T09:00:00&duration=2h", code: 413, body: "longer"},
		{name: "no footage", path: "/export.mp4", query: "start=2026-11-21T10:00:00&duration=1m", code: 404,
			body: "nearest footage ends at 2026-11-21T09:00:30.153+01:00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := http.Get(l.url + tc.path + "?" + tc.query)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.code || !strings.Contains(string(body), tc.body) {
				t.Fatalf("%s: %d %q, want %d with %q", tc.query, resp.StatusCode, body, tc.code, tc.body)
			}
			if tc.code != 200 {
				return
			}
			sum := resp.Header.Get("X-Checksum-SHA512")
			if strings.HasSuffix(tc.path, ".mp4") {
				got := sha512.Sum512(body)
				if hex.EncodeToString(got[:]) != sum || !strings.HasPrefix(string(body[4:8]), "ftyp") {
					t.Errorf("mp4 of %d bytes does not match its checksum %s", len(body), sum)
				}
				return
			}
			zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range zr.File {
				names = append(names, f.Name)
			}
			want := []string{"cctv-20261121T090003-20261121T090012.mp4", "cctv-20261121T090003-20261121T090012.mp4.sha512sum",
				"cctv-20261121T090003-20261121T090012.json"}
			if !slices.Equal(names, want) {
				t.Errorf("zip holds %v, want %v", names, want)
			}
		})
	}
	t.Run("the page's form", func(t *testing.T) {
		code, body := getBody(t, l.url+"/")
		// The default range is the day's footage to the millisecond,
		// rounded outwards: 09:00:00.153192286 to 09:00:30.153192286.
		form := `<form class="export" action="export.mp4" method="get" data-date="2026-11-21"><input type="datetime-local" name="start" step="0.001" value="2026-11-21T09:00:00.153"`
		if code != 200 || !strings.Contains(body, form) || !strings.Contains(body, `value="2026-11-21T09:00:30.154"`) || !strings.Contains(body, `formaction="export.zip"`) {
			t.Fatalf("index: %d, no export form\n%s", code, body)
		}
		// What the form sends as it stands: the whole day, every frame.
		resp, err := http.Get(l.url + "/export.zip?start=2026-11-21T09%3A00%3A00.153&end=2026-11-21T09%3A00%3A30.154")
		if err != nil {
			t.Fatal(err)
		}
		zipped, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("the form's default range: %d %s", resp.StatusCode, zipped)
		}
		m := zipManifest(t, zipped)
		if m.Frames != 750 {
			t.Errorf("the form's default range holds %d frames, want all 750 of the day", m.Frames)
		}
	})
	t.Run("busy", func(t *testing.T) {
		// An export that holds the pool's one place: the next is refused.
		q := url.Values{"start": {"2026-11-21T09:00:01"}, "end": {"2026-11-21T09:00:29"}}
		hold := make(chan struct{})
		done := make(chan error, 1)
		started := make(chan struct{})
		go func() {
			rg, _ := ex.ParseRange(q.Get("start"), q.Get("end"))
			var once bool
			clip, err := ex.Export(t.Context(), rg, func(export.Progress) {
				if !once {
					once = true
					close(started)
					<-hold
				}
			})
			if err == nil {
				err = clip.Remove()
			}
			done <- err
		}()
		<-started
		resp, err := http.Get(l.url + "/export.mp4?" + q.Encode())
		close(hold)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
			t.Errorf("%d Retry-After %q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	entries, _ := os.ReadDir(workDir)
	if len(entries) != 0 {
		t.Errorf("exports left %v behind", entries)
	}
}

func getBody(t *testing.T, u string) (int, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// exportOn turns exports on for l before it is served: ranges of up to
// max, one at a time, made in the returned work folder.
func exportOn(t *testing.T, l *live, max time.Duration) (*export.Exporter, string) {
	t.Helper()
	workDir := filepath.Join(t.TempDir(), "export")
	ex, err := export.New(export.Config{Root: l.root, Dir: workDir, Days: l.cat, Pool: export.NewPool(1), Max: max,
		Location: cet, Version: "test", Now: l.clk.Now}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ex.Close() })
	l.srv.cfg.Exporter = ex
	return ex, workDir
}

// zipManifest checks an export's zip and returns its manifest: it holds
// NAME.mp4, NAME.mp4.sha512sum and NAME.json, in that order, and the
// mp4's SHA-512, hashed here, is the one the .sha512sum line and the
// manifest give.
func zipManifest(t *testing.T, b []byte) export.Manifest {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		names = append(names, f.Name)
		files[f.Name] = body
	}
	if len(names) != 3 || !strings.HasSuffix(names[0], ".mp4") {
		t.Fatalf("zip holds %v, want NAME.mp4, NAME.mp4.sha512sum, NAME.json", names)
	}
	mp4 := names[0]
	if want := []string{mp4, mp4 + ".sha512sum", strings.TrimSuffix(mp4, ".mp4") + ".json"}; !slices.Equal(names, want) {
		t.Fatalf("zip holds %v, want %v", names, want)
	}
	clip := files[mp4]
	h := sha512.Sum512(clip)
	sum := hex.EncodeToString(h[:])
	if got, want := string(files[mp4+".sha512sum"]), sum+"  "+mp4+"\n"; got != want {
		t.Errorf("%s.sha512sum is %q, want %q", mp4, got, want)
	}
	if len(clip) < 8 || string(clip[4:8]) != "ftyp" {
		t.Errorf("%s is not an mp4", mp4)
	}
	var m export.Manifest
	if err := json.Unmarshal(files[names[2]], &m); err != nil {
		t.Fatalf("%s: %v", names[2], err)
	}
	if m.File.Name != mp4 || m.File.SHA512 != sum || m.File.Bytes != int64(len(clip)) {
		t.Errorf("the manifest's file is %+v, want %s of %d bytes with SHA-512 %s", m.File, mp4, len(clip), sum)
	}
	return m
}
