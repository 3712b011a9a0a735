package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/hls"
)

// How long players and proxies may keep a playlist: a live or today's
// playlist changes every segment, a closed day's hardly ever (a late
// upload; archiving after 48 h, when its playlist starts to redirect).
const (
	cacheShort = "public, max-age=1"
	cacheLong  = "public, max-age=3600"
)

// servePlaylist answers /playlist.m3u8 and the seed's /playlist.php.
//
// A day that has an archive is answered with a 302 to its first, video.mp4:
// a progressive mp4 cannot be an HLS segment, and every player that takes
// an m3u8 URL (Safari, VLC, ffmpeg, mpv) plays an mp4 it is redirected to.
// This holds while segments are there too: they are late ones waiting for
// their own archive, copies kept out, or segments being deleted after the
// commit; served from them, the playlist would hide the day's footage.
// When late segments were archived into video-2.mp4, … the answer lists
// every archive in order in Link headers (rel="item"), as the index page
// does with their timelines.
//
// Days after today (a camera's clock ahead) have their own playlist, but
// live viewing never goes there: ?live=1 redirects to the latest day up
// to today, and a live playlist stops at today.
//
// A playlist whose days have files waiting for their scan (right after
// start-up, or fresh files) waits up to Config.ScanWait for them, then
// answers 503 with Retry-After: a partial playlist with ENDLIST would
// look final to a player.
func (s *Server) servePlaylist(w http.ResponseWriter, r *http.Request) {
	q, err := parsePlaylistQuery(r.URL.RawQuery)
	if err != nil {
		text(w, http.StatusBadRequest, err.Error())
		return
	}
	today := s.today()
	if q.date.IsZero() {
		if !q.live {
			text(w, http.StatusBadRequest, "bad query: date=YYYY-MM-DD is required")
			return
		}
		latest, ok := s.latestDay(today)
		if !ok {
			text(w, http.StatusNotFound, "no days yet")
			return
		}
		loc := r.URL.Path + "?" + r.URL.RawQuery + "&date=" + latest.String()
		http.Redirect(w, r, loc, http.StatusFound)
		return
	}
	if _, ok := s.cat.Day(q.date); !ok {
		text(w, http.StatusNotFound, "no such day")
		return
	}
	if q.live && today.Before(q.date) {
		text(w, http.StatusNotFound, "no live footage: "+q.date.String()+" is after today (a camera's clock ahead?); its own playlist is playlist.m3u8?date="+q.date.String())
		return
	}
	to := q.date
	if q.live {
		to = today
	}
	scanned := s.awaitScans(r.Context(), q.date, to)
	v, ok := s.cat.Day(q.date)
	if !ok {
		text(w, http.StatusNotFound, "no such day")
		return
	}
	event := !q.live && !v.Date.Before(today)
	if !scanned && !(event && s.events.has(v.Date)) {
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		text(w, http.StatusServiceUnavailable, "the day's files are being scanned; try again in a moment")
		return
	}
	if !q.live && len(v.Archives) > 0 {
		redirectToArchives(w, r, v)
		return
	}
	var p *rendered
	switch {
	case q.live:
		p = s.livePlaylist(q.date, today)
	case event:
		p = s.eventPlaylist(v, today)
	default:
		p = s.dayPlaylist(v)
	}
	p.serve(w, r)
}

// redirectToArchives sends a player to a day's first archive, naming all
// of them when there are several.
func redirectToArchives(w http.ResponseWriter, r *http.Request, v *catalog.DayView) {
	if len(v.Archives) > 1 {
		for _, a := range v.Archives {
			w.Header().Add("Link", "</"+v.Date.String()+"/"+url.PathEscape(a.Name)+`>; rel="item"`)
		}
	}
	http.Redirect(w, r, "/"+v.Date.String()+"/"+url.PathEscape(v.Archives[0].Name), http.StatusFound)
}

// retryAfter is the Retry-After, in seconds, of a playlist whose files
// are still being scanned: a day scans in about a second.
const retryAfter = 2

// latestDay is the newest day up to today.
func (s *Server) latestDay(today day.Date) (day.Date, bool) {
	for _, v := range s.cat.Days() { // newest first
		if !today.Before(v.Date) {
			return v.Date, true
		}
	}
	return day.Date{}, false
}

// awaitScans waits, up to Config.ScanWait, until no day from from to to
// has files waiting for their scan, asking the catalog to scan them
// first; it reports whether none has.
func (s *Server) awaitScans(ctx context.Context, from, to day.Date) bool {
	sc, _ := s.cat.(scans)
	var timer <-chan time.Time
	var hurried day.Date
	for {
		var changed <-chan struct{}
		if sc != nil {
			changed = sc.Changed() // before looking, so no change is missed
		}
		d, busy := s.unscanned(from, to)
		if !busy {
			return true
		}
		if sc == nil || s.cfg.ScanWait < 0 {
			return false
		}
		if d != hurried {
			sc.Hurry(d)
			hurried = d
		}
		if timer == nil {
			t := time.NewTimer(s.cfg.ScanWait)
			defer t.Stop()
			timer = t.C
		}
		select {
		case <-changed:
		case <-timer:
			return false
		case <-ctx.Done():
			return false
		}
	}
}

// unscanned is the oldest day from from to to with files waiting for their scan.
func (s *Server) unscanned(from, to day.Date) (day.Date, bool) {
	if from == to {
		v, ok := s.cat.Day(from)
		return from, ok && v.Unscanned > 0
	}
	var found day.Date
	busy := false
	for _, v := range s.cat.Days() { // newest first
		if v.Date.Before(from) {
			break
		}
		if !to.Before(v.Date) && v.Unscanned > 0 {
			found, busy = v.Date, true
		}
	}
	return found, busy
}

// rendered is a playlist's text, plain and gzipped, made once per change,
// with its response headers ready: serving it allocates next to nothing.
type rendered struct {
	plain, gz variant
}

type variant struct {
	body []byte
	etag string
	hdr  http.Header
}

// Header values shared by every playlist response; net/http only reads them.
var (
	mpegURL       = []string{"application/vnd.apple.mpegurl"}
	varyEncoding  = []string{"Accept-Encoding"}
	gzipEncoding  = []string{"gzip"}
	nosniff       = []string{"nosniff"}
	cacheShortHdr = []string{cacheShort}
	cacheLongHdr  = []string{cacheLong}
)

func render(pl *hls.Playlist, sig uint64, long bool) *rendered {
	body := pl.Append(nil)
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.DefaultCompression)
	zw.Write(body)
	zw.Close()
	etag := `"` + strconv.FormatUint(sig, 36)
	cc := cacheShortHdr
	if long {
		cc = cacheLongHdr
	}
	mk := func(b []byte, etag string, gz bool) variant {
		h := http.Header{
			"Content-Type":           mpegURL,
			"Cache-Control":          cc,
			"Vary":                   varyEncoding,
			"X-Content-Type-Options": nosniff,
			"Etag":                   {etag},
			"Content-Length":         {strconv.Itoa(len(b))},
		}
		if gz {
			h["Content-Encoding"] = gzipEncoding
		}
		return variant{body: b, etag: etag, hdr: h}
	}
	return &rendered{plain: mk(body, etag+`"`, false), gz: mk(gz.Bytes(), etag+`-gz"`, true)}
}

func (p *rendered) serve(w http.ResponseWriter, r *http.Request) {
	v := &p.plain
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		v = &p.gz
	}
	h := w.Header()
	for k, vals := range v.hdr {
		h[k] = vals
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, v.etag) {
		delete(h, "Content-Encoding")
		delete(h, "Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(v.body)
	}
}

// acceptsGzip reads Accept-Encoding, honouring q=0.
func acceptsGzip(ae string) bool {
	for ae != "" {
		var part string
		part, ae, _ = strings.Cut(ae, ",")
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && coding != "*" {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		if qv, ok := strings.CutPrefix(params, "q="); ok {
			if f, err := strconv.ParseFloat(qv, 64); err != nil || f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// playlistCache keeps the latest rendering of each playlist, keyed by the
// versions of the days it was made from; a playlist is rendered once per
// change, however many players ask.
type playlistCache struct {
	mu      sync.Mutex
	entries map[playlistKey]*cacheEntry
}

type playlistKey struct {
	date day.Date
	live bool
}

type cacheEntry struct {
	sig   uint64
	ready chan struct{}
	p     *rendered
}

func (c *playlistCache) get(k playlistKey, sig uint64, build func() *rendered) *rendered {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[playlistKey]*cacheEntry{}
	}
	e := c.entries[k]
	if e != nil && e.sig == sig {
		c.mu.Unlock()
		<-e.ready
		return e.p
	}
	e = &cacheEntry{sig: sig, ready: make(chan struct{})}
	c.entries[k] = e
	c.mu.Unlock()
	e.p = build()
	close(e.ready)
	return e.p
}

// minTarget is the least TARGETDURATION of a playlist that grows (today's,
// a live one): a camera's 10-second segments, so that the target does not
// change as the first segments arrive. A longer segment still raises it:
// a target below a segment's duration would break players.
const minTarget = 10

// seqSlot is the length of the slots media sequence numbers count.
const seqSlot = 10 * time.Second

// seqBase is the media sequence number of the first segment of day d: the
// number of 10-second slots from the Unix epoch to the day's midnight.
// Numbers follow on from there one per segment, as HLS wants, so they are
// derived from time, not from where a segment happens to sit in a list:
// the same segment keeps its number across reloads and restarts, in the
// day's playlist and in a live playlist that starts on that day.
func seqBase(d day.Date, loc *time.Location) uint64 {
	return uint64(d.Start(loc).Unix() / int64(seqSlot/time.Second))
}

func segmentURI(d day.Date, name string) string {
	return d.String() + "/" + url.PathEscape(name)
}

func hlsSegments(v *catalog.DayView, loc *time.Location, dst []hls.Segment) []hls.Segment {
	for i := range v.Plan.Segments {
		seg := &v.Plan.Segments[i]
		dst = append(dst, hls.Segment{
			URI:             segmentURI(v.Date, seg.Name),
			Duration:        seg.Report.Duration(),
			ProgramDateTime: seg.Start.In(loc),
			Discontinuity:   seg.Discontinuity,
		})
	}
	return dst
}

// dayPlaylist is a past day's segments: VOD, or EVENT (no ENDLIST) while
// files of the day are still being written, such as a late upload.
func (s *Server) dayPlaylist(v *catalog.DayView) *rendered {
	done := v.Pending == 0
	sig := mix(v.Version, boolBit(done))
	return s.playlists.get(playlistKey{date: v.Date}, sig, func() *rendered {
		loc := s.cfg.Now().Location()
		pl := hls.Playlist{Type: hls.Event, MediaSequence: seqBase(v.Date, loc), TargetDuration: minTarget,
			Segments: hlsSegments(v, loc, make([]hls.Segment, 0, len(v.Plan.Segments)))}
		if done {
			pl.Type, pl.TargetDuration = hls.VOD, 0
		}
		return render(&pl, sig, done)
	})
}

// eventPlaylist is today's segments (or a later day's, a camera's clock
// ahead): EVENT, only ever appended to (published.go). A view whose files
// still wait for their scan is not merged: its plan may be partial.
func (s *Server) eventPlaylist(v *catalog.DayView, today day.Date) *rendered {
	loc := s.cfg.Now().Location()
	merge := v
	if v.Unscanned > 0 && s.events.has(v.Date) {
		merge = nil
	}
	segs, sig, _ := s.events.list(merge, v.Date, today, loc, s.log)
	sig = mix(sig, 2)
	return s.playlists.get(playlistKey{date: v.Date}, sig, func() *rendered {
		pl := hls.Playlist{Type: hls.Event, MediaSequence: seqBase(v.Date, loc), TargetDuration: minTarget, Segments: segs}
		return render(&pl, sig, false)
	})
}

// livePlaylist is the footage from date on, across the following days as
// they appear, in a window of the last LiveWindow: no ENDLIST. Segments
// leave at the front, so MEDIA-SEQUENCE and DISCONTINUITY-SEQUENCE count
// what has left since the first day that still has segments. The target
// duration is taken over every segment from that day on, so it does not
// change as the window slides. Days after today are left out: footage
// filed under tomorrow by a camera whose clock is ahead would otherwise
// end the window for ever, and today's new segments would go before it.
func (s *Server) livePlaylist(from, today day.Date) *rendered {
	var days []*catalog.DayView
	all := s.cat.Days()
	for i := len(all) - 1; i >= 0; i-- {
		if d := all[i].Date; !d.Before(from) && !today.Before(d) && len(all[i].Plan.Segments) > 0 {
			days = append(days, all[i])
		}
	}
	sig := uint64(1)
	for _, v := range days {
		sig = mix(sig, v.Version)
	}
	return s.playlists.get(playlistKey{date: from, live: true}, sig, func() *rendered {
		loc := s.cfg.Now().Location()
		var segs []hls.Segment
		var base uint64
		if len(days) > 0 {
			base = seqBase(days[0].Date, loc)
		}
		for i, v := range days {
			n := len(segs)
			segs = hlsSegments(v, loc, segs)
			if i > 0 && !continues(days[i-1], v) {
				segs[n].Discontinuity = true
			}
		}
		target := max(hls.TargetDuration(segs), minTarget)
		w := liveStart(segs, s.cfg.LiveWindow)
		var dseq uint64
		for _, sg := range segs[:w] {
			if sg.Discontinuity {
				dseq++
			}
		}
		pl := hls.Playlist{Type: hls.Live, MediaSequence: base + uint64(w), DiscontinuitySequence: dseq,
			TargetDuration: target, Segments: segs[w:]}
		return render(&pl, sig, false)
	})
}

// liveStart is the index of the first segment of a live window of the
// given length; a window keeps at least three segments, as HLS asks.
func liveStart(segs []hls.Segment, window time.Duration) int {
	if window < 0 {
		return 0
	}
	var sum time.Duration
	i := len(segs)
	for i > 0 && (sum < window || len(segs)-i < 3) {
		i--
		sum += segs[i].Duration
	}
	return i
}

// continues reports whether the first segment of next follows on from the
// last of prev: one camera run carried on across midnight.
func continues(prev, next *catalog.DayView) bool {
	p := &prev.Plan.Segments[len(prev.Plan.Segments)-1].Report
	n := &next.Plan.Segments[0].Report
	step := (n.FirstDTS - p.EndDTS()) & (1<<33 - 1)
	if step >= 1<<32 {
		step -= 1 << 33
	}
	half := p.FrameTicks / 2
	return step >= -half && step <= half
}

// mix combines versions into one signature (splitmix64's finaliser).
func mix(a, b uint64) uint64 {
	x := a*0x9E3779B97F4A7C15 ^ b
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	return x ^ x>>31
}

func boolBit(b bool) uint64 {
	if b {
		return 1
	}
	return 0
}
