package web

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
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
// does with their timelines. A day whose archives are off-site only (the
// local copies deleted by retention) is answered the same: its archives'
// URLs are served from the bucket.
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
	if _, ok := s.day(q.date); !ok {
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
	v, ok := s.day(q.date)
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
		s.redirectToArchives(w, r, v)
		return
	}
	var p *response
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
func (s *Server) redirectToArchives(w http.ResponseWriter, r *http.Request, v *catalog.DayView) {
	dir := s.cfg.Prefix + "/" + v.Date.String() + "/"
	if len(v.Archives) > 1 {
		for _, a := range v.Archives {
			w.Header().Add("Link", "<"+dir+url.PathEscape(a.Name)+`>; rel="item"`)
		}
	}
	http.Redirect(w, r, dir+url.PathEscape(v.Archives[0].Name), http.StatusFound)
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
