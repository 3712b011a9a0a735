package web

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// Offsite is the off-site copy of the camera's archived days (package
// offsite, through the daemon): which days are verified in the bucket,
// and their files, which are served from there once retention deleted the
// local copies (--keep-local).
type Offsite interface {
	// OffsiteDays are the camera's days verified off-site. The map is
	// the caller's to read, not to change.
	OffsiteDays() map[day.Date]OffsiteDay
	// Get reads file name of day d from the bucket: whole, or the one
	// range rangeHeader asks for (an HTTP Range header, "" for all). Its
	// error wraps ErrRemoteNotFound or ErrRemoteRange when it is that.
	Get(ctx context.Context, d day.Date, name, rangeHeader string) (*RemoteFile, error)
}

// OffsiteDay is a day verified off-site.
type OffsiteDay struct {
	// VerifiedAt is when its last file was read back from the bucket.
	VerifiedAt time.Time
	// Files are its files in the bucket (video.mp4, its .sha512sum, …).
	Files []OffsiteFile
}

// OffsiteFile is a file of an OffsiteDay.
type OffsiteFile struct {
	Name string
	Size int64
}

// file finds a file of the day.
func (o OffsiteDay) file(name string) (OffsiteFile, bool) {
	for _, f := range o.Files {
		if f.Name == name {
			return f, true
		}
	}
	return OffsiteFile{}, false
}

// RemoteFile is a file, or a range of it, as the bucket sends it.
type RemoteFile struct {
	io.ReadCloser
	// Size is the number of bytes the body holds.
	Size int64
	// ContentRange is the range's "bytes FIRST-LAST/SIZE"; "" for the whole file.
	ContentRange string
	// ETag and LastModified are the bucket's; empty when it sent none.
	ETag         string
	LastModified time.Time
}

// Errors of Offsite.Get.
var (
	// ErrRemoteNotFound is a file missing from the bucket.
	ErrRemoteNotFound = errors.New("not in the off-site bucket")
	// ErrRemoteRange is a range past the file's end (HTTP 416).
	ErrRemoteRange = errors.New("range not satisfiable")
)

// remoteWait is how long the bucket may take to start answering a file
// before the viewer is told so: a hung server must not hang the page.
const remoteWait = 30 * time.Second

// offsiteDays are the camera's days verified off-site; nil without Offsite.
func (s *Server) offsiteDays() map[day.Date]OffsiteDay {
	if s.cfg.Offsite == nil {
		return nil
	}
	return s.cfg.Offsite.OffsiteDays()
}

// remoteArchives are the archives of an off-site day, as the catalog
// would list them were they local; ModTime is when they were verified.
func remoteArchives(o OffsiteDay) []catalog.Archive {
	var out []catalog.Archive
	for _, f := range o.Files {
		if !day.IsArchive(f.Name) {
			continue
		}
		_, sum := o.file(day.ChecksumName(f.Name))
		out = append(out, catalog.Archive{Name: f.Name, Size: f.Size, ModTime: o.VerifiedAt, Checksum: sum})
	}
	slices.SortFunc(out, func(a, b catalog.Archive) int { return day.CompareArchives(a.Name, b.Name) })
	return out
}

// remoteView is the view of a day whose archives are off-site only: v is
// the catalog's (nil when the day's folder is gone too), given the
// bucket's archives. Its version follows both.
func remoteView(d day.Date, v *catalog.DayView, o OffsiteDay) *catalog.DayView {
	r := &catalog.DayView{Date: d, Plan: &ts.Plan{}}
	if v != nil {
		c := *v
		r = &c
	}
	r.Archives = remoteArchives(o)
	h := fnv.New64a()
	fmt.Fprintf(h, "offsite\x00%s\x00%d\x00%d", d, o.VerifiedAt.UnixNano(), r.Version)
	r.Version = h.Sum64()
	return r
}

// days are the catalog's days, newest first, with the days whose archives
// are off-site only: a day the catalog has without an archive gets the
// bucket's, a day it does not have (its folder deleted) is added. remote
// names the days served from the bucket.
func (s *Server) days() (days []*catalog.DayView, off map[day.Date]OffsiteDay, remote map[day.Date]bool) {
	days = s.cat.Days()
	off = s.offsiteDays()
	if len(off) == 0 {
		return days, off, nil
	}
	remote = map[day.Date]bool{}
	seen := make(map[day.Date]bool, len(days))
	out := make([]*catalog.DayView, 0, len(days)+len(off))
	for _, v := range days {
		seen[v.Date] = true
		if o, ok := off[v.Date]; ok && len(v.Archives) == 0 && len(remoteArchives(o)) > 0 {
			v = remoteView(v.Date, v, o)
			remote[v.Date] = true
		}
		out = append(out, v)
	}
	for d, o := range off {
		if !seen[d] && len(remoteArchives(o)) > 0 {
			out = append(out, remoteView(d, nil, o))
			remote[d] = true
		}
	}
	slices.SortStableFunc(out, func(a, b *catalog.DayView) int { return b.Date.Compare(a.Date) })
	return out, off, remote
}

// day is the catalog's view of d, or the bucket's when its archives are
// off-site only (see days).
func (s *Server) day(d day.Date) (*catalog.DayView, bool) {
	v, ok := s.cat.Day(d)
	if ok && len(v.Archives) > 0 {
		return v, true
	}
	o, found := s.offsiteDays()[d]
	if !found || len(remoteArchives(o)) == 0 {
		return v, ok
	}
	if !ok {
		v = nil
	}
	return remoteView(d, v, o), true
}

// offsiteSig sums up the off-site days, so that a day verified (or
// verified again) makes the page again.
func offsiteSig(off map[day.Date]OffsiteDay) uint64 {
	h := fnv.New64a()
	for _, d := range slices.SortedFunc(maps.Keys(off), day.Date.Compare) {
		fmt.Fprintf(h, "%s\x00%d\n", d, off[d].VerifiedAt.UnixNano())
	}
	return h.Sum64()
}

// serveRemote answers a file of a day verified off-site whose local copy
// is gone, from the bucket through cctvd: the viewer's Range goes on to
// the bucket, and the bucket's answer comes back as it is (206 with
// Content-Range, 200, or 416). The bucket need not be reachable from the
// viewer, and cctvd's logins stay in force.
func (s *Server) serveRemote(w http.ResponseWriter, r *http.Request, fp filePath, ct string, f OffsiteFile) {
	rng := r.Header.Get("Range")
	if !singleRange(rng) {
		// Several ranges or a malformed one: the whole file, which HTTP
		// allows (S3 serves one range only).
		rng = ""
	}
	rf, err := s.getRemote(r, fp, rng)
	if err == nil && rng != "" && rf.ContentRange != "" {
		if ir := r.Header.Get("If-Range"); ir != "" && !ifRangeHolds(ir, rf) {
			// The viewer's copy is of another version: all of this one.
			rf.Close()
			rf, err = s.getRemote(r, fp, "")
		}
	}
	if err != nil {
		s.remoteFailed(w, r, fp, f, err)
		return
	}
	defer rf.Close()
	h := w.Header()
	if rf.ETag != "" {
		h.Set("ETag", rf.ETag)
	}
	if !rf.LastModified.IsZero() {
		h.Set("Last-Modified", rf.LastModified.UTC().Format(http.TimeFormat))
	}
	h.Set("Cache-Control", cacheFile) // a verified archive never changes
	if inm := r.Header.Get("If-None-Match"); inm != "" && rf.ETag != "" && etagListed(inm, rf.ETag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Type", ct)
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Length", strconv.FormatInt(rf.Size, 10))
	code := http.StatusOK
	if rf.ContentRange != "" {
		h.Set("Content-Range", rf.ContentRange)
		code = http.StatusPartialContent
	}
	w.WriteHeader(code)
	if r.Method == http.MethodHead {
		return
	}
	if n, err := io.Copy(w, rf); err != nil && r.Context().Err() == nil {
		// The status is sent: the viewer sees a short body.
		s.log.Warn("off-site file cut short", "day", fp.date.String(), "file", fp.name, "sent", n, "of", rf.Size, "err", err)
	}
}

// getRemote asks the bucket for a file; the bucket gets remoteWait to
// start answering.
func (s *Server) getRemote(r *http.Request, fp filePath, rng string) (*RemoteFile, error) {
	ctx, cancel := context.WithCancelCause(r.Context())
	t := time.AfterFunc(s.remoteWait, func() { cancel(errRemoteSlow) })
	rf, err := s.cfg.Offsite.Get(ctx, fp.date, fp.name, rng)
	if !t.Stop() && err == nil {
		// The answer came as the time ran out: its body is cancelled.
		rf.Close()
		err = errRemoteSlow
	}
	if err != nil {
		cancel(nil)
		if errors.Is(context.Cause(ctx), errRemoteSlow) {
			err = fmt.Errorf("%w: %w", errRemoteSlow, err)
		}
		return nil, err
	}
	// The body is read under ctx; it ends with the request.
	rf.ReadCloser = cancelOnClose{rf.ReadCloser, func() { cancel(nil) }}
	return rf, nil
}

var errRemoteSlow = errors.New("the off-site bucket did not answer in time")

type cancelOnClose struct {
	io.ReadCloser
	cancel func()
}

func (c cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// remoteFailed answers a file the bucket did not give.
func (s *Server) remoteFailed(w http.ResponseWriter, r *http.Request, fp filePath, f OffsiteFile, err error) {
	switch {
	case r.Context().Err() != nil:
		return // the viewer left
	case errors.Is(err, ErrRemoteRange):
		w.Header().Set("Content-Range", "bytes */"+strconv.FormatInt(f.Size, 10))
		text(w, http.StatusRequestedRangeNotSatisfiable, "range not satisfiable")
	case errors.Is(err, ErrRemoteNotFound):
		// The receipt says it was verified there: the bucket lost it.
		s.log.Error("off-site copy missing from the bucket", "day", fp.date.String(), "file", fp.name, "err", err)
		text(w, http.StatusBadGateway, "the off-site copy of "+fp.date.String()+"/"+fp.name+
			" is missing from the bucket (the local copy was deleted after it was verified there): tell the operator")
	case errors.Is(err, errRemoteSlow):
		s.log.Warn("off-site bucket slow", "day", fp.date.String(), "file", fp.name, "err", err)
		text(w, http.StatusGatewayTimeout, fp.date.String()+"/"+fp.name+" is kept off-site only, and the bucket did not answer in time: try again later")
	default:
		s.log.Warn("off-site bucket unreadable", "day", fp.date.String(), "file", fp.name, "err", err)
		text(w, http.StatusBadGateway, fp.date.String()+"/"+fp.name+" is kept off-site only, and the bucket could not be read: try again later")
	}
}

// singleRange reports a Range header of one byte range: bytes=A-B, A- or -N.
func singleRange(h string) bool {
	spec, ok := strings.CutPrefix(h, "bytes=")
	if !ok {
		return false
	}
	a, b, ok := strings.Cut(strings.TrimSpace(spec), "-")
	digits := func(s string) bool {
		if s == "" || len(s) > 19 {
			return false
		}
		for _, c := range []byte(s) {
			if c < '0' || c > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case !ok:
		return false
	case a == "":
		return digits(b)
	case b == "":
		return digits(a)
	case !digits(a) || !digits(b):
		return false
	}
	x, _ := strconv.ParseUint(a, 10, 63)
	y, _ := strconv.ParseUint(b, 10, 63)
	return x <= y
}

// ifRangeHolds reports whether an If-Range names the version the bucket
// sent: its strong ETag, or its modification time.
func ifRangeHolds(ir string, rf *RemoteFile) bool {
	if strings.HasPrefix(ir, `"`) {
		return rf.ETag != "" && ir == rf.ETag
	}
	t, err := http.ParseTime(ir)
	return err == nil && !rf.LastModified.IsZero() && rf.LastModified.Truncate(time.Second).Equal(t)
}

// etagListed reports whether an If-None-Match lists etag (weakly compared).
func etagListed(inm, etag string) bool {
	if strings.TrimSpace(inm) == "*" {
		return true
	}
	etag = strings.TrimPrefix(etag, "W/")
	for _, e := range strings.Split(inm, ",") {
		if strings.TrimPrefix(strings.TrimSpace(e), "W/") == etag {
			return true
		}
	}
	return false
}

// uploadState is where the uploader has a day's off-site copy
// (Config.OffsiteState).
type uploadState struct{ state, err string }

// offsiteStates are the uploader's states of the days with archives; nil
// without Config.OffsiteState. They are asked once a request, so that the
// page's signature and the page are made from the same states.
func (s *Server) offsiteStates(days []*catalog.DayView) map[day.Date]uploadState {
	if s.cfg.Offsite == nil || s.cfg.OffsiteState == nil {
		return nil
	}
	out := make(map[day.Date]uploadState, len(days))
	for _, v := range days {
		if len(v.Archives) > 0 {
			st, e := s.cfg.OffsiteState(v.Date)
			out[v.Date] = uploadState{st, e}
		}
	}
	return out
}

// offsiteStatesSig sums up the uploader's states, so that a day queued,
// being uploaded or failing makes the page again: the receipts change
// only once it is verified.
func offsiteStatesSig(states map[day.Date]uploadState) uint64 {
	h := fnv.New64a()
	for _, d := range slices.SortedFunc(maps.Keys(states), day.Date.Compare) {
		fmt.Fprintf(h, "%s\x00%s\x00%s\n", d, states[d].state, states[d].err)
	}
	return h.Sum64()
}

// words are the state as the page says it; "" for "none" and "verified",
// which the receipts tell. failed marks an upload that failed.
func (u uploadState) words() (text string, failed bool) {
	switch u.state {
	case "pending":
		return "pending", false
	case "uploading":
		return "uploading…", false
	case "error":
		if u.err == "" {
			return "error", true
		}
		return "error — " + shortError(u.err), true
	}
	return "", false
}

// maxErrorText is how much of an upload's error the page shows; the log
// and cctvctl days have all of it.
const maxErrorText = 160

// shortError is an error's first line, its spaces squeezed; a longer one
// than maxErrorText keeps its start (what failed) and its end (the
// server's reason, which the S3 client puts last).
func shortError(e string) string {
	e, _, _ = strings.Cut(e, "\n")
	e = strings.Join(strings.Fields(e), " ")
	r := []rune(e)
	if len(r) <= maxErrorText {
		return e
	}
	// Cut between words, where there are spaces to cut at.
	const head = 64
	h, t := string(r[:head]), string(r[len(r)-(maxErrorText-head-3):])
	if i := strings.LastIndexByte(h, ' '); i > 0 {
		h = h[:i]
	}
	if i := strings.IndexByte(t, ' '); i >= 0 && i < len(t)-1 {
		t = t[i+1:]
	}
	return h + " … " + t
}

// offsiteBadges puts each archived day's off-site state on the page (one
// page day a view, in the same order): verified, from its receipt, or
// else where the uploader has it (states; nil: "not off-site yet"). A
// day whose archives are served from the bucket gets its archives'
// durations from their runs: the catalog reads them from the local files.
func (s *Server) offsiteBadges(page *indexPage, days []*catalog.DayView, off map[day.Date]OffsiteDay, remote map[day.Date]bool, states map[day.Date]uploadState) {
	if s.cfg.Offsite == nil {
		return
	}
	loc := s.cfg.Now().Location()
	for i := range page.Days {
		v, d := days[i], &page.Days[i]
		if len(d.Archives) == 0 {
			continue
		}
		up, failed := states[v.Date].words()
		o, ok := off[v.Date]
		if !ok {
			d.Offsite, d.OffsiteFailed = "not off-site yet", failed
			if up != "" {
				d.Offsite = "off-site: " + up
			}
			continue
		}
		at := o.VerifiedAt.In(loc).Format(time.DateTime)
		var missing []string
		for _, a := range d.Archives {
			if _, ok := o.file(a.Name); !ok {
				missing = append(missing, a.Name)
			}
		}
		switch {
		case len(missing) > 0 && up != "":
			d.Offsite, d.OffsiteFailed = "off-site: "+up+" ("+strings.Join(missing, ", ")+" not yet; the rest verified "+at+")", failed
			continue
		case len(missing) > 0:
			d.Offsite = "off-site: " + strings.Join(missing, ", ") + " not yet (the rest verified " + at + ")"
			continue
		case up != "" && !remote[v.Date]:
			// The local archives changed since their copy was verified
			// (a size the receipt does not have): the bucket's is older.
			d.Offsite, d.OffsiteFailed = "off-site: "+up+" (an earlier copy verified "+at+")", failed
			continue
		}
		d.Offsite, d.OffsiteOK, d.Remote = "off-site ✓ "+at, true, remote[v.Date]
		if !d.Remote || s.cfg.ArchiveRuns == nil {
			continue
		}
		runs := s.cfg.ArchiveRuns(v.Date)
		for j := range d.Archives {
			a := &d.Archives[j]
			var end time.Duration
			for _, r := range runs[a.Name] {
				end = max(end, r.Pos+r.Len)
			}
			if end > 0 {
				a.Duration = duration(end)
			}
		}
	}
}
