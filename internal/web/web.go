// Package web serves the index page, HLS playlists, footage files and uploads over HTTP.
//
// Routes:
//
//	GET  /, /index.php                  the index page: every day, newest first
//	GET  /playlist.m3u8, /playlist.php  a day's playlist (date=YYYY-MM-DD, live=1); also /playlist
//	GET  /YYYY-MM-DD/NAME               a segment (*.ts), video.mp4, video-N.mp4 or their .sha512sum
//	                                    (from the off-site bucket when only it holds them; Config.Offsite)
//	PUT  /YYYY-MM-DD/NAME.ts            a camera's upload (Bearer token; off without a token file)
//	GET  /healthz                       "ok"
//	GET  /static/NAME                   the pages' scripts (embedded: hls.js, player.js, overview.js)
//	GET  /thumb/YYYY-MM-DD/HH.jpg       a thumbnail of an hour (Config.Thumbs)
//	GET  /export.mp4, /export.zip       a range as one checked mp4 (start=, end= or duration=; Config.Exporter)
//	POST /actions/hold, …/release       an operator's hold (date=, reason=) or release of a day (Config.Actions)
//	POST /actions/convert, …/cancel     an operator's archive-now (forced) or cancel of a day's conversion
//
// A Site puts several cameras' Servers under one root: camera NAME's
// routes are these under /cameras/NAME, and / is an overview of them.
//
// The index page plays footage in the browser: hls.js where Media Source
// Extensions are there, native HLS otherwise, an archived day's H.265 mp4
// where the browser decodes HEVC. Each day has a timeline of its coverage
// and gaps, drawn from the catalog's plan; a click on it seeks the player.
// Without JavaScript the page is a plain table of links.
//
// Nothing else is served: no listings, no hidden files, no symlinks. Every
// file is opened through an os.Root. Bad input is answered 4xx with a
// short text, never 5xx.
package web

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/token"
	"github.com/cctvd/cctvd/internal/ts"
)

// DefaultUploadMaxBytes bounds an upload's body: a 10-second segment at a
// Pi camera's bitrates is a few MB.
const DefaultUploadMaxBytes = 64 << 20

// DefaultUploadIdle is how long an upload's body may stall before the
// upload is dropped: a camera whose link died without a FIN would
// otherwise hold a connection and a temporary file for ever.
const DefaultUploadIdle = 30 * time.Second

// DefaultLiveWindow is how much footage a live playlist keeps.
const DefaultLiveWindow = time.Hour

// DefaultScanWait is how long a playlist request waits for its day's
// files to be scanned (right after start-up, or when fresh files arrive)
// before it is answered 503 with Retry-After.
const DefaultScanWait = 2 * time.Second

// Config configures a Server.
type Config struct {
	// Root is the camera's folder: the footage root for the default
	// camera, ROOT/NAME for camera NAME.
	Root string
	// Prefix is where the camera's routes are, such as /cameras/front;
	// "" for the default camera. Requests come with it (ServeHTTP cuts
	// it), and the redirects and links that cannot be relative carry it.
	Prefix string
	// Title names a named camera on its page (its title, or its name);
	// empty for the default camera.
	Title string
	// Addr is where Run listens, such as 127.0.0.1:8080.
	Addr string
	// UploadTokenFile holds the Bearer token uploads need; empty turns
	// uploads off unless CameraTokenFile is set.
	UploadTokenFile string
	// CameraTokenFile holds a token that is accepted too: the camera's
	// own, which writes this camera's folders only.
	CameraTokenFile string
	// UploadMaxBytes bounds an upload's body; default DefaultUploadMaxBytes.
	UploadMaxBytes int64
	// UploadIdle is how long an upload's body may send nothing; default
	// DefaultUploadIdle.
	UploadIdle time.Duration
	// LiveWindow is how much footage a live playlist keeps; default
	// DefaultLiveWindow. Negative keeps everything from the date on.
	LiveWindow time.Duration
	// ScanWait is how long a playlist waits for its days' files to be
	// scanned; default DefaultScanWait, negative: not at all.
	ScanWait time.Duration
	// Now is the clock (what is today); default time.Now. Days and
	// PROGRAM-DATE-TIME are in its location.
	Now func() time.Time
	// Thumbs are the thumbnails of the index page (package thumbs); nil
	// shows none.
	Thumbs Thumbnails
	// ArchiveRuns maps each archive of day d, by file name, to where in
	// the file each stretch of footage is and when it was filmed (the
	// archiver records them); with them an archived day has a timeline
	// that seeks its mp4. nil: archived days have none.
	ArchiveRuns func(d day.Date) map[string][]ts.Run
	// Archived tells whether an archive of day d already holds a segment
	// with the bytes r was scanned from, and under which name (the
	// archiver's index). An upload of a name with bytes its day's archive
	// holds is a camera retrying after the day was archived: it is answered
	// 200 and stored nowhere. nil: nothing is known to be archived.
	Archived func(d day.Date, r *ts.Report) (archive, orig string, ok bool)
	// Logout is the URL of the logout page the pages link to, when viewers
	// log in (package access); "" shows no link. It is the same for every
	// viewer, so the cached page stays one for all.
	Logout string
	// Failures are the days whose last conversion failed (the archiver
	// knows them); the page shows each one's error. nil: none are shown.
	Failures func() map[day.Date]Failure
	// Scrubs are what the last scrubs of each day's archives found; the
	// page shows when and whether each day matched. nil: not shown.
	Scrubs func() map[day.Date]Scrub
	// Retention tells the camera's held days and whether retention is
	// blocked; nil: nothing held, never blocked.
	Retention Retention
	// Exporter answers /export.mp4 and /export.zip; nil: they answer 404.
	Exporter Exporter
	// Operator names the operator a request was let in as (package
	// access's OperatorOf); false for anyone else. With Actions, an
	// operator's page offers them and POST …/actions/NAME does them;
	// nil: nobody is an operator (no users file).
	Operator func(r *http.Request) (who string, ok bool)
	// Actions hold, release, convert and cancel a day for an operator.
	Actions Actions
	// Offsite is the off-site copy of the camera's archives: each
	// archived day shows whether it is verified there, and a day whose
	// local archives retention deleted is listed, played and downloaded
	// from the bucket. nil: no off-site copies.
	Offsite Offsite
	// OffsiteState is where the uploader has day d's off-site copy:
	// "none", "pending", "uploading", "verified" or "error", errText
	// saying why for "error". With it, a day not verified off-site shows
	// whether it waits, is being uploaded or failed; nil (or without
	// Offsite): only the receipts are shown.
	OffsiteState func(d day.Date) (state, errText string)
}

// Retention is what the pages show of retention: holds and a blocked disk.
type Retention interface {
	// HeldDays are the camera's held days with each one's reason.
	HeldDays() map[day.Date]string
	// Blocked is why retention is blocked (a banner); "" when it is not.
	Blocked() string
}

// Failure is a day whose last conversion failed.
type Failure struct {
	// Err is the conversion's error.
	Err string
	// NextAttempt is when it is tried again; zero when not scheduled.
	NextAttempt time.Time
}

// dayIndex is what the server needs of the catalog.
type dayIndex interface {
	Days() []*catalog.DayView
	Day(d day.Date) (*catalog.DayView, bool)
}

// scans lets a playlist wait for its days' files to be scanned (the catalog does this).
type scans interface {
	// Changed is closed at the next change of any day.
	Changed() <-chan struct{}
	// Hurry scans d's files before other days'.
	Hurry(d day.Date)
}

// arrivals is told about uploads, so they are listed at once (the catalog does this).
type arrivals interface {
	Arrived(d day.Date, name string)
}

// Server answers HTTP requests; it is an http.Handler.
type Server struct {
	cfg    Config
	log    *slog.Logger
	cat    dayIndex
	root   *os.Root
	tokens [][]byte // none: uploads are off

	playlists responseCache[playlistKey]
	events    published
	index     responseCache[struct{}]
	uploads   sync.Map // "date/name" of uploads under way → struct{}
	// remoteWait is how long the off-site bucket may take to start
	// answering (remoteWait; tests shorten it).
	remoteWait time.Duration
}

// New makes a Server of the footage the catalog knows.
func New(cfg Config, log *slog.Logger, cat dayIndex) (*Server, error) {
	if cfg.Root == "" {
		return nil, errors.New("web: no root")
	}
	if cfg.UploadMaxBytes <= 0 {
		cfg.UploadMaxBytes = DefaultUploadMaxBytes
	}
	if cfg.UploadIdle <= 0 {
		cfg.UploadIdle = DefaultUploadIdle
	}
	if cfg.LiveWindow == 0 {
		cfg.LiveWindow = DefaultLiveWindow
	}
	if cfg.ScanWait == 0 {
		cfg.ScanWait = DefaultScanWait
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, log: log.With("component", "web"), cat: cat, remoteWait: remoteWait}
	for _, f := range []string{cfg.UploadTokenFile, cfg.CameraTokenFile} {
		if f == "" {
			continue
		}
		tok, err := token.Read(f)
		if err != nil {
			return nil, fmt.Errorf("web: upload token file: %w", err)
		}
		s.tokens = append(s.tokens, []byte(tok))
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	s.root = root
	return s, nil
}

// Close releases the root.
func (s *Server) Close() error { return s.root.Close() }

// ServeHTTP routes a request. Paths are matched on their escaped form, so
// %2f and %2e%2e never turn into structure; nothing is cleaned or
// redirected.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	p := strings.TrimPrefix(r.URL.EscapedPath(), s.cfg.Prefix)
	switch p {
	case "/", "/index.php":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			s.serveIndex(w, r)
		}
		return
	case "/playlist.m3u8", "/playlist.php", "/playlist":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			s.servePlaylist(w, r)
		}
		return
	case "/export.mp4", "/export.zip":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			s.serveExport(w, r, p == "/export.zip")
		}
		return
	case "/healthz":
		if allow(w, r, http.MethodGet, http.MethodHead) {
			text(w, http.StatusOK, "ok")
		}
		return
	}
	if name, ok := strings.CutPrefix(p, actionPrefix); ok {
		s.serveAction(w, r, name)
		return
	}
	if name, ok := strings.CutPrefix(p, "/static/"); ok {
		if allow(w, r, http.MethodGet, http.MethodHead) {
			s.serveStatic(w, r, name)
		}
		return
	}
	if strings.HasPrefix(p, "/thumb/") {
		tp, ok := parseThumbPath(p)
		switch {
		case !ok:
			text(w, http.StatusBadRequest, "bad thumbnail path: want /thumb/YYYY-MM-DD/HH.jpg")
		case allow(w, r, http.MethodGet, http.MethodHead):
			s.serveThumb(w, r, tp)
		}
		return
	}
	fp, err := parseFilePath(p)
	if err != nil {
		if strings.Count(p, "/") == 1 && errors.Is(err, errBadPath) {
			text(w, http.StatusNotFound, "not found")
			return
		}
		text(w, http.StatusBadRequest, err.Error())
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.serveFile(w, r, fp)
	case http.MethodPut:
		s.serveUpload(w, r, fp)
	default:
		w.Header().Set("Allow", "GET, HEAD, PUT")
		text(w, http.StatusMethodNotAllowed, "method not allowed")
	}
}

func allow(w http.ResponseWriter, r *http.Request, methods ...string) bool {
	for _, m := range methods {
		if r.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", strings.Join(methods, ", "))
	text(w, http.StatusMethodNotAllowed, "method not allowed")
	return false
}

// text answers with a short plain-text message.
func text(w http.ResponseWriter, code int, msg string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Del("ETag")
	h.Del("Last-Modified")
	w.WriteHeader(code)
	fmt.Fprintln(w, msg)
}

// authorized checks the request's Bearer token in constant time.
func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	match := 0
	for _, want := range s.tokens {
		match |= subtle.ConstantTimeCompare([]byte(tok), want)
	}
	return ok && match == 1
}

// today is the current date in the clock's location.
func (s *Server) today() day.Date { return day.Of(s.cfg.Now()) }
