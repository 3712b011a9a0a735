package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// kind is what a request fetched; latencies are kept per kind.
type kind int

const (
	playlistReq kind = iota
	segmentReq
	indexReq
	mp4Req
	numKinds
)

var kindNames = [numKinds]string{"playlist", "segment", "index", "mp4"}

// requestTimeout bounds one request, body included.
const requestTimeout = 10 * time.Second

// tally is one viewer's count; viewers keep their own and they are merged
// at the end, so that counting takes no lock.
type tally struct {
	requests int // answered or failed; cut by the end of the window is neither
	lat      [numKinds][]time.Duration
	bytes    int64
	errs     map[string]int
	examples []string
	// gone counts 404s of the archiving day's segments: what players see
	// once an archive is committed and its segments deleted. Expected only
	// if the archive finished within the window.
	gone int
}

func (t *tally) fail(class, format string, args ...any) {
	if t.errs == nil {
		t.errs = map[string]int{}
	}
	t.errs[class]++
	if len(t.examples) < 3 {
		t.examples = append(t.examples, class+": "+fmt.Sprintf(format, args...))
	}
}

// viewer is one HLS player. It watches one thing at a time (a session)
// and, when done, is replaced by a new viewer: the count stays constant.
type viewer struct {
	hc      *http.Client
	base    *url.URL
	days    days
	tick    time.Duration // a segment's duration at the bench's speed
	closedN int           // segments in each closed day's playlist
	rng     *rand.Rand
	buf     []byte
	t       tally
}

// sessions are what a viewer may watch, with their share of sessions.
var sessions = []struct {
	weight int
	watch  func(v *viewer, ctx context.Context)
}{
	{30, func(v *viewer, ctx context.Context) { // the cameras, live
		v.watchLive(ctx, "/playlist.m3u8?date="+v.days.today.String()+"&live=1", true)
	}},
	{10, func(v *viewer, ctx context.Context) { // live by way of the 302 to the latest day
		v.watchLive(ctx, "/playlist.m3u8?live=1", true)
	}},
	{5, func(v *viewer, ctx context.Context) { // live from yesterday on, across midnight
		v.watchLive(ctx, "/playlist.m3u8?date="+v.days.closed[0].String()+"&live=1", true)
	}},
	{5, func(v *viewer, ctx context.Context) { // today's EVENT playlist, as the index page's ▶ plays it
		v.watchLive(ctx, "/playlist.m3u8?date="+v.days.today.String(), false)
	}},
	{35, func(v *viewer, ctx context.Context) { // a closed day
		v.watchDay(ctx, v.days.closed[v.rng.IntN(len(v.days.closed))].String(), false)
	}},
	{10, func(v *viewer, ctx context.Context) { // the day being archived
		v.watchDay(ctx, v.days.archiving.String(), true)
	}},
	{5, (*viewer).watchArchived}, // an archived day: 302 to video.mp4, read in ranges
}

func (v *viewer) run(ctx context.Context) {
	total := 0
	for _, s := range sessions {
		total += s.weight
	}
	for ctx.Err() == nil {
		n := v.rng.IntN(total)
		for _, s := range sessions {
			if n < s.weight {
				s.watch(v, ctx)
				break
			}
			n -= s.weight
		}
	}
}

// response is what fetch read.
type response struct {
	status int
	url    *url.URL // the request's URL, to resolve what the response names
	header http.Header
	body   []byte // kept for playlists and the index, gunzipped
}

// fetch GETs u as a player does (Accept-Encoding: gzip), reads the whole
// body and times it. ok is false when the request failed (counted) or was
// cut by the end of the window (not counted).
func (v *viewer) fetch(ctx context.Context, k kind, u *url.URL, rangeHdr string) (response, bool) {
	// A request that hangs is an error, not something the end of the
	// window hides.
	window := ctx
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		v.t.fail("request", "%s: %v", u, err)
		return response{}, false
	}
	req.Header.Set("Accept-Encoding", "gzip")
	req.Header.Set("User-Agent", "cctvd-bench-load")
	if rangeHdr != "" {
		req.Header.Set("Range", rangeHdr)
	}
	start := time.Now()
	resp, err := v.hc.Do(req)
	if err != nil {
		if window.Err() == nil {
			v.t.requests++
			v.t.fail("transport", "%s %s: %v", kindNames[k], u, err)
		}
		return response{}, false
	}
	defer resp.Body.Close()
	var body bytes.Buffer
	var n int64
	keep := k == playlistReq || k == indexReq
	for {
		m, rerr := resp.Body.Read(v.buf)
		n += int64(m)
		if keep {
			body.Write(v.buf[:m])
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if window.Err() == nil {
				v.t.requests++
				v.t.fail("short body", "%s %s: %d bytes then %v", kindNames[k], u, n, rerr)
			}
			return response{}, false
		}
	}
	elapsed := time.Since(start)
	v.t.requests++
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		v.t.fail("short body", "%s %s: %d of %d bytes", kindNames[k], u, n, resp.ContentLength)
		return response{}, false
	}
	v.t.lat[k] = append(v.t.lat[k], elapsed)
	v.t.bytes += n
	r := response{status: resp.StatusCode, url: u, header: resp.Header, body: body.Bytes()}
	if keep && resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(bytes.NewReader(r.body))
		if err == nil {
			r.body, err = io.ReadAll(zr)
		}
		if err != nil {
			v.t.fail("bad gzip", "%s: %v", u, err)
			return response{}, false
		}
	}
	return r, true
}

// want reports whether r has one of the codes a player expects here; a
// different one is counted as an error.
func (v *viewer) want(r response, what string, codes ...int) bool {
	for _, c := range codes {
		if r.status == c {
			return true
		}
	}
	v.t.fail("status "+strconv.Itoa(r.status), "%s %s: want %v", what, r.url, codes)
	return false
}

// loaded is a playlist as a player took it: where it came from after
// redirects, or the mp4 an archived day redirects to.
type loaded struct {
	url *url.URL
	pl  playlist
	mp4 *url.URL
}

// load fetches a playlist, following redirects the way players do (each
// hop is timed as a playlist request), and checks it parses.
func (v *viewer) load(ctx context.Context, u *url.URL) (loaded, bool) {
	for hop := 0; hop < 3; hop++ {
		r, ok := v.fetch(ctx, playlistReq, u, "")
		if !ok || !v.want(r, "playlist", http.StatusOK, http.StatusFound) {
			return loaded{}, false
		}
		if r.status == http.StatusFound {
			loc, err := u.Parse(r.header.Get("Location"))
			if err != nil {
				v.t.fail("bad redirect", "%s: %v", u, err)
				return loaded{}, false
			}
			if strings.HasSuffix(loc.Path, ".mp4") {
				return loaded{url: u, mp4: loc}, true
			}
			u = loc
			continue
		}
		pl, err := parsePlaylist(r.body)
		if err != nil {
			v.t.fail("bad playlist", "%s: %v", u, err)
			return loaded{}, false
		}
		return loaded{url: u, pl: pl}, true
	}
	v.t.fail("redirect loop", "%s", u)
	return loaded{}, false
}

// segment fetches a playlist's segment i.
func (v *viewer) segment(ctx context.Context, l loaded, i int, archiving bool) bool {
	u, err := l.url.Parse(l.pl.uris[i])
	if err != nil {
		v.t.fail("bad playlist", "%s: segment URI %q: %v", l.url, l.pl.uris[i], err)
		return false
	}
	r, ok := v.fetch(ctx, segmentReq, u, "")
	if !ok {
		return false
	}
	if archiving && r.status == http.StatusNotFound {
		v.t.gone++
		return false
	}
	return v.want(r, "segment", http.StatusOK)
}

// watchLive plays a playlist that grows: it starts three segments from
// the live edge, as players do, and reloads the playlist once a segment
// duration, fetching what is new. live playlists have no ENDLIST; today's
// day playlist (live false) is an EVENT playlist, which has none either.
func (v *viewer) watchLive(ctx context.Context, path string, live bool) {
	start, _ := v.base.Parse(path)
	l, ok := v.load(ctx, start)
	if !ok {
		return
	}
	if !v.checkLive(l, live) {
		return
	}
	next := l.pl.seq + uint64(max(len(l.pl.uris)-3, 0))
	reloads := 5 + v.rng.IntN(15)
	for i := 0; ; i++ {
		end := l.pl.seq + uint64(len(l.pl.uris))
		for s := max(next, l.pl.seq); s < end; s++ {
			if !v.segment(ctx, l, int(s-l.pl.seq), false) {
				return
			}
		}
		next = max(next, end)
		if i == reloads || !sleep(ctx, v.tick) {
			return
		}
		prev := l.pl
		if l, ok = v.load(ctx, l.url); !ok || !v.checkLive(l, live) {
			return
		}
		if l.pl.seq < prev.seq || l.pl.seq+uint64(len(l.pl.uris)) < end {
			v.t.fail("live went back", "%s: sequence %d+%d after %d+%d", l.url, l.pl.seq, len(l.pl.uris), prev.seq, len(prev.uris))
			return
		}
	}
}

// checkLive checks a playlist that should grow, counting what is wrong.
func (v *viewer) checkLive(l loaded, live bool) bool {
	switch {
	case l.mp4 != nil:
		v.t.fail("bad playlist", "%s: redirected to %s", l.url, l.mp4)
	case l.pl.endList:
		v.t.fail("bad playlist", "%s: ENDLIST in a growing playlist", l.url)
	case !live && l.pl.typ != "EVENT":
		v.t.fail("bad playlist", "%s: type %q, want EVENT", l.url, l.pl.typ)
	case len(l.pl.uris) == 0:
		v.t.fail("bad playlist", "%s: no segments", l.url)
	default:
		return true
	}
	return false
}

// watchDay plays a past day from a random point: three segments at once
// to fill the buffer, then one a segment duration, for a while. Some
// viewers come by way of the index page.
func (v *viewer) watchDay(ctx context.Context, date string, archiving bool) {
	if v.rng.IntN(5) == 0 {
		r, ok := v.fetch(ctx, indexReq, v.base, "")
		if !ok || !v.want(r, "index", http.StatusOK) {
			return
		}
		if !bytes.Contains(r.body, []byte(date)) {
			v.t.fail("bad index", "the index does not list %s", date)
			return
		}
	}
	u, _ := v.base.Parse("/playlist.m3u8?date=" + date)
	l, ok := v.load(ctx, u)
	if !ok {
		return
	}
	if l.mp4 != nil {
		if !archiving {
			v.t.fail("bad playlist", "%s: redirected to %s", u, l.mp4)
			return
		}
		v.t.gone++ // the archive was committed: its playlist is video.mp4 now
		v.watchMP4(ctx, l.mp4)
		return
	}
	switch {
	case !l.pl.endList || l.pl.typ != "VOD":
		v.t.fail("bad playlist", "%s: type %q, ENDLIST %v: want a VOD", u, l.pl.typ, l.pl.endList)
		return
	case archiving && len(l.pl.uris) < v.closedN:
		v.t.gone++ // caught while the committed archive's segments are deleted
		return
	case len(l.pl.uris) != v.closedN:
		v.t.fail("bad playlist", "%s: %d segments, want %d", u, len(l.pl.uris), v.closedN)
		return
	}
	i := v.rng.IntN(len(l.pl.uris))
	n := 3 + v.rng.IntN(18)
	for k := 0; k < n && i < len(l.pl.uris); k, i = k+1, i+1 {
		if k >= 3 && !sleep(ctx, v.tick) {
			return
		}
		if !v.segment(ctx, l, i, archiving) {
			return
		}
	}
}

// watchArchived plays an archived day: its playlist redirects to
// video.mp4, which players read in ranges: the start (moov, faststart)
// and, on a seek, somewhere inside.
func (v *viewer) watchArchived(ctx context.Context) {
	u, _ := v.base.Parse("/playlist.m3u8?date=" + v.days.archived.String())
	l, ok := v.load(ctx, u)
	if !ok {
		return
	}
	if l.mp4 == nil {
		v.t.fail("bad playlist", "%s: an archived day's playlist, want a redirect to its mp4", u)
		return
	}
	v.watchMP4(ctx, l.mp4)
}

func (v *viewer) watchMP4(ctx context.Context, u *url.URL) {
	r, ok := v.fetch(ctx, mp4Req, u, "bytes=0-1048575")
	if !ok || !v.want(r, "mp4", http.StatusPartialContent) {
		return
	}
	// Content-Range: bytes 0-1048575/SIZE
	_, total, _ := strings.Cut(r.header.Get("Content-Range"), "/")
	size, err := strconv.ParseInt(total, 10, 64)
	if err != nil || size <= 0 {
		v.t.fail("bad range", "%s: Content-Range %q", u, r.header.Get("Content-Range"))
		return
	}
	if !sleep(ctx, v.tick) {
		return
	}
	from := v.rng.Int64N(size)
	r, ok = v.fetch(ctx, mp4Req, u, fmt.Sprintf("bytes=%d-%d", from, from+1<<20-1))
	if ok {
		v.want(r, "mp4", http.StatusPartialContent)
	}
	sleep(ctx, 3*v.tick)
}

// sleep waits d, or less if the window ends first; it reports whether the
// window is still open.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
