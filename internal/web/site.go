package web

import (
	"html/template"
	"net/http"
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
		s.Default.ServeHTTP(w, r)
		return
	}
	name, _, routed := strings.Cut(rest, "/")
	c, found := s.camera(name)
	switch {
	case name == "":
		http.Redirect(w, r, "/", http.StatusFound)
	case !found:
		w.Header().Set("X-Content-Type-Options", "nosniff")
		text(w, http.StatusNotFound, "no camera "+name+": a camera is a folder ROOT/NAME/ of day folders")
	case !routed:
		http.Redirect(w, r, CamerasPrefix+name+"/", http.StatusMovedPermanently)
	default:
		c.Server.ServeHTTP(w, r)
	}
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

// overviewTile is one camera on the overview page.
type overviewTile struct {
	Name, Title, Page string
	Silent            bool
	Since             string
}

var overviewPage = template.Must(template.New("overview").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>cctvd: cameras</title></head><body>
<h1>Cameras</h1>
<ul>{{range .}}
<li><a href="{{.Page}}">{{.Title}}</a>: {{if .Silent}}<strong>silent</strong>, {{end}}{{.Since}}</li>{{end}}
</ul></body></html>
`))

func (s *Site) serveOverview(w http.ResponseWriter, r *http.Request) {
	now := s.Now()
	var tiles []overviewTile
	for _, c := range s.Cameras() {
		t := overviewTile{Name: c.Name, Title: c.Title, Page: "index.php", Silent: c.Silent, Since: "no footage yet"}
		if c.Name != "" {
			t.Page = strings.TrimPrefix(CamerasPrefix, "/") + c.Name + "/"
		}
		if t.Title == "" {
			t.Title = c.Name
		}
		if t.Title == "" {
			t.Title = "default camera"
		}
		if !c.LastSegment.IsZero() {
			t.Since = "last segment " + now.Sub(c.LastSegment).Round(time.Second).String() + " ago"
		}
		tiles = append(tiles, t)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Content-Type-Options", "nosniff")
	overviewPage.Execute(w, tiles)
}
