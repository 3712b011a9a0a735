package access

import (
	"cmp"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBruteForce: five wrong passwords from an address, by the form or by
// basic auth, then 429 with Retry-After, even for the right password,
// until the bucket refills.
func TestBruteForce(t *testing.T) {
	s := newSite(t)
	c := client(t)
	for i := range LoginBurst {
		var resp *http.Response
		if i%2 == 0 {
			resp, _ = s.login(t, c, viewerName, "guess"+strconv.Itoa(i))
		} else {
			req, _ := http.NewRequest("GET", s.url+"/playlist.m3u8", nil)
			req.SetBasicAuth(viewerName, "guess"+strconv.Itoa(i))
			resp, _ = do(t, c, req)
		}
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("guess %d: %d, want 401", i, resp.StatusCode)
		}
	}
	resp, _ := s.login(t, c, viewerName, viewerPassword)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "12" {
		t.Fatalf("the right password after %d guesses: %d, Retry-After %q; want 429, 12", LoginBurst, resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	req, _ := http.NewRequest("GET", s.url+"/", nil)
	req.SetBasicAuth(viewerName, viewerPassword)
	if resp, _ := do(t, c, req); resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("basic auth while blocked: %d, want 429", resp.StatusCode)
	}
	// Requests without a password are no tries: a player's first request
	// (answered 401 before it sends user:password) must not lock it out.
	for range 10 {
		if resp, _ := do(t, c, must(http.NewRequest("GET", s.url+"/", nil))); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("anonymous while blocked: %d, want 401", resp.StatusCode)
		}
	}
	s.clk.Advance(LoginEvery - time.Second)
	if resp, _ := s.login(t, c, viewerName, viewerPassword); resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("1 s before the refill: %d, Retry-After %q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	s.clk.Advance(time.Second)
	if resp, v := s.login(t, c, viewerName, viewerPassword); resp.StatusCode != http.StatusSeeOther || v == "" {
		t.Fatalf("after the refill: %d, cookie %v", resp.StatusCode, v != "")
	}
	if n := strings.Count(s.log.String(), "login failed"); n != LoginBurst {
		t.Errorf("%d failed logins logged, want %d", n, LoginBurst)
	}
	if strings.Contains(s.log.String(), "guess") {
		t.Error("a guessed password is in the log")
	}
}

func must(r *http.Request, err error) *http.Request {
	if err != nil {
		panic(err)
	}
	return r
}

// TestSession follows a session from login to logout: the cookie's
// attributes, where the login leads, the refresh, the idle and absolute
// expiry, and the end of sessions when a password changes or a user goes.
func TestSession(t *testing.T) {
	s := newSite(t)
	c := client(t)
	req := must(http.NewRequest("GET", s.url+"/cameras/garage/?x=1", nil))
	req.Header.Set("Sec-Fetch-Mode", "navigate")
	resp, _ := do(t, c, req)
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape("/cameras/garage/?x=1") {
		t.Fatalf("a browser's page without a session: %d to %q, want 303 to the login form", resp.StatusCode, loc)
	}

	// hls.js's request after a session ended: refused without the basic
	// challenge, which would open the browser's password dialog.
	req = must(http.NewRequest("GET", s.url+"/playlist.m3u8?date="+theDay.String(), nil))
	req.Header.Set("Sec-Fetch-Mode", "cors")
	if resp, _ := do(t, c, req); resp.StatusCode != 401 || resp.Header.Get("WWW-Authenticate") != "" {
		t.Errorf("a browser's fetch without a session: %d, WWW-Authenticate %q; want 401 without it", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}

	resp, value := s.login(t, c, viewerName, viewerPassword)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/cameras/garage/" {
		t.Fatalf("login: %d to %q, want 303 to next", resp.StatusCode, resp.Header.Get("Location"))
	}
	sc := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=604800"} {
		if !strings.Contains(sc, want) {
			t.Errorf("Set-Cookie %q lacks %s", sc, want)
		}
	}
	if strings.Contains(sc, "Secure") {
		t.Errorf("Set-Cookie %q is Secure over plain HTTP: the browser would never send it", sc)
	}

	get := func(v string) *http.Response {
		req := must(http.NewRequest("GET", s.url+"/", nil))
		req.AddCookie(&http.Cookie{Name: CookieName, Value: v})
		resp, _ := do(t, client(t), req)
		return resp
	}
	if r := get(value); r.StatusCode != 200 || r.Header.Get("Set-Cookie") != "" {
		t.Fatalf("fresh session: %d, Set-Cookie %q", r.StatusCode, r.Header.Get("Set-Cookie"))
	}
	// Used again 11 h later: still in, and refreshed, so the idle clock restarts.
	s.clk.Advance(11 * time.Hour)
	r := get(value)
	refreshed := cookieOf(r)
	if r.StatusCode != 200 || refreshed == "" {
		t.Fatalf("after 11 h: %d, refreshed %v", r.StatusCode, refreshed != "")
	}
	s.clk.Advance(2 * time.Hour) // 13 h after login, 2 h after the refresh
	if r := get(value); r.StatusCode != 401 {
		t.Errorf("the unrefreshed cookie after 13 h idle: %d, want 401", r.StatusCode)
	}
	r = get(refreshed)
	if r.StatusCode != 200 {
		t.Errorf("the refreshed cookie 2 h later: %d, want 200", r.StatusCode)
	}
	cur := cmp.Or(cookieOf(r), refreshed)
	// Used every 10 h, the session still ends 7 days after the login.
	for since := 13 * time.Hour; ; {
		s.clk.Advance(10 * time.Hour)
		since += 10 * time.Hour
		r := get(cur)
		if since >= MaxAge {
			if r.StatusCode != 401 {
				t.Errorf("%v after the login, used every 10 h: %d, want 401", since, r.StatusCode)
			}
			break
		}
		if r.StatusCode != 200 {
			t.Fatalf("%v after the login, used every 10 h: %d, want 200", since, r.StatusCode)
		}
		cur = cmp.Or(cookieOf(r), cur)
	}

	// A new password ends the old sessions; a deleted user's end too.
	_, v1 := s.login(t, c, viewerName, viewerPassword)
	_, v2 := s.login(t, c, operatorName, operatorPassword)
	if r := get(v1); r.StatusCode != 200 {
		t.Fatalf("new session: %d", r.StatusCode)
	}
	writeUsers(t, s.usersFile, User{Name: viewerName, Role: Viewer, Hash: hashFast(t, "new password")},
		User{Name: operatorName, Role: Operator, Hash: mustLookup(t, s, operatorName).Hash})
	if r := get(v1); r.StatusCode != 401 {
		t.Errorf("session after a password change: %d, want 401", r.StatusCode)
	}
	if r := get(v2); r.StatusCode != 200 {
		t.Errorf("another user's session after the change: %d, want 200", r.StatusCode)
	}
	writeUsers(t, s.usersFile, User{Name: viewerName, Role: Viewer, Hash: hashFast(t, "new password")})
	if r := get(v2); r.StatusCode != 401 {
		t.Errorf("a deleted user's session: %d, want 401", r.StatusCode)
	}

	// Logout clears the cookie.
	_, v3 := s.login(t, c, viewerName, "new password")
	lr := must(http.NewRequest("POST", s.url+LogoutPath, nil))
	lr.AddCookie(&http.Cookie{Name: CookieName, Value: v3})
	resp, _ = do(t, c, lr)
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d, Set-Cookie %q: want 303 and the cookie cleared", resp.StatusCode, resp.Header.Get("Set-Cookie"))
	}
}

func mustLookup(t *testing.T, s *site, name string) User {
	u, ok := s.gate.users.lookup(name)
	if !ok {
		t.Fatalf("no user %s", name)
	}
	return u
}

func cookieOf(r *http.Response) string {
	for _, c := range r.Cookies() {
		if c.Name == CookieName {
			return c.Value
		}
	}
	return ""
}

// TestCrossOrigin: a cross-site form cannot log a browser in or out, nor
// change state; same-origin and non-browser requests pass.
func TestCrossOrigin(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		name    string
		path    string
		headers map[string]string
		want    int
	}{
		{name: "login, cross-site", path: LoginPath, headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403},
		{name: "login, other origin", path: LoginPath, headers: map[string]string{"Origin": "http://evil.example"}, want: 403},
		{name: "logout, cross-site", path: LogoutPath, headers: map[string]string{"Sec-Fetch-Site": "cross-site"}, want: 403},
		{name: "state change, same-site other origin", path: "/" + theDay.String() + "/hold", headers: map[string]string{"Sec-Fetch-Site": "same-site"}, want: 403},
		{name: "login, same origin", path: LoginPath, headers: map[string]string{"Sec-Fetch-Site": "same-origin"}, want: 303},
		{name: "login, no browser headers (curl)", path: LoginPath, want: 303},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"user": {viewerName}, "password": {viewerPassword}}
			req := must(http.NewRequest("POST", s.url+tc.path, strings.NewReader(form.Encode())))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(operatorName, operatorPassword) // an operator's, so that only the origin decides
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, body := do(t, client(t), req)
			if resp.StatusCode != tc.want {
				t.Errorf("%d, want %d: %s", resp.StatusCode, tc.want, body)
			}
		})
	}
}

// TestLoginNext keeps the redirect after a login on this site.
func TestLoginNext(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"/cameras/garage/", "/cameras/garage/"},
		{"/?date=2026-11-21", "/?date=2026-11-21"},
		{"", "/"},
		{"//evil.example/", "/"},
		{"/\\evil.example", "/"},
		{"https://evil.example/", "/"},
		{"/login?next=/x", "/"},
		{"/a\r\nSet-Cookie: x", "/"},
	} {
		if got := localNext(tc.in); got != tc.want {
			t.Errorf("localNext(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
