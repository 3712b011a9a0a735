// Package access decides who may watch cctvd's cameras: a Gate in front
// of the site lets in the users of a users file, by session cookie (the
// page's login form) or HTTP basic auth (players: ffmpeg, VLC, GStreamer).
//
// What each request needs:
//
//	/healthz, /static/…                     nobody (probes; the pages' public scripts)
//	/login, /logout                         nobody (the form; POST is CSRF-checked)
//	PUT …/YYYY-MM-DD/NAME.ts                a camera's Bearer upload token (checked by the site)
//	GET, HEAD of anything else              a viewer
//	/metrics, and every other method        an operator
//
// A camera's upload token never lets a request watch, and a viewer's
// session never uploads: uploads pass the gate untouched and the site asks
// for the Bearer token alone. State-changing routes (the page's hold,
// release, convert, cancel), whatever method they are given other than GET
// or HEAD, are an operator's without a change here; the request passed on
// carries its user, whom the site asks for by OperatorOf.
//
// Every request that is not a GET, HEAD or OPTIONS passes Go's
// CrossOriginProtection: a browser's cross-site POST is refused before it
// reaches anything. Failed logins are rate-limited per address (limiter).
// Passwords, cookies and tokens are never logged; user names and
// addresses are.
package access

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Config configures a Gate.
type Config struct {
	// UsersFile is the users file: NAME ROLE BCRYPT-HASH a line.
	UsersFile string
	// StateDir holds the session key (KeyFile), made at first start.
	StateDir string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Gate lets a request through to the site if its user may make it.
type Gate struct {
	next  http.Handler
	users *usersFile
	key   []byte
	now   func() time.Time
	limit *limiter
	log   *slog.Logger
	cop   *http.CrossOriginProtection
	basic basicCache
	// dummy is a hash to compare unknown users' passwords with, so that a
	// wrong name takes as long as a wrong password.
	dummy []byte
}

// New makes a Gate in front of next.
func New(cfg Config, next http.Handler, log *slog.Logger) (*Gate, error) {
	log = log.With("component", "access")
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	users, err := openUsersFile(cfg.UsersFile, log.Warn)
	if err != nil {
		return nil, err
	}
	key, err := loadKey(cfg.StateDir)
	if err != nil {
		return nil, err
	}
	var pw [16]byte
	rand.Read(pw[:])
	dummy, err := bcrypt.GenerateFromPassword(pw[:], HashCost)
	if err != nil {
		return nil, err
	}
	g := &Gate{next: next, users: users, key: key, now: now, limit: newLimiter(now), log: log,
		cop: http.NewCrossOriginProtection(), dummy: dummy}
	g.basic.entries = map[[32]byte]time.Time{}
	g.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		text(w, http.StatusForbidden, "cross-origin request refused")
	}))
	return g, nil
}

// Users is how many users the users file holds now.
func (g *Gate) Users() int { return g.users.count() }

// need is what a request needs to pass.
type need int

const (
	open need = iota
	upload
	view
	operate
)

func needOf(r *http.Request) need {
	p := r.URL.EscapedPath()
	switch {
	case p == "/healthz" || strings.HasPrefix(p, "/static/") || p == LoginPath || p == LogoutPath:
		return open
	case r.Method == http.MethodPut && strings.HasSuffix(p, ".ts"):
		return upload
	case p == "/metrics":
		return operate
	case r.Method == http.MethodGet || r.Method == http.MethodHead:
		return view
	}
	return operate
}

// ServeHTTP checks a request and serves it or refuses it.
func (g *Gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := g.cop.Check(r); err != nil {
		text(w, http.StatusForbidden, "cross-origin request refused")
		return
	}
	switch r.URL.EscapedPath() {
	case LoginPath:
		g.serveLogin(w, r)
		return
	case LogoutPath:
		g.serveLogout(w, r)
		return
	}
	n := needOf(r)
	if n == open || n == upload {
		g.next.ServeHTTP(w, r)
		return
	}
	u, ok := g.identify(w, r)
	if !ok {
		return // answered: bad credentials, or too many
	}
	switch {
	case u.Role == NoRole:
		g.challenge(w, r)
	case n == operate && u.Role < Operator:
		text(w, http.StatusForbidden, "forbidden: "+u.Name+" is a viewer; this needs an operator")
	default:
		g.next.ServeHTTP(&privateWriter{ResponseWriter: w}, withUser(r, u))
	}
}

// identify finds the request's user: by session cookie, else by basic
// auth; NoRole when it has neither. It answers the request itself, and
// reports false, when basic auth is wrong or its address is blocked.
func (g *Gate) identify(w http.ResponseWriter, r *http.Request) (User, bool) {
	if c, err := r.Cookie(CookieName); err == nil {
		if u, ok := g.session(w, r, c.Value); ok {
			return u, true
		}
		clearCookie(w, r) // expired, tampered with or of a deleted user
	}
	name, password, ok := r.BasicAuth()
	if !ok {
		return User{}, true
	}
	if !g.allowed(w, r) {
		return User{}, false
	}
	u, ok := g.checkBasic(name, password)
	if !ok {
		g.failed(r, name, "basic auth")
		w.Header().Set("WWW-Authenticate", basicChallenge)
		text(w, http.StatusUnauthorized, "wrong user name or password")
		return User{}, false
	}
	return u, true
}

// session reads a session cookie; a valid one is refreshed when stale.
func (g *Gate) session(w http.ResponseWriter, r *http.Request, value string) (User, bool) {
	s, err := parseSession(g.key, value)
	now := g.now()
	if err != nil || !s.valid(now) {
		return User{}, false
	}
	u, ok := g.users.lookup(s.User)
	if !ok || !hmac.Equal([]byte(u.fingerprint()), []byte(s.Fingerprint)) {
		return User{}, false
	}
	if now.Sub(s.Seen) >= refreshAfter {
		s.Seen = now
		setCookie(w, r, s.sign(g.key), s.Issued.Add(MaxAge).Sub(now))
	}
	return u, true
}

// basicChallenge asks a player for basic auth; ffmpeg sends the URL's
// user:password only once it is asked.
const basicChallenge = `Basic realm="cctvd", charset="UTF-8"`

// challenge refuses a request that has no user: a browser's page is sent
// to the login form, anything else (a player, a script) asked for basic
// auth. A browser's own fetches (hls.js, the video element, a favicon:
// Sec-Fetch-Mode other than navigate) get the 401 without the challenge,
// which would pop up the browser's password dialog over the page when a
// session ends; the page's next load goes to the form.
func (g *Gate) challenge(w http.ResponseWriter, r *http.Request) {
	mode := r.Header.Get("Sec-Fetch-Mode")
	if r.Method == http.MethodGet && (mode == "navigate" || (mode == "" && strings.Contains(r.Header.Get("Accept"), "text/html"))) {
		http.Redirect(w, r, LoginPath+"?next="+urlQueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	}
	if mode == "" {
		w.Header().Set("WWW-Authenticate", basicChallenge)
	}
	text(w, http.StatusUnauthorized, "unauthorized: log in at "+LoginPath+", or give a player user:password (basic auth)")
}

// checkPassword compares a password with the user's hash; an unknown user
// costs the same bcrypt comparison.
func (g *Gate) checkPassword(name, password string) (User, bool) {
	u, known := g.users.lookup(name)
	hash := g.dummy
	if known {
		hash = []byte(u.Hash)
	}
	err := bcrypt.CompareHashAndPassword(hash, []byte(password))
	return u, known && err == nil
}

// checkBasic is checkPassword for basic auth, which a player sends with
// every segment: a password that passed is remembered for basicTTL, by an
// HMAC under the session key (the password itself is not kept), so that
// bcrypt runs once per player, not once per segment.
func (g *Gate) checkBasic(name, password string) (User, bool) {
	u, known := g.users.lookup(name)
	if known {
		k := g.basicKey(u, password)
		if g.basic.has(k, g.now()) {
			return u, true
		}
	}
	u, ok := g.checkPassword(name, password)
	if ok {
		g.basic.add(g.basicKey(u, password), g.now().Add(basicTTL))
	}
	return u, ok
}

// basicKey binds the password to the user's hash: a new password makes
// the old one's entry useless.
func (g *Gate) basicKey(u User, password string) [32]byte {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte(u.Name + "\x00" + u.Hash + "\x00" + password))
	var k [32]byte
	copy(k[:], m.Sum(nil))
	return k
}

const (
	basicTTL     = 10 * time.Minute
	basicEntries = 1024
)

type basicCache struct {
	mu      sync.Mutex
	entries map[[32]byte]time.Time
}

func (c *basicCache) has(k [32]byte, now time.Time) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	exp, ok := c.entries[k]
	return ok && now.Before(exp)
}

func (c *basicCache) add(k [32]byte, exp time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= basicEntries {
		clear(c.entries) // rare: then each player pays one bcrypt again
	}
	c.entries[k] = exp
}

// allowed answers 429 with Retry-After when the request's address has
// failed too often, and reports whether it may try.
func (g *Gate) allowed(w http.ResponseWriter, r *http.Request) bool {
	wait := g.limit.wait(clientAddr(r))
	if wait <= 0 {
		return true
	}
	secs := int((wait + time.Second - 1) / time.Second)
	w.Header().Set("Retry-After", itoa(secs))
	text(w, http.StatusTooManyRequests, "too many failed logins from your address: try again in "+itoa(secs)+" s")
	return false
}

// failed counts and logs a failed login: the name tried and the address,
// never the password.
func (g *Gate) failed(r *http.Request, name, how string) {
	addr := clientAddr(r)
	g.limit.failed(addr)
	if CheckName(name) != nil {
		name = "(not a user name)" // what was typed may be a password
	}
	g.log.Warn("login failed", "user", name, "addr", addr, "how", how)
}

// clientAddr is the address a request came from, without the port: the
// rate limit's key. Headers such as X-Forwarded-For are not believed.
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// privateWriter marks what a user was let in to see as private: no shared
// cache (a proxy) may keep it for the next, anonymous, request.
type privateWriter struct {
	http.ResponseWriter
	done bool
}

func (p *privateWriter) fix() {
	if p.done {
		return
	}
	p.done = true
	h := p.Header()
	if cc := h.Get("Cache-Control"); strings.Contains(cc, "public") {
		h.Set("Cache-Control", strings.Replace(cc, "public", "private", 1))
	} else if cc != "" && !strings.Contains(cc, "private") && !strings.Contains(cc, "no-store") {
		h.Set("Cache-Control", "private, "+cc)
	}
}

func (p *privateWriter) WriteHeader(code int) { p.fix(); p.ResponseWriter.WriteHeader(code) }

func (p *privateWriter) Write(b []byte) (int, error) { p.fix(); return p.ResponseWriter.Write(b) }

// Unwrap lets http.ResponseController reach the connection.
func (p *privateWriter) Unwrap() http.ResponseWriter { return p.ResponseWriter }

// Flush passes a flush on (the site streams live playlists).
func (p *privateWriter) Flush() {
	p.fix()
	if f, ok := p.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
