package web

import (
	"bytes"
	"cmp"
	_ "embed"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CamerasPrefix is where named cameras' routes are: /cameras/NAME/ has
// every route the default camera has at /.
const CamerasPrefix = "/cameras/"

// Camera is one camera of a root as the site shows it.
type Camera struct {
	// Name is "" for the default camera (the root's own day folders).
	Name, Title string
	Server      *Server
	// LastSegment is when its newest segment ends; zero: none yet.
	LastSegment time.Time
	// Silent reports a camera that has sent nothing for too long.
	Silent bool
}

// Site routes a root's cameras: /cameras/NAME/… to camera NAME, the rest
// to the default camera, whose routes are those of a root with one camera.
// / is the overview of the cameras once there are named ones; until then
// it is the default camera's index, as it always was.
type Site struct {
	Default *Server
	// Cameras lists every camera now, the default one first if it has
	// footage, the named ones by name.
	Cameras func() []Camera
	Now     func() time.Time
	// Blocked is why retention is blocked, for a banner; nil or "": not.
	Blocked func() string
}

// ServeHTTP routes a request.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	rest, ok := strings.CutPrefix(p, CamerasPrefix)
	if !ok {
		if p == "/" && s.named() && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			s.serveOverview(w, r)
			return
		}
		if cam := playlistCamera(p, r.URL.RawQuery); cam != "" {
			s.redirectPlaylist(w, r, cam)
			return
		}
		s.Default.ServeHTTP(w, r)
		return
	}
	name, _, routed := strings.Cut(rest, "/")
	c, found := s.camera(name)
	switch {
	case name == "":
		http.Redirect(w, r, "/", http.StatusFound)
	case !plainName(name):
		w.Header().Set("X-Content-Type-Options", "nosniff")
		text(w, http.StatusBadRequest, "bad camera name: want /cameras/NAME/ with NAME a folder of the root (letters, digits, . _ -)")
	case !found:
		w.Header().Set("X-Content-Type-Options", "nosniff")
		text(w, http.StatusNotFound, "no camera "+name+": a camera is a folder ROOT/NAME/ of day folders")
	case !routed:
		loc := CamerasPrefix + name + "/"
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		http.Redirect(w, r, loc, http.StatusMovedPermanently)
	default:
		c.Server.ServeHTTP(w, r)
	}
}

// plainName reports whether a path segment can name a camera: escapes
// (%2e%2e, %2f) and dot names never do, so they cannot reach a camera's
// server as structure.
func plainName(name string) bool {
	if name == "" || name[0] == '.' {
		return false
	}
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// camera finds a named camera by its name as it is in the path: names are
// plain, so an escaped one is none.
func (s *Site) camera(name string) (Camera, bool) {
	if name == "" {
		return Camera{}, false
	}
	for _, c := range s.Cameras() {
		if c.Name == name {
			return c, true
		}
	}
	return Camera{}, false
}

// named reports whether the root has named cameras.
func (s *Site) named() bool {
	for _, c := range s.Cameras() {
		if c.Name != "" {
			return true
		}
	}
	return false
}

//go:embed overview.html.tmpl
var overviewSource string

var overviewTemplate = template.Must(template.New("overview").Parse(overviewSource))

type overviewPage struct {
	Tiles []overviewTile
	// Live says some camera has footage to watch live.
	Live bool
	// URLs of hls.js, the page's own script and its icon.
	HLS, Script, Icon string
	// Logout is the logout page's URL; "" when nobody logs in.
	Logout string
	// Blocked is why retention is blocked; "" when it is not.
	Blocked string
}

// overviewTile is one camera on the overview page. Its URLs are relative
// to /, where the overview is.
type overviewTile struct {
	Name, Title string
	// Page is the camera's index page: its days, today first.
	Page string
	// Thumb is its latest hour's picture, of the hour ThumbHour; "" when none.
	Thumb, ThumbHour string
	// Live is its live playlist; "" when it has no footage.
	Live   string
	Since  string
	Silent bool
}

// serveOverview answers the overview of the cameras: a tile each with its
// latest picture, how long ago its last segment ended, whether it went
// silent, and its live playlist; overview.js plays them side by side.
func (s *Site) serveOverview(w http.ResponseWriter, r *http.Request) {
	page := s.overview()
	var b bytes.Buffer
	if err := overviewTemplate.Execute(&b, page); err != nil {
		s.Default.log.Error("overview page", "err", err)
		text(w, http.StatusInternalServerError, "internal error")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", indexCSP)
	if r.Method != http.MethodHead {
		w.Write(b.Bytes())
	}
}

func (s *Site) overview() overviewPage {
	now := s.Now()
	page := overviewPage{HLS: assetURL("hls.light.min.js"), Script: assetURL("overview.js"), Icon: assetURL("favicon.svg"),
		Logout: s.Default.cfg.Logout}
	if s.Blocked != nil {
		page.Blocked = s.Blocked()
	}
	for _, c := range s.Cameras() {
		// The default camera's pages are at /, a named one's under its prefix.
		base, page1 := "", "index.php"
		if c.Name != "" {
			base = strings.TrimPrefix(CamerasPrefix, "/") + url.PathEscape(c.Name) + "/"
			page1 = base
		}
		t := overviewTile{Name: c.Name, Title: cmp.Or(c.Title, c.Name, "default camera"), Page: page1,
			Silent: c.Silent, Since: "no footage yet"}
		if c.Server != nil {
			if u, hour := c.Server.LatestThumb(); u != "" {
				t.Thumb, t.ThumbHour = base+u, hour
			}
		}
		if !c.LastSegment.IsZero() {
			t.Since = "last segment " + ago(now.Sub(c.LastSegment))
			t.Live = base + "playlist.m3u8?live=1"
			page.Live = true
		}
		page.Tiles = append(page.Tiles, t)
	}
	return page
}

// ago writes how long ago something was, as a person reads it: 12 s ago,
// 3 min 4 s ago, 2 h 5 min ago, 3 days ago.
func ago(d time.Duration) string {
	if d < 0 {
		return "ends after the server's clock (a camera's clock ahead?)"
	}
	d = d.Truncate(time.Second)
	h, m, sec := int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60)
	switch {
	case h >= 48:
		return fmt.Sprintf("%d days ago", h/24)
	case h > 0:
		return fmt.Sprintf("%d h %d min ago", h, m)
	case m > 0:
		return fmt.Sprintf("%d min %d s ago", m, sec)
	}
	return fmt.Sprintf("%d s ago", sec)
}

// playlistCamera is the camera a top-level playlist's query names with
// camera=NAME (the seed's /playlist.php took no camera: without one, or
// with an empty one, the playlist is the default camera's).
func playlistCamera(path, rawQuery string) string {
	switch path {
	case "/playlist.m3u8", "/playlist.php", "/playlist":
	default:
		return ""
	}
	if len(rawQuery) > maxQuery {
		return "" // the playlist refuses it
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return ""
	}
	return q.Get("camera")
}

// redirectPlaylist sends /playlist.php?camera=NAME&… to camera NAME's
// playlist, so that the segment URIs, relative, resolve under its prefix.
func (s *Site) redirectPlaylist(w http.ResponseWriter, r *http.Request, cam string) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	if !plainName(cam) {
		text(w, http.StatusBadRequest, "bad camera name: want camera=NAME with NAME a folder of the root (letters, digits, . _ -)")
		return
	}
	if _, found := s.camera(cam); !found {
		text(w, http.StatusNotFound, "no camera "+cam+": a camera is a folder ROOT/NAME/ of day folders")
		return
	}
	q := r.URL.Query()
	q.Del("camera")
	loc := CamerasPrefix + cam + "/playlist.m3u8"
	if len(q) > 0 {
		loc += "?" + q.Encode()
	}
	http.Redirect(w, r, loc, http.StatusFound)
}
