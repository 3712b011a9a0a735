// Package viewer is the read-only site over a bucket of many sites: every
// cctvd that copies its archives into one bucket (internal/offsite) is a
// site there, and one viewer lists them all and plays their days.
//
// Routes:
//
//	/                                      every site, its cameras and their newest days
//	/?site=SITE                            a site, its cameras and every day
//	/sites/SITE/CAMERA/DATE/               a day: its archives in <video>, their runs and gaps
//	/sites/SITE/CAMERA/DATE/NAME           a file of the day, from the bucket (Range passed on)
//	/healthz                               "ok"
//
// SITE is the site's folder in the bucket below the viewer's prefix (it may
// hold slashes), "-" for a site at the prefix itself; CAMERA is as in the
// keys ("default" for the default camera). Every key the viewer reads is
// one of its listing's: a path names a file the listing holds, or it is
// refused, so that no request reads outside the prefix or guesses keys.
//
// The listing is read at most once every TTL: a request that finds it older
// is served the one there is while a new one is read in the background.
// Nothing is ever written to the bucket.
package viewer

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/ts"
)

// Bucket is what the viewer reads: an offsite.Bucket opened without a
// state folder, at the prefix that holds the sites.
type Bucket interface {
	List(ctx context.Context) (offsite.Listing, error)
	Get(ctx context.Context, key, rangeHeader string) (*offsite.Reader, error)
	Target() offsite.Target
}

// DefaultTTL is how long a listing is served before it is read again: a
// day's upload shows within a minute, and a bucket of a thousand cameras is
// listed once a minute at most, however many people watch.
const DefaultTTL = time.Minute

// listTimeout bounds one listing, retries included.
const listTimeout = 3 * time.Minute

// Config configures a Viewer.
type Config struct {
	Bucket Bucket
	// TTL is how long a listing is served; default DefaultTTL.
	TTL time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Logout is the logout page's URL when viewers log in; "": none.
	Logout string
	// IndexDays is how many of each camera's newest days the index shows;
	// a site's own page shows every day. Default DefaultIndexDays.
	IndexDays int
}

// DefaultIndexDays keeps the index of a thousand cameras readable: two
// weeks of each, the rest on the sites' pages.
const DefaultIndexDays = 14

// Viewer serves the read-only site.
type Viewer struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context // ends at Close: listings under way stop
	cancel context.CancelFunc

	mu       sync.Mutex
	cur      *snapshot     // nil until the first listing
	listed   time.Time     // when the last listing ended, read or failed
	lastErr  error         // the last listing's error; nil once one works
	fetching chan struct{} // closed when the listing under way ends; nil: none
	index    map[indexKey]*pageBody
	// building is held while an index page is made, so that the viewers
	// who ask for it at once wait for one to be made, not make one each.
	building sync.Mutex

	runsMu sync.Mutex
	runs   map[runsKey]map[string][]ts.Run // parsed summaries, by file
}

// New makes a Viewer; the first request reads the listing.
func New(cfg Config, log *slog.Logger) *Viewer {
	if cfg.TTL <= 0 {
		cfg.TTL = DefaultTTL
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.IndexDays <= 0 {
		cfg.IndexDays = DefaultIndexDays
	}
	v := &Viewer{cfg: cfg, log: log.With("component", "viewer", "target", cfg.Bucket.Target().String())}
	v.ctx, v.cancel = context.WithCancel(context.Background())
	return v
}

// Close stops a listing under way and waits for it.
func (v *Viewer) Close() {
	v.cancel()
	v.wait()
}

// wait waits for the listing under way, if any.
func (v *Viewer) wait() {
	v.mu.Lock()
	ch := v.fetching
	v.mu.Unlock()
	if ch != nil {
		<-ch
	}
}

// listing returns the newest listing there is, and the error of the last
// try if it failed. Only the first request waits for a listing; later ones
// are served the one there is while an expired one is read again.
func (v *Viewer) listing(ctx context.Context) (*snapshot, error) {
	v.mu.Lock()
	cur, err := v.cur, v.lastErr
	// A failed listing too is the answer for its TTL: a bucket that is
	// down is not asked again for every request.
	if (cur != nil || err != nil) && v.cfg.Now().Sub(v.listed) < v.cfg.TTL {
		v.mu.Unlock()
		return cur, err
	}
	ch := v.refreshLocked()
	v.mu.Unlock()
	if cur != nil {
		return cur, err
	}
	select {
	case <-ch:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.cur, v.lastErr
}

// refreshLocked starts reading the listing unless that is under way, and
// returns the channel closed when it ends. v.mu is held.
func (v *Viewer) refreshLocked() chan struct{} {
	if v.fetching != nil {
		return v.fetching
	}
	ch := make(chan struct{})
	v.fetching = ch
	go func() {
		defer close(ch)
		ctx, cancel := context.WithTimeout(v.ctx, listTimeout)
		l, err := v.cfg.Bucket.List(ctx)
		cancel()
		var s *snapshot
		if err == nil {
			s = newSnapshot(l, v.cfg.Bucket.Target(), v.cfg.Now(), v.log)
		} else {
			v.log.Warn("cannot list the bucket; the last listing is served", "err", err)
		}
		v.mu.Lock()
		defer v.mu.Unlock()
		if s != nil {
			v.cur = s
		}
		v.lastErr, v.listed, v.fetching = err, v.cfg.Now(), nil
	}()
	return ch
}

// snapshot is a listing, arranged for the pages.
type snapshot struct {
	at     time.Time
	sites  []*site
	byName map[string]*site
}

type site struct {
	Name   string // in the URL
	Prefix string // in the bucket
	Info   offsite.Site
	// Cameras are the listed ones (with days) and those site.json names
	// without any, by name.
	Cameras []*siteCamera
	byName  map[string]*siteCamera
}

type siteCamera struct {
	Name   string
	Days   []*siteDay // newest first
	byDate map[string]*siteDay
}

type siteDay struct {
	Date     string
	Files    []offsite.ListedFile // archives first, by number; then by name
	Archives []string             // video.mp4, video-2.mp4, …
	Bytes    int64                // of every file
	// NoSum are the archives without a checksum file in the bucket.
	NoSum []string
}

// RootSite is the URL name of a site at the viewer's prefix itself (a
// viewer given one site's target). A folder named "-" below the prefix
// would clash with it: the first one listed is shown, the clash logged.
const RootSite = "-"

func newSnapshot(l offsite.Listing, t offsite.Target, at time.Time, log *slog.Logger) *snapshot {
	s := &snapshot{at: at, byName: map[string]*site{}}
	for _, ls := range l.Sites {
		name := siteName(t.Prefix, ls.Prefix)
		if name == "" {
			continue // not below the prefix: List lists nothing else
		}
		if _, dup := s.byName[name]; dup {
			log.Warn("two sites have the same name in the viewer; the second is hidden", "site", name, "prefix", ls.Prefix)
			continue
		}
		st := &site{Name: name, Prefix: ls.Prefix, Info: ls.Site, byName: map[string]*siteCamera{}}
		for _, lc := range ls.Cameras {
			c := &siteCamera{Name: lc.Name, byDate: map[string]*siteDay{}}
			for _, ld := range lc.Days {
				if _, err := day.Parse(ld.Date); err != nil {
					continue // not a day folder: not cctvd's
				}
				d := newDay(ld)
				c.Days = append(c.Days, d)
				c.byDate[d.Date] = d
			}
			if len(c.Days) == 0 {
				continue
			}
			slices.SortFunc(c.Days, func(a, b *siteDay) int { return strings.Compare(b.Date, a.Date) })
			st.Cameras = append(st.Cameras, c)
			st.byName[c.Name] = c
		}
		for _, name := range ls.Site.Cameras {
			if _, ok := st.byName[name]; !ok && name != "" {
				c := &siteCamera{Name: name, byDate: map[string]*siteDay{}}
				st.Cameras = append(st.Cameras, c)
				st.byName[name] = c
			}
		}
		slices.SortFunc(st.Cameras, func(a, b *siteCamera) int { return strings.Compare(a.Name, b.Name) })
		s.sites = append(s.sites, st)
		s.byName[name] = st
	}
	slices.SortFunc(s.sites, func(a, b *site) int { return strings.Compare(a.Name, b.Name) })
	return s
}

// siteName is the URL name of the site at prefix, below the viewer's
// prefix top; "" for one that is not below it.
func siteName(top, prefix string) string {
	if prefix == top {
		return RootSite
	}
	if top == "" {
		return prefix
	}
	rest, ok := strings.CutPrefix(prefix, top+"/")
	if !ok {
		return ""
	}
	return rest
}

func newDay(ld offsite.ListedDay) *siteDay {
	d := &siteDay{Date: ld.Date, Files: slices.Clone(ld.Files)}
	slices.SortFunc(d.Files, func(a, b offsite.ListedFile) int {
		return cmp.Or(day.CompareArchives(a.Name, b.Name), strings.Compare(a.Name, b.Name))
	})
	for _, f := range d.Files {
		d.Bytes += f.Size
		if day.IsArchive(f.Name) {
			d.Archives = append(d.Archives, f.Name)
		}
	}
	for _, a := range d.Archives {
		if _, ok := d.file(day.ChecksumName(a)); !ok {
			d.NoSum = append(d.NoSum, a)
		}
	}
	return d
}

// file is the day's file of that name. A day has a few files: a map for
// each of a year of a thousand cameras' days would cost more than it saves.
func (d *siteDay) file(name string) (offsite.ListedFile, bool) {
	for _, f := range d.Files {
		if f.Name == name {
			return f, true
		}
	}
	return offsite.ListedFile{}, false
}

// ServeHTTP routes a request.
func (v *Viewer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		h.Set("Allow", "GET, HEAD")
		text(w, http.StatusMethodNotAllowed, "read-only: GET and HEAD only")
		return
	}
	p := r.URL.EscapedPath()
	switch {
	case p == "/":
		v.serveIndex(w, r)
		return
	case p == "/healthz":
		text(w, http.StatusOK, "ok")
		return
	}
	rest, ok := strings.CutPrefix(p, "/sites/")
	if !ok {
		text(w, http.StatusNotFound, "not found")
		return
	}
	ref, perr := parsePath(rest)
	// SITE/CAMERA/DATE without its slash is the day's page, if it is one.
	dref, derr := parsePath(rest + "/")
	if strings.HasSuffix(rest, "/") {
		derr = errBadPath
	}
	if perr != nil && derr != nil {
		text(w, http.StatusBadRequest, perr.Error())
		return
	}
	snap, lerr := v.listing(r.Context())
	if snap == nil {
		v.serveListError(w, lerr)
		return
	}
	var d *siteDay
	found := false
	if perr == nil {
		d, found = snap.find(ref)
	}
	if !found && derr == nil {
		if _, ok := snap.find(dref); ok {
			// Relative, as the pages' links are: right behind a proxy's prefix too.
			h.Set("Location", path1(p)+"/")
			text(w, http.StatusMovedPermanently, "moved to "+path1(p)+"/")
			return
		}
	}
	switch {
	case perr != nil:
		text(w, http.StatusBadRequest, perr.Error())
		return
	case !found:
		text(w, http.StatusNotFound, "not in the bucket's listing: "+ref.String())
		return
	}
	if ref.name == "" {
		v.serveDay(w, r, snap, ref, d)
		return
	}
	f, ok := d.file(ref.name)
	if !ok {
		text(w, http.StatusNotFound, "not in the bucket's listing: "+ref.String())
		return
	}
	v.serveFile(w, r, f)
}

// path1 is the last segment of an escaped path.
func path1(p string) string {
	return p[strings.LastIndexByte(p, '/')+1:]
}

// ref is what a path under /sites/ names: a day (name "") or a day's file.
type ref struct {
	site, camera, date, name string
}

func (r ref) String() string {
	s := r.site + "/" + r.camera + "/" + r.date + "/"
	return s + r.name
}

var (
	errBadPath = errors.New("bad path: want /sites/SITE/CAMERA/YYYY-MM-DD/ or /sites/SITE/CAMERA/YYYY-MM-DD/NAME")
	errBadDate = errors.New("bad date: want YYYY-MM-DD")
)

// parsePath reads the escaped path after /sites/. It refuses empty, . and
// .. segments and escaped slashes, whatever the listing holds.
func parsePath(p string) (ref, error) {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		u, err := url.PathUnescape(s)
		if err != nil || strings.ContainsAny(u, "/\\\x00") || u == "." || u == ".." || u == "" && i != len(segs)-1 {
			return ref{}, errBadPath
		}
		segs[i] = u
	}
	if len(segs) < 4 {
		return ref{}, errBadPath
	}
	n := len(segs)
	r := ref{site: strings.Join(segs[:n-3], "/"), camera: segs[n-3], date: segs[n-2], name: segs[n-1]}
	if _, err := day.Parse(r.date); err != nil {
		return ref{}, errBadDate
	}
	return r, nil
}

// find is the day a ref names, if the listing has it.
func (s *snapshot) find(r ref) (*siteDay, bool) {
	st, ok := s.byName[r.site]
	if !ok {
		return nil, false
	}
	c, ok := st.byName[r.camera]
	if !ok {
		return nil, false
	}
	d, ok := c.byDate[r.date]
	return d, ok
}

// escapeSite escapes a site's name for a URL, segment by segment.
func escapeSite(name string) string {
	segs := strings.Split(name, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func text(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	w.Write([]byte(msg + "\n"))
}
