package access

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestBrowser logs in with Debian's chromium (e2e/browser/login.mjs,
// playwright-core), plays a day on the index page, logs out with the
// page's link, and is refused: the page goes back to the login form and
// the playlist is 401. scripts/browser-test.sh installs the tools.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: drives chromium")
	}
	script, err := filepath.Abs(filepath.Join("..", "..", "e2e", "browser", "login.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	var missing []string
	if err != nil {
		missing = append(missing, "node")
	}
	if _, err := os.Stat(cmp.Or(os.Getenv("CHROMIUM"), "/usr/bin/chromium")); err != nil {
		missing = append(missing, "chromium")
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "playwright-core (npm ci in e2e/browser)")
	}
	if len(missing) > 0 {
		t.Fatalf("the browser test needs %s: scripts/browser-test.sh installs them (or go test -short leaves this test out)", strings.Join(missing, ", "))
	}
	s := newSite(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, s.url+"/index.php", theDay.String(), viewerName, viewerPassword)
	cmd.Dir = filepath.Dir(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("login.mjs: %v\n%s", err, stderr.String())
	}
	t.Logf("login.mjs: %s", bytes.TrimSpace(stdout.Bytes()))
	var r struct {
		Exception  string
		Console    []string
		PageErrors []string
		Steps      struct{ Before, LoggedIn, LoggedOut, After string }
		Cookie     []struct {
			Name     string
			HTTPOnly bool `json:"httpOnly"`
			SameSite string
			Secure   bool
		}
		Played struct {
			CurrentTime float64
			Player      string
		}
		CookiesAfter  []string
		PlaylistAfter int
	}
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("login.mjs report: %v", err)
	}
	if r.Exception != "" {
		t.Fatalf("login.mjs: %s", r.Exception)
	}
	for _, e := range append(r.PageErrors, r.Console...) {
		// The page's own refusals after logout are expected; nothing else.
		t.Errorf("page error: %s", e)
	}
	login := s.url + "/login?next=%2Findex.php"
	if r.Steps.Before != login {
		t.Errorf("the page before the login: %s, want %s", r.Steps.Before, login)
	}
	if r.Steps.LoggedIn != s.url+"/index.php" {
		t.Errorf("after the login: %s, want the page asked for", r.Steps.LoggedIn)
	}
	if len(r.Cookie) != 1 || r.Cookie[0].Name != CookieName || !r.Cookie[0].HTTPOnly || r.Cookie[0].SameSite != "Lax" {
		t.Errorf("cookies after the login: %+v", r.Cookie)
	}
	if r.Played.CurrentTime <= 3 || r.Played.Player != "hls.js" {
		t.Errorf("played %+v, want past 3 s with hls.js", r.Played)
	}
	if r.Steps.LoggedOut != s.url+"/login" || len(r.CookiesAfter) != 0 {
		t.Errorf("after logout: at %s with cookies %v", r.Steps.LoggedOut, r.CookiesAfter)
	}
	if r.Steps.After != login || r.PlaylistAfter != 401 {
		t.Errorf("after logout the page went to %s and the playlist was %d; want the login form and 401", r.Steps.After, r.PlaylistAfter)
	}
}
