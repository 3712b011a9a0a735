package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/cctvd/cctvd/internal/access"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
)

// fakeActions records what an operator's page actions asked for.
type fakeActions struct {
	mu         sync.Mutex
	calls      []string
	held       map[day.Date]string
	converting map[day.Date]bool
}

func (f *fakeActions) record(s string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, s)
	return nil
}

func (f *fakeActions) Hold(d day.Date, reason, who string) error {
	return f.record("hold " + d.String() + " " + reason + " by " + who)
}

func (f *fakeActions) Release(d day.Date, who string) error {
	if _, ok := f.held[d]; !ok {
		return errors.New("day is not held")
	}
	return f.record("release " + d.String() + " by " + who)
}

func (f *fakeActions) Convert(_ context.Context, d day.Date) error {
	return f.record("convert " + d.String())
}

func (f *fakeActions) Cancel(_ context.Context, d day.Date) error {
	return f.record("cancel " + d.String())
}

func (f *fakeActions) Converting() map[day.Date]bool { return f.converting }

func (f *fakeActions) HeldDays() map[day.Date]string { return f.held }
func (f *fakeActions) Blocked() string               { return "" }

func (f *fakeActions) took() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// actionSite is a camera under /cameras/front behind a real access gate
// with an operator "olga" and a viewer "vic" (basic auth, password "pw").
func actionSite(t *testing.T, gate bool) (http.Handler, *fakeActions) {
	t.Helper()
	cat := &fakeCatalog{}
	archived := view(day.Date{Year: 2026, Month: 11, Day: 1}, nil)
	archived.Archives = []catalog.Archive{{Name: "video.mp4", Size: 1000, Checksum: true}}
	cat.set(archived)
	cat.set(view(day22, restartAndGap(day22)))
	cat.set(view(day23, restartAndGap(day23)))
	fa := &fakeActions{held: map[day.Date]string{day23: "theft"}, converting: map[day.Date]bool{day22: true}}
	s, _ := fakeServer(t, cat, Config{Prefix: "/cameras/front", Retention: fa, Actions: fa, Operator: access.OperatorOf})
	if !gate {
		return s, fa
	}
	hash, err := access.HashPassword("pw")
	if err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(t.TempDir(), "users")
	var b strings.Builder
	if err := access.FormatUsers(&b, []access.User{{Name: "olga", Role: access.Operator, Hash: hash}, {Name: "vic", Role: access.Viewer, Hash: hash}}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(users, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	g, err := access.New(access.Config{UsersFile: users, StateDir: t.TempDir()}, s, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	return g, fa
}

func post(h http.Handler, target, user string, form url.Values, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", target, strings.NewReader(form.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		r.SetBasicAuth(user, "pw")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestPageActions(t *testing.T) {
	const base = "/cameras/front/actions/"
	tests := []struct {
		name     string
		gate     bool // a users file: without one nobody is an operator
		user     string
		action   string
		form     url.Values
		hdr      []string
		wantCode int
		wantCall string // what the camera was asked; "" nothing
	}{
		{name: "operator holds", gate: true, user: "olga", action: "hold", form: url.Values{"date": {"2026-11-22"}, "reason": {" break-in at the gate "}},
			wantCode: 303, wantCall: "hold 2026-11-22 break-in at the gate by olga"},
		{name: "operator releases", gate: true, user: "olga", action: "release", form: url.Values{"date": {"2026-11-23"}},
			wantCode: 303, wantCall: "release 2026-11-23 by olga"},
		{name: "operator archives now", gate: true, user: "olga", action: "convert", form: url.Values{"date": {"2026-11-23"}},
			wantCode: 303, wantCall: "convert 2026-11-23"},
		{name: "operator cancels", gate: true, user: "olga", action: "cancel", form: url.Values{"date": {"2026-11-22"}},
			wantCode: 303, wantCall: "cancel 2026-11-22"},
		{name: "release of a day not held", gate: true, user: "olga", action: "release", form: url.Values{"date": {"2026-11-22"}}, wantCode: 409},
		{name: "hold without a reason", gate: true, user: "olga", action: "hold", form: url.Values{"date": {"2026-11-22"}, "reason": {"  "}}, wantCode: 400},
		{name: "bad date", gate: true, user: "olga", action: "hold", form: url.Values{"date": {"2026-13-01"}, "reason": {"x"}}, wantCode: 400},
		{name: "day without footage", gate: true, user: "olga", action: "convert", form: url.Values{"date": {"2026-10-01"}}, wantCode: 404},
		{name: "unknown action", gate: true, user: "olga", action: "delete", form: url.Values{"date": {"2026-11-22"}}, wantCode: 404},
		{name: "viewer", gate: true, user: "vic", action: "hold", form: url.Values{"date": {"2026-11-22"}, "reason": {"x"}}, wantCode: 403},
		{name: "viewer cancels", gate: true, user: "vic", action: "cancel", form: url.Values{"date": {"2026-11-22"}}, wantCode: 403},
		{name: "nobody logged in", gate: true, action: "hold", form: url.Values{"date": {"2026-11-22"}, "reason": {"x"}}, wantCode: 401},
		{name: "cross-origin", gate: true, user: "olga", action: "hold", form: url.Values{"date": {"2026-11-22"}, "reason": {"x"}},
			hdr: []string{"Sec-Fetch-Site", "cross-site"}, wantCode: 403},
		{name: "anonymous, no users file", action: "hold", form: url.Values{"date": {"2026-11-22"}, "reason": {"x"}}, wantCode: 403},
		{name: "anonymous convert, no users file", action: "convert", form: url.Values{"date": {"2026-11-22"}}, wantCode: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fa := actionSite(t, tt.gate)
			w := post(h, base+tt.action, tt.user, tt.form, tt.hdr...)
			if w.Code != tt.wantCode {
				t.Fatalf("code %d, want %d: %s", w.Code, tt.wantCode, w.Body)
			}
			if w.Code == 303 && w.Header().Get("Location") != "/cameras/front/" {
				t.Errorf("Location %q, want the camera's page", w.Header().Get("Location"))
			}
			got := fa.took()
			switch {
			case tt.wantCall == "" && len(got) > 0:
				t.Errorf("camera asked %q, want nothing", got)
			case tt.wantCall != "" && (len(got) != 1 || got[0] != tt.wantCall):
				t.Errorf("camera asked %q, want %q", got, tt.wantCall)
			}
		})
	}
}

// TestPageActionBack: an action goes back to the page it came from.
func TestPageActionBack(t *testing.T) {
	h, _ := actionSite(t, true)
	form := url.Values{"date": {"2026-11-22"}, "reason": {"x"}}
	tests := []struct{ referer, want string }{
		{"", "/cameras/front/"},
		{"http://example.com/cameras/front/index.php", "/cameras/front/index.php"},
		{"http://example.com/cameras/other/index.php", "/cameras/front/"},
		{"http://example.com/elsewhere", "/cameras/front/"},
	}
	for _, tt := range tests {
		w := post(h, "/cameras/front/actions/hold", "olga", form, "Referer", tt.referer)
		if w.Code != 303 || w.Header().Get("Location") != tt.want {
			t.Errorf("Referer %q: %d %q, want 303 %q", tt.referer, w.Code, w.Header().Get("Location"), tt.want)
		}
	}
}

func TestPageActionsGET(t *testing.T) {
	h, fa := actionSite(t, true)
	r := httptest.NewRequest("GET", "/cameras/front/actions/hold?date=2026-11-22&reason=x", nil)
	r.SetBasicAuth("olga", "pw")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed || len(fa.took()) > 0 {
		t.Errorf("GET: %d, asked %q; want 405 and nothing", w.Code, fa.took())
	}
}

// TestPageActionForms: an operator's page has the forms, and a viewer's
// page, made before and after it (the cached one), has none.
func TestPageActionForms(t *testing.T) {
	h, _ := actionSite(t, true)
	page := func(user string) *httptest.ResponseRecorder {
		r := httptest.NewRequest("GET", "/cameras/front/", nil)
		r.SetBasicAuth(user, "pw")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", user, w.Code, w.Body)
		}
		return w
	}
	before := page("vic")
	op := page("olga")
	after := page("vic")
	if before.Body.String() != after.Body.String() || before.Header().Get("ETag") != after.Header().Get("ETag") {
		t.Error("a viewer's page changed after an operator's")
	}
	if op.Header().Get("ETag") == before.Header().Get("ETag") {
		t.Error("the operator's page has the viewer's ETag")
	}
	for _, v := range []*httptest.ResponseRecorder{before, after} {
		if strings.Contains(v.Body.String(), "actions/") || strings.Contains(v.Body.String(), "<form action=\"actions") {
			t.Errorf("a viewer's page offers actions")
		}
	}
	if !strings.Contains(op.Header().Get("Content-Security-Policy"), "form-action 'self'") {
		t.Errorf("operator's CSP %q does not let the forms post", op.Header().Get("Content-Security-Policy"))
	}
	body := op.Body.String()
	form := func(action, date string) string {
		return fmt.Sprintf(`<form action="actions/%s" method="post"><input type="hidden" name="date" value="%s">`, action, date)
	}
	tests := []struct {
		name   string
		action string
		date   string
		want   bool
	}{
		{"archived day: hold", "hold", "2026-11-01", true},
		{"archived day: nothing to archive", "convert", "2026-11-01", false},
		{"converting day: cancel", "cancel", "2026-11-22", true},
		{"converting day: not again", "convert", "2026-11-22", false},
		{"converting day: hold", "hold", "2026-11-22", true},
		{"held day: release", "release", "2026-11-23", true},
		{"held day: not held again", "hold", "2026-11-23", false},
		{"past day: archive now", "convert", "2026-11-23", true},
		{"past day: nothing to cancel", "cancel", "2026-11-23", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := strings.Contains(body, form(tt.action, tt.date)); got != tt.want {
				t.Errorf("form %s %s: %v, want %v", tt.action, tt.date, got, tt.want)
			}
		})
	}
}
