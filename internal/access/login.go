package access

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// The login form and the logout page, at the site's root.
const (
	LoginPath  = "/login"
	LogoutPath = "/logout"
)

var pageTemplate = template.Must(template.New("login").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cctvd: {{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:22em;margin:4em auto;padding:0 1em}
label,input,button{display:block;width:100%;box-sizing:border-box;margin:.3em 0}input,button{padding:.5em;font-size:1em}
.err{color:#b00}</style></head><body>
<h1>{{.Title}}</h1>
{{if .Error}}<p class="err" role="alert">{{.Error}}</p>{{end}}
{{if .Logout}}<form method="post" action="/logout"><p>Logged in as {{.User}}.</p><button type="submit" id="logout">Log out</button></form>
{{else}}<form method="post" action="/login">
<input type="hidden" name="next" value="{{.Next}}">
<label for="user">User</label><input id="user" name="user" autocomplete="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" id="login">Log in</button></form>{{end}}
</body></html>
`))

type page struct {
	Title, Error, Next, User string
	Logout                   bool
}

// pageCSP lets the form post to the site and nothing else run.
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

func writePage(w http.ResponseWriter, code int, p page) {
	var b bytes.Buffer
	if err := pageTemplate.Execute(&b, p); err != nil {
		text(w, http.StatusInternalServerError, "internal error")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", pageCSP)
	w.WriteHeader(code)
	w.Write(b.Bytes())
}

// serveLogin shows the form (GET) or logs in (POST): a session cookie and
// a redirect to where the user was going.
func (g *Gate) serveLogin(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		writePage(w, http.StatusOK, page{Title: "Log in", Next: localNext(r.URL.Query().Get("next"))})
		return
	case http.MethodPost:
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		text(w, http.StatusMethodNotAllowed, "method not allowed")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		text(w, http.StatusBadRequest, "bad login form")
		return
	}
	name, password, next := r.PostForm.Get("user"), r.PostForm.Get("password"), localNext(r.PostForm.Get("next"))
	if !g.allowed(w, r) {
		return
	}
	u, ok := g.checkPassword(name, password)
	if !ok {
		g.failed(r, name, "form")
		writePage(w, http.StatusUnauthorized, page{Title: "Log in", Error: "Wrong user name or password.", Next: next})
		return
	}
	now := g.now()
	s := session{User: u.Name, Fingerprint: u.fingerprint(), Issued: now, Seen: now}
	setCookie(w, r, s.sign(g.key), MaxAge)
	g.log.Info("login", "user", u.Name, "role", u.Role.String(), "addr", clientAddr(r))
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// serveLogout shows a logout button (GET: a link can lead to it) or logs
// out (POST): the cookie is cleared and the form shown.
func (g *Gate) serveLogout(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		var who string
		if c, err := r.Cookie(CookieName); err == nil {
			if u, ok := g.session(w, r, c.Value); ok {
				who = u.Name
			}
		}
		if who == "" {
			http.Redirect(w, r, LoginPath, http.StatusSeeOther)
			return
		}
		writePage(w, http.StatusOK, page{Title: "Log out", User: who, Logout: true})
	case http.MethodPost:
		clearCookie(w, r)
		http.Redirect(w, r, LoginPath, http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		text(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

// localNext keeps a redirect on this site: a path, never //host or a URL.
func localNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") || strings.HasPrefix(next, LoginPath) {
		return "/"
	}
	return next
}

// setCookie sets the session cookie. SameSite=Lax: a link into cctvd
// from a chat opens logged in, a cross-site POST carries no cookie.
func setCookie(w http.ResponseWriter, r *http.Request, value string, maxAge time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: value, Path: "/", MaxAge: int(maxAge / time.Second),
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

// text answers with a short plain-text message, as the site does.
func text(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

func itoa(n int) string { return strconv.Itoa(n) }

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
