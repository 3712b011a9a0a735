package access

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// identity is who a request of the route table comes as.
type identity struct {
	name string
	// set dresses the request: a cookie, basic auth, a Bearer token.
	set func(r *http.Request)
	// wrongPassword marks the identity that counts as a failed login.
	wrongPassword bool
}

// TestRoutes asks every route as every kind of caller and checks the
// status: the gate's decision (401, 403) or, where it lets the request
// through, the real site's answer.
func TestRoutes(t *testing.T) {
	s := newSite(t)
	c := client(t)
	_, viewerCookie := s.login(t, c, viewerName, viewerPassword)
	_, operatorCookie := s.login(t, c, operatorName, operatorPassword)
	if viewerCookie == "" || operatorCookie == "" {
		t.Fatal("login set no session cookie")
	}
	alice, _ := s.gate.users.lookup(viewerName)
	now := s.clk.Now()
	// Idle too long: last seen 13 h ago.
	expired := session{User: viewerName, Fingerprint: alice.fingerprint(), Issued: now.Add(-20 * time.Hour), Seen: now.Add(-13 * time.Hour)}.sign(s.gate.key)
	// The viewer's cookie made to say "olga", signature kept.
	tampered := tamperUser(t, viewerCookie, operatorName)
	cookie := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.AddCookie(&http.Cookie{Name: CookieName, Value: v}) }
	}
	ids := []identity{
		{name: "anonymous", set: func(*http.Request) {}},
		{name: "viewer", set: cookie(viewerCookie)},
		{name: "viewer basic", set: func(r *http.Request) { r.SetBasicAuth(viewerName, viewerPassword) }},
		{name: "operator", set: cookie(operatorCookie)},
		{name: "operator basic", set: func(r *http.Request) { r.SetBasicAuth(operatorName, operatorPassword) }},
		{name: "camera token", set: func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+uploadToken) }},
		{name: "wrong password", set: func(r *http.Request) { r.SetBasicAuth(viewerName, "not the password") }, wrongPassword: true},
		{name: "expired session", set: cookie(expired)},
		{name: "tampered cookie", set: cookie(tampered)},
	}
	d := theDay.String()
	// Codes by identity, in the order of ids. 401: asked to log in;
	// 403: logged in but not allowed; anything else: the site's answer.
	type codes struct{ anon, viewer, viewerBasic, operator, operatorBasic, token, wrong, expired, tampered int }
	for _, tc := range []struct {
		method, path string
		body         string
		want         codes
	}{
		{method: "GET", path: "/", want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/index.php", want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/playlist.m3u8?date=" + d, want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/playlist.php?date=" + d, want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/" + d + "/seg1.ts", want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "HEAD", path: "/" + d + "/seg2.ts", want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/thumb/" + d + "/09.jpg", want: codes{401, 404, 404, 404, 404, 401, 401, 401, 401}},
		{method: "GET", path: "/static/player.js", want: codes{200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{method: "GET", path: "/cameras/garage/", want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/cameras/garage/playlist.m3u8?date=" + d, want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/cameras/garage/" + d + "/seg3.ts", want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/cameras/garage/static/player.js", want: codes{401, 200, 200, 200, 200, 401, 401, 401, 401}},
		// An upload needs the camera's token and nothing else: the junk
		// body gets past the token check only with it (422).
		{method: "PUT", path: "/2026-11-24/new.ts", body: "junk", want: codes{401, 401, 401, 401, 401, 422, 401, 401, 401}},
		{method: "PUT", path: "/cameras/garage/2026-11-24/new.ts", body: "junk", want: codes{401, 401, 401, 401, 401, 422, 401, 401, 401}},
		{method: "GET", path: "/healthz", want: codes{200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{method: "GET", path: "/metrics", want: codes{401, 403, 403, 200, 200, 401, 401, 401, 401}},
		{method: "GET", path: "/login", want: codes{200, 200, 200, 200, 200, 200, 200, 200, 200}},
		{method: "POST", path: "/logout", want: codes{303, 303, 303, 303, 303, 303, 303, 303, 303}},
		// State changes (hold, release, convert, cancel when they come) are
		// an operator's: the site has no such route yet and answers 405.
		{method: "POST", path: "/cameras/garage/" + d + "/hold", want: codes{401, 403, 403, 405, 405, 401, 401, 401, 401}},
		{method: "DELETE", path: "/" + d + "/seg1.ts", want: codes{401, 403, 403, 405, 405, 401, 401, 401, 401}},
	} {
		want := []int{tc.want.anon, tc.want.viewer, tc.want.viewerBasic, tc.want.operator, tc.want.operatorBasic,
			tc.want.token, tc.want.wrong, tc.want.expired, tc.want.tampered}
		for i, id := range ids {
			t.Run(tc.method+" "+tc.path+" as "+id.name, func(t *testing.T) {
				var body *strings.Reader
				if tc.body != "" {
					body = strings.NewReader(tc.body)
				} else {
					body = strings.NewReader("")
				}
				req, err := http.NewRequest(tc.method, s.url+tc.path, body)
				if err != nil {
					t.Fatal(err)
				}
				id.set(req)
				resp, text := do(t, client(t), req)
				if resp.StatusCode != want[i] {
					t.Errorf("%s %s as %s: %d, want %d: %s", tc.method, tc.path, id.name, resp.StatusCode, want[i], strings.TrimSpace(text))
				}
				if resp.StatusCode == http.StatusUnauthorized && needOf(req) != upload && resp.Header.Get("WWW-Authenticate") != basicChallenge {
					t.Errorf("401 without the basic challenge: %q", resp.Header.Get("WWW-Authenticate"))
				}
				if cc := resp.Header.Get("Cache-Control"); want[i] == 200 && needOf(req) == view && strings.Contains(cc, "public") {
					t.Errorf("a viewer's answer may be kept by shared caches: Cache-Control %q", cc)
				}
			})
			if id.wrongPassword {
				// Each failed login takes a try from the address's bucket:
				// wait for it to refill, so that this table sees the gate's
				// decision, not the rate limit (TestBruteForce checks that).
				s.clk.Advance(LoginEvery)
			}
		}
	}
	log := s.log.String()
	for _, secret := range []string{viewerPassword, operatorPassword, uploadToken, viewerCookie, operatorCookie, "not the password"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret %q", secret)
		}
	}
}

// tamperUser rewrites the user in a signed cookie, keeping its signature.
func tamperUser(t *testing.T, value, user string) string {
	t.Helper()
	p, sig, _ := strings.Cut(value, ".")
	raw, err := b64.DecodeString(p)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(string(raw), "|")
	f[1] = user
	return b64.EncodeToString([]byte(strings.Join(f, "|"))) + "." + sig
}
