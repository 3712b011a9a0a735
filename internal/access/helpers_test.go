package access

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/metrics"
	"github.com/cctvd/cctvd/internal/testfs"
	"github.com/cctvd/cctvd/internal/web"
)

// fixtures holds a day of footage recorded once; each site copies it.
var fixtures string

// theDay is the fixture day; the clock says it is three days later.
var (
	theDay = day.Date{Year: 2026, Month: 11, Day: 21}
	cet    = time.FixedZone("CET", 3600)
	// cameraFraction keeps footage off the whole second, as a real camera's is.
	cameraFraction = 153_192_286 * time.Nanosecond
	testNow        = time.Date(2026, 11, 24, 12, 0, 0, 0, cet)
)

// The users of every test site, and a camera's upload token.
const (
	viewerName, viewerPassword     = "alice", "correct horse battery"
	operatorName, operatorPassword = "olga", "s3cret:with@odd/chars"
	uploadToken                    = "camera-upload-token-5f2c"
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "access-fixtures-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fixtures = dir
	code := 1
	dd := filepath.Join(dir, theDay.String())
	if err := os.Mkdir(dd, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else if _, err := footage.Record(context.Background(), footage.Run{Dir: dd, Segments: 3, First: 1,
		Start: theDay.Start(cet).Add(9*time.Hour + cameraFraction)}); err != nil {
		fmt.Fprintln(os.Stderr, err)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

// site is a real cctvd site of two cameras (the default one and
// "garage") behind a Gate, served on 127.0.0.1:0.
type site struct {
	url       string
	clk       *fakeclock.Clock
	gate      *Gate
	usersFile string
	log       *syncBuffer
}

// syncBuffer is the gate's log, read by tests that look for secrets in it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// hashFast hashes at bcrypt's least cost: the tests check the gate, not
// bcrypt's speed.
func hashFast(t testing.TB, pw string) string {
	h, err := bcrypt.GenerateFromPassword([]byte(pw), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return string(h)
}

func writeUsers(t testing.TB, path string, users ...User) {
	t.Helper()
	var b bytes.Buffer
	if err := FormatUsers(&b, users); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o640); err != nil {
		t.Fatal(err)
	}
}

func newSite(t *testing.T) *site {
	t.Helper()
	root := t.TempDir()
	testfs.CopyDir(t, filepath.Join(fixtures, theDay.String()), filepath.Join(root, theDay.String()))
	testfs.CopyDir(t, filepath.Join(fixtures, theDay.String()), filepath.Join(root, "garage", theDay.String()))
	state := t.TempDir()
	s := &site{clk: fakeclock.New(testNow), log: &syncBuffer{}, usersFile: filepath.Join(t.TempDir(), "users")}
	log := slog.New(slog.NewTextHandler(io.MultiWriter(s.log, t.Output()), &slog.HandlerOptions{Level: slog.LevelDebug}))
	tokenFile := filepath.Join(t.TempDir(), "upload.token")
	if err := os.WriteFile(tokenFile, []byte(uploadToken+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	server := func(folder, prefix string) *web.Server {
		cat, err := catalog.New(catalog.Config{Root: folder, StateDir: filepath.Join(state, "cat"+strings.ReplaceAll(prefix, "/", "-"))}, log)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); cat.Run(ctx) }()
		t.Cleanup(func() { cancel(); <-done; cat.Close() })
		waitScanned(t, cat)
		srv, err := web.New(web.Config{Root: folder, Prefix: prefix, Now: s.clk.Now, UploadTokenFile: tokenFile, Logout: LogoutPath}, log, cat)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { srv.Close() })
		return srv
	}
	def, garage := server(root, ""), server(filepath.Join(root, "garage"), "/cameras/garage")
	ws := &web.Site{Default: def, Now: s.clk.Now, Cameras: func() []web.Camera {
		return []web.Camera{{Server: def}, {Name: "garage", Server: garage}}
	}}
	met := metrics.New().Handler()
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && r.Method == http.MethodGet {
			met.ServeHTTP(w, r)
			return
		}
		ws.ServeHTTP(w, r)
	})
	writeUsers(t, s.usersFile, User{Name: viewerName, Role: Viewer, Hash: hashFast(t, viewerPassword)},
		User{Name: operatorName, Role: Operator, Hash: hashFast(t, operatorPassword)})
	g, err := New(Config{UsersFile: s.usersFile, StateDir: state, Now: s.clk.Now}, next, log)
	if err != nil {
		t.Fatal(err)
	}
	s.gate = g
	hs := httptest.NewServer(g)
	t.Cleanup(hs.Close)
	s.url = hs.URL
	return s
}

// waitScanned waits until the catalog has scanned the fixture day.
func waitScanned(t *testing.T, cat *catalog.Catalog) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		changed := cat.Changed()
		if v, ok := cat.Day(theDay); ok && len(v.Plan.Segments) == 3 {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatal("the catalog did not scan the fixture day in 30 s")
		}
	}
}

// client is an HTTP client that does not follow redirects, with a
// cookie jar of its own.
func client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// login posts the form and returns the session cookie's value.
func (s *site) login(t *testing.T, c *http.Client, name, password string) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(s.url+LoginPath, url.Values{"user": {name}, "password": {password}, "next": {"/cameras/garage/"}})
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == CookieName {
			return resp, ck.Value
		}
	}
	return resp, ""
}

// do sends one request and returns its response with the body read.
func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := c.Do(req)
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
