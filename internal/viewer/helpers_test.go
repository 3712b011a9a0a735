package viewer

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
	"github.com/cctvd/cctvd/internal/ts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (run with -update and check the diff):\n--- got\n%s", name, got)
	}
}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// counter stands between the viewer and the S3 server and records every
// request it passes on.
type counter struct {
	srv *httptest.Server

	mu   sync.Mutex
	reqs []string // "METHOD PATH?QUERY"
}

func newCounter(t testing.TB, backend string) *counter {
	c := &counter{}
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	c.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.mu.Lock()
		c.reqs = append(c.reqs, r.Method+" "+r.URL.RequestURI())
		c.mu.Unlock()
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(c.srv.Close)
	return c
}

// lists counts the ListObjectsV2 requests so far.
func (c *counter) lists() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, r := range c.reqs {
		if strings.HasPrefix(r, "GET ") && strings.Contains(r, "list-type=2") {
			n++
		}
	}
	return n
}

func (c *counter) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.reqs...)
}

// fixture is a bucket of two sites, cctv/home (cameras default and
// garage) and cctv/shops/north (camera door), and a viewer of s3://offsite/cctv
// on a fake clock, talking to the server through a counter.
type fixture struct {
	srv    *offsitetest.Server
	count  *counter
	clock  *fakeclock.Clock
	viewer *Viewer
	http   *httptest.Server
	// files are the local copies of what was uploaded, by name.
	files map[string][]byte
	dir   string
	home  *offsite.Bucket
	north *offsite.Bucket
}

// made is the folder of the files makeFiles makes, once for every test
// of the package: they only read them.
var made struct {
	once sync.Once
	dir  string
	ok   bool
}

func TestMain(m *testing.M) {
	code := m.Run()
	if made.dir != "" {
		os.RemoveAll(made.dir)
	}
	os.Exit(code)
}

var listedAt = time.Date(2026, 11, 29, 9, 30, 0, 153192286, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg not found")
	}
	f := &fixture{srv: offsitetest.Start(t), files: map[string][]byte{}}
	made.once.Do(func() {
		dir, err := os.MkdirTemp("", "cctvd-viewer-files-")
		if err != nil {
			t.Fatal(err)
		}
		made.dir, f.dir = dir, dir
		f.makeFiles(t)
		made.ok = true
	})
	if !made.ok {
		t.Fatal("the test files were not made (see the first test that failed)")
	}
	f.dir = made.dir
	f.home = f.open(t, "cctv/home", stateRoot(t))
	f.north = f.open(t, "cctv/shops/north", stateRoot(t))
	written := time.Date(2026, 11, 29, 8, 0, 0, 153192286, time.UTC)
	if err := f.home.PutSite(t.Context(), offsite.Site{Version: "1.4.0", Cameras: []string{"default", "garage", "porch"}, Written: written}); err != nil {
		t.Fatal(err)
	}
	if err := f.north.PutSite(t.Context(), offsite.Site{Version: "1.5.0", Cameras: []string{"door"}, Written: written}); err != nil {
		t.Fatal(err)
	}
	for _, up := range []struct {
		b      *offsite.Bucket
		camera string
		date   string
		files  []string
	}{
		{b: f.home, camera: "", date: "2026-11-26", files: []string{"video.mp4", "video.mp4.sha512sum", "video-2.mp4", "summary.json"}},
		{b: f.home, camera: "", date: "2026-11-27", files: []string{"video.mp4", "video.mp4.sha512sum"}},
		{b: f.home, camera: "garage", date: "2026-11-27", files: []string{"video.mp4", "video.mp4.sha512sum"}},
		{b: f.north, camera: "door", date: "2026-11-25", files: []string{"video.mp4", "video.mp4.sha512sum", "index.json"}},
	} {
		f.upload(t, up.b, up.camera, up.date, up.files...)
	}
	// Outside the viewer's prefix: a site no path may reach.
	secret := f.open(t, "secret", stateRoot(t))
	if err := secret.PutSite(t.Context(), offsite.Site{Version: "9", Cameras: []string{"default"}}); err != nil {
		t.Fatal(err)
	}
	f.upload(t, secret, "", "2026-11-27", "video.mp4")

	f.count = newCounter(t, f.srv.Endpoint)
	f.clock = fakeclock.New(listedAt)
	f.viewer, f.http = f.newViewer(t, f.count.srv.URL)
	return f
}

// newViewer opens the bucket at s3://offsite/cctv through endpoint and serves
// a viewer of it on 127.0.0.1.
func (f *fixture) newViewer(t *testing.T, endpoint string) (*Viewer, *httptest.Server) {
	b, err := offsite.Open(t.Context(), offsite.Target{Bucket: f.srv.Bucket, Prefix: "cctv"},
		offsite.Config{Endpoint: endpoint, PathStyle: true, CredentialsFile: f.srv.CredentialsFile}, nil, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	v := New(Config{Bucket: b, Now: f.clock.Now, TTL: time.Minute, IndexDays: 1}, testLog(t))
	t.Cleanup(v.Close)
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)
	return v, srv
}

func (f *fixture) open(t *testing.T, prefix string, state *os.Root) *offsite.Bucket {
	t.Helper()
	b, err := offsite.Open(t.Context(), offsite.Target{Bucket: f.srv.Bucket, Prefix: prefix},
		offsite.Config{Endpoint: f.srv.Endpoint, PathStyle: true, CredentialsFile: f.srv.CredentialsFile}, state, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) upload(t *testing.T, b *offsite.Bucket, camera, date string, names ...string) {
	t.Helper()
	var files []offsite.LocalFile
	for _, n := range names {
		p := filepath.Join(f.dir, n)
		files = append(files, offsite.LocalFile{Name: n, Open: func() (*os.File, error) { return os.Open(p) }})
	}
	if _, err := b.Upload(t.Context(), camera, date, files); err != nil {
		t.Fatal(err)
	}
}

func stateRoot(t *testing.T) *os.Root {
	r, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

// makeFiles films two 10-second segments with ffmpeg and makes a day's
// files of them: video.mp4 and video-2.mp4 (H.265, as archives are), a checksum file of the first,
// a summary and an index with runs.
func (f *fixture) makeFiles(t *testing.T) {
	t.Helper()
	start := time.Date(2026, 11, 26, 10, 0, 0, 153192286, time.FixedZone("", 3600))
	segs, err := footage.Record(t.Context(), footage.Run{Dir: f.dir, Segments: 2, Start: start})
	if err != nil {
		t.Fatal(err)
	}
	// As the archiver writes them: H.265 tagged hvc1, index at the front.
	for i, name := range []string{"video.mp4", "video-2.mp4"} {
		out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", filepath.Join(f.dir, segs[i]),
			"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error", "-tag:v", "hvc1",
			"-movflags", "+faststart", filepath.Join(f.dir, name)).CombinedOutput()
		if err != nil {
			t.Fatalf("ffmpeg: %v: %s", err, out)
		}
	}
	video := f.read(t, "video.mp4")
	sum := sha512.Sum512(video)
	f.write(t, "video.mp4.sha512sum", []byte(hex.EncodeToString(sum[:])+"  video.mp4\n"))
	runs := []ts.Run{
		{Start: start, Pos: 0, Len: 4 * time.Second},
		{Start: start.Add(5*time.Minute + 4*time.Second), Pos: 4 * time.Second, Len: 6 * time.Second},
	}
	summary, _ := json.Marshal(map[string]any{"index_size": 1234, "source_bytes": 99999,
		"runs": map[string][]ts.Run{"video.mp4": runs, "video-2.mp4": {{Start: start.Add(2 * time.Hour), Len: 10 * time.Second}}}})
	f.write(t, "summary.json", summary)
	index, _ := json.Marshal(map[string]any{"archives": []map[string]any{
		{"file": "video.mp4", "sha512": hex.EncodeToString(sum[:]), "bytes": len(video), "segments": []any{}, "runs": runs[1:]},
	}})
	f.write(t, "index.json", index)
}

func (f *fixture) read(t *testing.T, name string) []byte {
	t.Helper()
	if b, ok := f.files[name]; ok {
		return b
	}
	b, err := os.ReadFile(filepath.Join(f.dir, name))
	if err != nil {
		t.Fatal(err)
	}
	f.files[name] = b
	return b
}

func (f *fixture) write(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(f.dir, name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	f.files[name] = b
}

// get sends a request with the path as given (not cleaned, not escaped).
func get(t *testing.T, base, method, rawPath string, hdr http.Header) (*http.Response, []byte) {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), method, base, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL = &url.URL{Scheme: u.Scheme, Host: u.Host, Opaque: rawPath}
	for k, v := range hdr {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
