package web

import (
	"bytes"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// site is a root of cameras served by a Site on 127.0.0.1:0: the default
// camera's days at the root, camera NAME's in root/NAME.
type site struct {
	root string
	url  string
	def  *live
	cams map[string]*live
	site *Site
}

// siteCamera is a named camera of a site.
type siteCamera struct {
	name, token string // token: the camera's own upload token; "" none
	opt         liveOptions
}

// startSite serves root's cameras until the test ends; rootToken is the
// upload token of every camera ("" none).
func startSite(t *testing.T, root, rootToken string, named ...siteCamera) *site {
	t.Helper()
	s := &site{root: root, cams: map[string]*live{}}
	s.def = newLive(t, root, liveOptions{token: rootToken})
	// The cameras as the daemon lists them: each one's last segment is
	// where its newest day's footage ends.
	type cam struct {
		name string
		l    *live
	}
	var cams []cam
	if len(s.def.cat.Days()) > 0 {
		cams = append(cams, cam{l: s.def})
	}
	for _, c := range named {
		dir := filepath.Join(root, c.name)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		c.opt.prefix, c.opt.token, c.opt.cameraToken = strings.TrimSuffix(CamerasPrefix, "/")+"/"+c.name, rootToken, c.token
		l := newLive(t, dir, c.opt)
		s.cams[c.name] = l
		cams = append(cams, cam{name: c.name, l: l})
	}
	list := func() []Camera {
		var out []Camera
		for _, c := range cams {
			ci := Camera{Name: c.name, Server: c.l.srv}
			for _, v := range c.l.cat.Days() {
				if v.Totals.Segments > 0 {
					ci.LastSegment = v.Totals.Last
					break
				}
			}
			out = append(out, ci)
		}
		return out
	}
	s.site = &Site{Default: s.def.srv, Cameras: list, Now: s.def.clk.Now}
	s.url = serve(t, s.site)
	s.def.settle(t)
	for _, l := range s.cams {
		l.settle(t)
	}
	return s
}

// segmentOf is the name and bytes of a fixture day's first segment.
func segmentOf(t *testing.T, d day.Date) (string, []byte) {
	t.Helper()
	es, err := os.ReadDir(filepath.Join(fixtures, d.String()))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if strings.HasSuffix(e.Name(), ".ts") {
			b, err := os.ReadFile(filepath.Join(fixtures, d.String(), e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			return e.Name(), b
		}
	}
	t.Fatalf("no segment in fixture day %s", d)
	return "", nil
}

// TestSiteRoutes checks what reaches a named camera and what does not:
// escapes, dots and traversal through the camera's segment are refused
// as a day's are, an unknown camera is a clear 404, and a camera's pages,
// playlists and files are its own.
func TestSiteRoutes(t *testing.T) {
	root := t.TempDir()
	copyDir(t, root, cleanDay)
	copyDir(t, filepath.Join(root, "front"), messyDay)
	s := startSite(t, root, "", siteCamera{name: "front"})
	seg, body := segmentOf(t, messyDay)
	defSeg, defBody := segmentOf(t, cleanDay)
	md, cd := messyDay.String(), cleanDay.String()

	tests := []struct {
		name, target string
		code         int
		location     string // the redirect's target
		has          string // in the body
		body         []byte // the body exactly
	}{
		{name: "cameras/ is the overview", target: "/cameras/", code: 302, location: "/"},
		{name: "a camera's page wants its slash", target: "/cameras/front", code: 301, location: "/cameras/front/"},
		{name: "the slash redirect keeps the query", target: "/cameras/front?a=1", code: 301, location: "/cameras/front/?a=1"},
		{name: "a camera's page", target: "/cameras/front/", code: 200, has: "<td>" + md},
		{name: "a camera's index.php", target: "/cameras/front/index.php", code: 200, has: "<td>" + md},
		{name: "a camera's segment", target: "/cameras/front/" + md + "/" + seg, code: 200, body: body},
		// Relative: under /cameras/front/, as the browser test plays it.
		{name: "a camera's playlist lists its own segments", target: "/cameras/front/playlist.m3u8?date=" + md, code: 200,
			has: "\n" + md + "/" + seg + "\n"},
		{name: "a camera's live playlist is its latest day's", target: "/cameras/front/playlist.m3u8?live=1", code: 302,
			location: "/cameras/front/playlist.m3u8?live=1&date=" + md},
		{name: "a camera's scripts", target: "/cameras/front/static/overview.js", code: 200, has: "overview.js plays"},
		{name: "a camera's health", target: "/cameras/front/healthz", code: 200, has: "ok"},
		{name: "the default camera's day is not a camera's", target: "/cameras/front/" + cd + "/" + defSeg, code: 404},
		{name: "the default camera's segment", target: "/" + cd + "/" + defSeg, code: 200, body: defBody},
		{name: "the default camera's page", target: "/index.php", code: 200, has: "<td>" + cd},
		{name: "the overview", target: "/", code: 200, has: `href="cameras/front/"`},
		{name: "the seed's playlist.php names a camera", target: "/playlist.php?date=" + md + "&camera=front", code: 302,
			location: "/cameras/front/playlist.m3u8?date=" + md},
		{name: "playlist.m3u8 names a camera, live", target: "/playlist.m3u8?camera=front&live=1", code: 302,
			location: "/cameras/front/playlist.m3u8?live=1"},
		{name: "playlist.php names an unknown camera", target: "/playlist.php?date=" + md + "&camera=back", code: 404, has: "no camera back"},
		{name: "playlist.php names a path", target: "/playlist.php?date=" + md + "&camera=..%2F..", code: 400, has: "bad camera name"},
		{name: "playlist.php with an empty camera is the default camera's", target: "/playlist.php?date=" + cd + "&camera=", code: 200, has: defSeg},
		{name: "unknown camera", target: "/cameras/back/", code: 404, has: "no camera back: a camera is a folder ROOT/NAME/"},
		{name: "unknown camera's file", target: "/cameras/back/" + md + "/" + seg, code: 404, has: "no camera back"},
		{name: "unknown camera without slash", target: "/cameras/back", code: 404, has: "no camera back"},
		{name: "dot-dot after the camera", target: "/cameras/front/../" + cd + "/" + defSeg, code: 400},
		{name: "escaped dot-dot as the camera", target: "/cameras/%2e%2e/" + cd + "/" + defSeg, code: 400, has: "bad camera name"},
		{name: "dot-dot as the camera", target: "/cameras/../" + cd + "/" + defSeg, code: 400, has: "bad camera name"},
		{name: "escaped dot-dot after the camera", target: "/cameras/front/%2e%2e/" + cd + "/" + defSeg, code: 400},
		// One segment of a path that is no file is not found, as at the root.
		{name: "escaped slash after the camera", target: "/cameras/front/..%2f" + cd + "%2f" + defSeg, code: 404},
		{name: "escaped slash at the root", target: "/..%2f" + cd + "%2f" + defSeg, code: 404},
		{name: "escaped slash in the camera", target: "/cameras/front%2f" + md + "/" + seg, code: 400, has: "bad camera name"},
		{name: "escaped camera name", target: "/cameras/%66ront/", code: 400, has: "bad camera name"},
		{name: "hidden camera name", target: "/cameras/.front/", code: 400, has: "bad camera name"},
		{name: "dot camera name", target: "/cameras/./" + md + "/" + seg, code: 400, has: "bad camera name"},
		{name: "backslash camera name", target: `/cameras/a\b/`, code: 400, has: "bad camera name"},
		{name: "double slash", target: "/cameras//front/", code: 302, location: "/"},
		{name: "a camera's hidden file", target: "/cameras/front/" + md + "/.x.ts", code: 400},
		{name: "a camera's bad day", target: "/cameras/front/2026-13-01/" + seg, code: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, h, got := raw(t, s.url, "GET", tt.target, nil, nil)
			if code != tt.code {
				t.Fatalf("GET %s: %d %q, want %d", tt.target, code, got, tt.code)
			}
			if l := h.Get("Location"); l != tt.location {
				t.Errorf("Location %q, want %q", l, tt.location)
			}
			if !strings.Contains(got, tt.has) {
				t.Errorf("body %q, want it to hold %q", got, tt.has)
			}
			if tt.body != nil && got != string(tt.body) {
				t.Errorf("body of %d bytes, want the file's %d", len(got), len(tt.body))
			}
			if code >= 400 && (h.Get("Content-Type") != "text/plain; charset=utf-8" || len(got) > 200 || strings.Contains(got, "<")) {
				t.Errorf("refusal %q (%s): want a short plain text", got, h.Get("Content-Type"))
			}
		})
	}
}

// TestSiteOneCamera checks that a root without named cameras is served
// as it always was: every answer of the Site is the Server's, byte for
// byte.
func TestSiteOneCamera(t *testing.T) {
	root := t.TempDir()
	copyDir(t, root, cleanDay)
	s := startSite(t, root, "")
	bare := serve(t, s.def.srv)
	seg, _ := segmentOf(t, cleanDay)
	cd := cleanDay.String()
	for _, target := range []string{"/", "/index.php", "/playlist.m3u8?date=" + cd, "/playlist.m3u8?live=1",
		"/" + cd + "/" + seg, "/healthz", "/static/player.js", "/static/overview.js", "/static/nope",
		"/thumb/" + cd + "/09.jpg", "/cameras", "/cameras/x/", "/nope", "/" + cd + "/.x.ts"} {
		t.Run(target, func(t *testing.T) {
			code, h, body := raw(t, s.url, "GET", target, nil, nil)
			wantCode, wantH, wantBody := raw(t, bare, "GET", target, nil, nil)
			if target == "/cameras/x/" {
				// Named cameras' routes are the site's alone.
				if code != 404 || !strings.Contains(body, "no camera x") {
					t.Errorf("%d %q, want 404 no camera x", code, body)
				}
				return
			}
			h.Del("Date")
			wantH.Del("Date")
			if code != wantCode || body != wantBody || !equalHeaders(h, wantH) {
				t.Errorf("site: %d %v %q\nserver: %d %v %q", code, h, body, wantCode, wantH, wantBody)
			}
		})
	}
}

func equalHeaders(a, b http.Header) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if strings.Join(v, "\x00") != strings.Join(b[k], "\x00") {
			return false
		}
	}
	return true
}

// TestSiteUploadTokens checks that a camera's own token writes its
// folders only, the root's token writes every camera's, and an upload to
// a camera that is not there creates nothing.
func TestSiteUploadTokens(t *testing.T) {
	root := t.TempDir()
	s := startSite(t, root, "root-token",
		siteCamera{name: "front", token: "front-token"}, siteCamera{name: "back", token: "back-token"})
	_, body := segmentOf(t, cleanDay)
	today := "2026-11-24"
	tests := []struct {
		name, token, camera string // camera "" is the default one
		code                int
	}{
		{name: "a camera's token writes its folders", token: "front-token", camera: "front", code: 201},
		{name: "a camera's token does not write another's", token: "front-token", camera: "back", code: 401},
		{name: "a camera's token does not write the default camera's", token: "front-token", camera: "", code: 401},
		{name: "the other camera's token", token: "back-token", camera: "back", code: 201},
		{name: "the root token writes a named camera's", token: "root-token", camera: "front", code: 201},
		{name: "the root token writes the other's", token: "root-token", camera: "back", code: 201},
		{name: "the root token writes the default camera's", token: "root-token", camera: "", code: 201},
		{name: "no token", token: "", camera: "front", code: 401},
		{name: "a wrong token", token: "front-token-", camera: "front", code: 401},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := "seg" + itoa(i+1) + ".ts"
			dir, target := filepath.Join(root, today), "/"+today+"/"+name
			if tt.camera != "" {
				dir, target = filepath.Join(root, tt.camera, today), "/cameras/"+tt.camera+target
			}
			hdr := map[string]string{}
			if tt.token != "" {
				hdr["Authorization"] = "Bearer " + tt.token
			}
			code, _, msg := raw(t, s.url, "PUT", target, hdr, body)
			if code != tt.code {
				t.Fatalf("PUT %s: %d %q, want %d", target, code, msg, tt.code)
			}
			got, err := os.ReadFile(filepath.Join(dir, name))
			switch {
			case code == 201 && !bytes.Equal(got, body):
				t.Errorf("stored %d bytes (%v), want the upload's %d", len(got), err, len(body))
			case code != 201 && err == nil:
				t.Errorf("refused, yet %s is there", filepath.Join(dir, name))
			}
		})
	}

	// Uploads to cameras that are not there create nothing under the root.
	before := tree(t, root)
	for _, target := range []string{"/cameras/side/" + today + "/seg1.ts", "/cameras/%2e%2e/" + today + "/seg1.ts",
		"/cameras/front/../side/" + today + "/seg1.ts", "/cameras/.side/" + today + "/seg1.ts", "/cameras/side"} {
		code, _, msg := raw(t, s.url, "PUT", target, map[string]string{"Authorization": "Bearer root-token"}, body)
		if code < 400 || code >= 500 {
			t.Errorf("PUT %s: %d %q, want 4xx", target, code, msg)
		}
		if strings.HasPrefix(target, "/cameras/side/") && (code != 404 || !strings.Contains(msg, "no camera side")) {
			t.Errorf("PUT %s: %d %q, want 404 no camera side", target, code, msg)
		}
	}
	if after := tree(t, root); !maps.Equal(after, before) {
		t.Errorf("refused uploads changed the root:\nbefore %v\nafter  %v", before, after)
	}
}

// TestOverviewGolden checks the overview of a root's cameras: the default
// camera first, then the named ones, each with its latest picture, how
// long ago its last segment ended, SILENT when it went quiet, and its live
// playlist when it has footage.
func TestOverviewGolden(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, cet)
	mk := func(prefix string, thumbs map[day.Date]uint32, days ...day.Date) *Server {
		cat := &fakeCatalog{}
		for _, d := range days {
			cat.set(view(d, run(1, 1, d.Start(cet).Add(6*time.Hour+153192286), 126000)))
		}
		var th Thumbnails
		if thumbs != nil {
			th = &fakeThumbs{hours: thumbs}
		}
		s, _ := fakeServer(t, cat, Config{Prefix: prefix, Thumbs: th})
		return s
	}
	def := mk("", map[day.Date]uint32{day24: 1<<6 | 1<<11, day23: 1 << 20}, day23, day24)
	// front's newest day has no picture yet: its latest is the day before's.
	front := mk("/cameras/front", map[day.Date]uint32{day23: 1<<7 | 1<<22}, day23, day24)
	back := mk("/cameras/back", map[day.Date]uint32{}, day22)
	yard := mk("/cameras/yard", nil)
	cams := []Camera{
		{Server: def, LastSegment: now.Add(-12*time.Second - 153192286)},
		{Name: "front", Title: "Front door <porch>", Server: front, LastSegment: now.Add(-3*time.Minute - 4*time.Second)},
		{Name: "back", Server: back, LastSegment: now.Add(-50*time.Hour - 153192286), Silent: true},
		{Name: "yard", Server: yard, Silent: true},
	}
	s := &Site{Default: def, Cameras: func() []Camera { return cams }, Now: func() time.Time { return now }}
	w := do(s, "GET", "/")
	if w.Code != 200 || w.Header().Get("Content-Type") != "text/html; charset=utf-8" || w.Header().Get("Content-Security-Policy") != indexCSP {
		t.Fatalf("GET /: %d %v", w.Code, w.Header())
	}
	golden(t, "overview", w.Body.Bytes())
	if h := do(s, "HEAD", "/"); h.Code != 200 || h.Body.Len() != 0 {
		t.Errorf("HEAD /: %d, %d bytes", h.Code, h.Body.Len())
	}
	body := w.Body.String()
	for _, want := range []string{
		`<img src="thumb/2026-11-24/11.jpg"`,
		`<img src="cameras/front/thumb/2026-11-23/22.jpg"`,
		`data-live="playlist.m3u8?live=1"`,
		`data-live="cameras/front/playlist.m3u8?live=1"`,
		"last segment 12 s ago",
		"last segment 3 min 4 s ago",
		"last segment 2 days ago",
		"Front door &lt;porch&gt;",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the overview lacks %s", want)
		}
	}
	if n := strings.Count(body, ">SILENT<"); n != 2 {
		t.Errorf("%d SILENT badges, want 2 (back, yard)", n)
	}
	if strings.Contains(body, "cameras/yard/playlist") {
		t.Error("yard has no footage, yet a live playlist")
	}
	// Other methods than GET and HEAD on / are the default camera's.
	if w := do(s, "POST", "/"); w.Code != 405 {
		t.Errorf("POST /: %d, want 405", w.Code)
	}
}

func TestAgo(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s ago"},
		{999 * time.Millisecond, "0 s ago"},
		{12*time.Second + 153192286, "12 s ago"},
		{time.Minute, "1 min 0 s ago"},
		{59*time.Minute + 59*time.Second, "59 min 59 s ago"},
		{time.Hour + 5*time.Minute, "1 h 5 min ago"},
		{47*time.Hour + 59*time.Minute, "47 h 59 min ago"},
		{48 * time.Hour, "2 days ago"},
		{-time.Second, "ends after the server's clock (a camera's clock ahead?)"},
	}
	for _, tt := range tests {
		if got := ago(tt.d); got != tt.want {
			t.Errorf("ago(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
