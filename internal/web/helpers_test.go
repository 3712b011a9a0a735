package web

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/testfs"
	"github.com/cctvd/cctvd/internal/thumbs"
	"github.com/cctvd/cctvd/internal/ts"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// fixtures holds footage recorded once for all tests; tests copy it into
// their own roots.
var fixtures string

// The fixture days: a messy one (gap, restart, junk) and a clean one.
var (
	messyDay = day.Date{Year: 2026, Month: 11, Day: 20}
	cleanDay = day.Date{Year: 2026, Month: 11, Day: 21}
)

// cet is the zone the tests' clock runs in.
// cameraFraction puts fixture footage off the whole second, as a real
// camera's always is (whole-second footage hid a bug that failed every real day).
const cameraFraction = 153_192_286 * time.Nanosecond

var cet = time.FixedZone("CET", 3600)

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "web-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtures = dir
	code := 1
	if err := makeFixtures(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func makeFixtures(dir string) error {
	ctx := context.Background()
	messy := filepath.Join(dir, messyDay.String())
	clean := filepath.Join(dir, cleanDay.String())
	for _, d := range []string{messy, clean} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return err
		}
	}
	if _, err := footage.MakeMessy(ctx, messy, messyDay.Start(cet).Add(8*time.Hour+cameraFraction)); err != nil {
		return err
	}
	if _, err := footage.Record(ctx, footage.Run{Dir: clean, Segments: 3, First: 1, Start: cleanDay.Start(cet).Add(9*time.Hour + cameraFraction)}); err != nil {
		return err
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc2=size=64x48:rate=5", "-t", "3", "-c:v", "libx264", "-preset", "ultrafast",
		filepath.Join(dir, "video.mp4")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg mp4: %w: %s", err, out)
	}
	return nil
}

// copyDir copies a fixture day folder into root, keeping modification times.
func copyDir(t *testing.T, root string, d day.Date) string {
	t.Helper()
	dst := filepath.Join(root, d.String())
	testfs.CopyDir(t, filepath.Join(fixtures, d.String()), dst)
	return dst
}

func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, b, 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(dst, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// live is a running cctvd web front: a real catalog of root and a Server
// on 127.0.0.1:0.
type live struct {
	root string
	url  string
	cat  *catalog.Catalog
	srv  *Server
	clk  *fakeclock.Clock
	// thumbs runs when liveOptions.thumbs asks for it.
	thumbs *thumbs.Thumbs
}

type liveOptions struct {
	token string // writes a token file: uploads on
	// cameraToken writes Config.CameraTokenFile: the camera's own token.
	cameraToken string
	prefix      string // Config.Prefix
	max         int64
	idle        time.Duration                    // UploadIdle
	now         time.Time                        // the server's clock; default 2026-11-24 12:00 CET
	thumbs      bool                             // runs package thumbs, with ffmpeg
	runs        map[day.Date]map[string][]ts.Run // the archives' runs (Config.ArchiveRuns)
	// catClock runs the catalog on the server's clock too (default: the
	// real one), so that a test decides when a file has been still for long.
	catClock bool
	// archived is the archiver's index, as the catalog and the server ask it.
	archived func(d day.Date, r *ts.Report) (archive, orig string, ok bool)
}

// start serves root until the test ends. Unless told otherwise the clock
// says it is 2026-11-24 12:00 CET: the fixture days are closed.
func start(t *testing.T, root string, opt liveOptions) *live {
	t.Helper()
	l := newLive(t, root, opt)
	l.url = serve(t, l.srv)
	l.settle(t)
	return l
}

// newLive runs a catalog of root (and thumbnails) until the test ends and
// makes the Server of it, not yet serving.
func newLive(t *testing.T, root string, opt liveOptions) *live {
	t.Helper()
	if opt.now.IsZero() {
		opt.now = time.Date(2026, 11, 24, 12, 0, 0, 0, cet)
	}
	clk := fakeclock.New(opt.now)
	log := testLog(t)
	state := t.TempDir()
	// The catalog's clock is the real one: fixture files are long settled.
	catCfg := catalog.Config{Root: root, StateDir: state, Archived: opt.archived}
	if opt.catClock {
		catCfg.Now = clk.Now
	}
	cat, err := catalog.New(catCfg, log)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Root: root, Prefix: opt.prefix, Now: clk.Now, UploadMaxBytes: opt.max, UploadIdle: opt.idle,
		ArchiveRuns: func(d day.Date) map[string][]ts.Run { return opt.runs[d] }, Archived: opt.archived}
	var th *thumbs.Thumbs
	if opt.thumbs {
		th, err = thumbs.New(thumbs.Config{Root: root, StateDir: state, Catalog: cat, Now: clk.Now}, log)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Thumbs = th
	}
	for _, tf := range []struct {
		token string
		file  *string
	}{{opt.token, &cfg.UploadTokenFile}, {opt.cameraToken, &cfg.CameraTokenFile}} {
		if tf.token == "" {
			continue
		}
		*tf.file = filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(*tf.file, []byte(tf.token+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := New(cfg, log, cat)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	catDone, thDone := make(chan error, 1), make(chan error, 1)
	go func() { catDone <- cat.Run(ctx) }()
	if th != nil {
		go func() { thDone <- th.Run(ctx) }()
	} else {
		thDone <- nil
	}
	t.Cleanup(func() {
		cancel()
		for _, done := range []chan error{thDone, catDone} {
			if err := <-done; err != nil {
				t.Error(err)
			}
		}
		srv.Close()
		if th != nil {
			th.Close()
		}
		cat.Close()
	})
	return &live{root: root, cat: cat, srv: srv, clk: clk, thumbs: th}
}

// serve serves h on 127.0.0.1:0 until the test ends (before what it
// serves is closed: cleanups run last first) and returns its URL.
func serve(t *testing.T, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h, testLog(t)) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String()
}

// settle waits until the catalog has scanned everything it has seen.
func (l *live) settle(t *testing.T) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		changed := l.cat.Changed()
		pending := 0
		for _, v := range l.cat.Days() {
			pending += v.Pending
		}
		if pending == 0 {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("catalog did not settle")
		}
	}
}

// get fetches a URL path with a client that follows no redirects.
func (l *live) get(t *testing.T, path string, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, l.url+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(b)
}

var noRedirect = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport:     &http.Transport{DisableCompression: true},
}
