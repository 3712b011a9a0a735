package daemon_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// TestPageHold runs the real cctvd with a users file made by cctvctl user
// add: an operator logs in through the form, holds a day from the page,
// and cctvctl days shows it held; a viewer's session cannot.
func TestPageHold(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs cctvd")
	}
	root := t.TempDir()
	past := day.Of(time.Now()).AddDays(-3)
	dir := filepath.Join(root, past.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 2, First: 1, Start: past.Start(time.Local).Add(9*time.Hour + 153192286)}); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(t.TempDir(), "users")
	addUser(t, users, "olga", "operator", "operator's password")
	addUser(t, users, "vic", "", "viewer's password")
	d := start(t, root, "--settle", "10000h", "--users-file", users)
	base := d.Base()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login := func(name, password string) *http.Cookie {
		t.Helper()
		resp, err := client.PostForm(base+"/login", url.Values{"user": {name}, "password": {password}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		cs := resp.Cookies()
		if resp.StatusCode != 303 || len(cs) == 0 {
			t.Fatalf("login %s: %d", name, resp.StatusCode)
		}
		return cs[len(cs)-1]
	}
	do := func(method, path string, c *http.Cookie, form url.Values) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(c)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	olga, vic := login("olga", "operator's password"), login("vic", "viewer's password")
	hold := url.Values{"date": {past.String()}, "reason": {"break-in, police ref 77"}}

	if code, body, _ := do("GET", "/", vic, nil); code != 200 || strings.Contains(body, "actions/") {
		t.Errorf("viewer's page: %d, offers actions: %v", code, strings.Contains(body, "actions/"))
	}
	if code, _, _ := do("POST", "/actions/hold", vic, hold); code != 403 {
		t.Errorf("viewer's hold: %d, want 403", code)
	}
	if code, body, _ := do("GET", "/", olga, nil); code != 200 || !strings.Contains(body, `action="actions/hold"`) {
		t.Errorf("operator's page: %d, no hold form", code)
	}
	if code, body, h := do("POST", "/actions/hold", olga, hold); code != 303 || h.Get("Location") != "/" {
		t.Fatalf("operator's hold: %d %s %s", code, h.Get("Location"), body)
	}
	out, _, _ := d.Ctl(t, "days")
	if !strings.Contains(out, "held: break-in, police ref 77") {
		t.Errorf("cctvctl days does not show the page's hold:\n%s", out)
	}
	if code, body, _ := do("GET", "/", olga, nil); !strings.Contains(body, `action="actions/release"`) {
		t.Errorf("operator's page after the hold: %d, no release form", code)
	}
	if code, _, _ := do("POST", "/actions/release", olga, url.Values{"date": {past.String()}}); code != 303 {
		t.Errorf("operator's release: %d", code)
	}
	if out, _, _ := d.Ctl(t, "days"); strings.Contains(out, "held:") {
		t.Errorf("cctvctl days shows a hold after the release:\n%s", out)
	}
	d.Stop(t, 10*time.Second)
	if log := d.Log(); !strings.Contains(log, `"who":"olga"`) {
		t.Error("the hold's operator is not in the log")
	}
}
