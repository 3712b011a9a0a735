package web

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"hash/fnv"
	"html/template"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/cctvd/cctvd/internal/bytesize"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

//go:embed index.html.tmpl
var indexSource string

var indexTemplate = template.Must(template.New("index").Parse(indexSource))

type indexPage struct {
	// Camera is a named camera's title (or name); empty for the default
	// camera, whose page is that of a root of one camera.
	Camera string
	Days   []indexDay
	// Misplaced is footage in the wrong place under the root.
	Misplaced []catalog.Misplaced
	// Blocked is why retention is blocked; "" when it is not.
	Blocked string
	// Live is the date a live playlist starts from to cover the live
	// window; empty without recent footage.
	Live, LiveURL string
	// URLs of hls.js, the page's own script and its icon.
	HLS, Player, Icon string
	// Logout is the logout page's URL; "" when nobody logs in.
	Logout string
}

type indexDay struct {
	Date           string
	Today          bool
	Segments       int
	Covered        string
	First, Last    string
	Size           string
	Gaps           int
	Missing        string
	Restarts       int
	Kept           int
	OutsideDay     int // stretches filmed outside the day
	Reordered      int // stretches put in filming order against their names
	Pending        int
	Playlist, Live string
	Archives       []indexArchive
	Timeline       *timeline // nil without segments or an archive's runs
	Thumbs         []indexThumb
	// Failed days show their last conversion's error, and when it is
	// tried again (empty when not scheduled).
	Failed       bool
	Error, Retry string
	// Held is the reason the day is held; "" when it is not.
	Held string
	// Scrub is what the last scrub of the day's archives found, in
	// words; Damaged marks a day whose archive no longer matches.
	Scrub   string
	Damaged bool
	// Export offers a range of the day's footage as a clip
	// (Config.Exporter), from ExportFrom to ExportTo by default: all of
	// the day's segments, or its first archive's footage, as a
	// datetime-local field takes a time of the server's clock.
	Export               bool
	ExportFrom, ExportTo string
	// Ops are an operator's forms; nil on everyone else's page.
	Ops *dayOps
	// Offsite is the day's off-site state, in words ("" without off-site
	// copies); OffsiteOK marks a day verified there, Remote one whose
	// archives are served from the bucket (the local copies deleted).
	Offsite           string
	OffsiteOK, Remote bool
	// OffsiteFailed marks a day whose last upload failed.
	OffsiteFailed bool
}

// indexThumb is the picture of one hour of a day.
type indexThumb struct {
	URL, Hour string
	At        int64 // the hour's start, Unix ms: where a click seeks to; 0: no seeking
}

type indexArchive struct {
	Name, URL, ChecksumURL string
	Size, Duration         string
	Checksum               bool
}

// serveIndex answers the index page: every day, newest first. The page is
// made again when a day, the date, the failures, the thumbnails or the
// misplaced footage change.
func (s *Server) serveIndex(w http.ResponseWriter, r *http.Request) {
	days, off, remote := s.days()
	today := s.today()
	live := s.liveFrom(days)
	var failures map[day.Date]Failure
	if s.cfg.Failures != nil {
		failures = s.cfg.Failures()
	}
	sig := mix(uint64(today.Year)<<16|uint64(today.Month)<<8|uint64(today.Day), uint64(len(days)))
	sig = mix(sig, failuresSig(failures))
	scrubs := s.scrubTexts()
	sig = mix(sig, scrubsSig(scrubs))
	sig = mix(sig, uint64(live.Year)<<16|uint64(live.Month)<<8|uint64(live.Day))
	if s.cfg.Thumbs != nil {
		sig = mix(sig, s.cfg.Thumbs.Version())
	}
	for _, v := range days {
		sig = mix(sig, v.Version)
	}
	misplaced := s.misplaced()
	sig = mix(sig, misplacedSig(misplaced))
	held, blocked := s.retention()
	sig = mix(sig, retentionSig(held, blocked))
	sig = mix(sig, offsiteSig(off))
	states := s.offsiteStates(days)
	sig = mix(sig, offsiteStatesSig(states))
	build := func(operator bool) *response {
		var b bytes.Buffer
		page := s.indexPage(days, live, failures)
		s.offsiteBadges(&page, days, off, remote, states)
		page.Misplaced, page.Blocked = misplaced, blocked
		for i := range page.Days {
			if d, err := day.Parse(page.Days[i].Date); err == nil {
				page.Days[i].Held = held[d]
			}
		}
		for i := range page.Days {
			// One page day a catalog day, in the same order.
			if sc, ok := scrubs[days[i].Date]; ok && len(page.Days[i].Archives) > 0 {
				page.Days[i].Scrub, page.Days[i].Damaged = sc.text, sc.damaged
			}
		}
		tag, hdr := "i"+strconv.FormatUint(sig, 36), indexHeader
		if operator {
			s.ops(&page, held)
			tag, hdr = "o"+strconv.FormatUint(mix(sig, convertingSig(s.cfg.Actions.Converting())), 36), operatorHeader
		}
		if err := indexTemplate.Execute(&b, page); err != nil {
			s.log.Error("index page", "err", err)
			return nil
		}
		return newResponse(b.Bytes(), gzipped(b.Bytes(), gzip.DefaultCompression), tag, hdr)
	}
	var p *response
	// An operator's page, with its forms, is made for each request: the
	// cached page is everyone else's and never shows them.
	if _, ok := s.operator(r); ok {
		p = build(true)
	} else {
		p = s.index.get(struct{}{}, sig, func() *response { return build(false) })
	}
	if p == nil {
		text(w, http.StatusInternalServerError, "internal error")
		return
	}
	p.serve(w, r)
}

var indexHeader = http.Header{
	"Content-Type":            {"text/html; charset=utf-8"},
	"Cache-Control":           {"no-cache"},
	"Content-Security-Policy": {indexCSP},
}

// operatorHeader is an operator's page's: the same, apart from the cache,
// which it shares with nobody.
var operatorHeader = http.Header{
	"Content-Type":            {"text/html; charset=utf-8"},
	"Cache-Control":           {"no-cache"},
	"Content-Security-Policy": {indexCSP},
}

// indexCSP lets the page run its own scripts and nothing else: hls.js
// fetches playlists and segments from here, feeds them to the video
// through a blob: MediaSource URL and transmuxes in a blob: worker. Its
// forms (an export's range, an operator's actions) go to the site only.
const indexCSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'self'; img-src 'self'; " +
	"media-src 'self' blob:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'self'"

// liveFrom is the date a live playlist starts from to hold the whole live
// window: the first day with segments from the window's start on, up to
// today (a later day is a camera's clock ahead). Zero when no such day
// has footage.
func (s *Server) liveFrom(days []*catalog.DayView) day.Date {
	today := s.today()
	from := today
	if s.cfg.LiveWindow > 0 {
		from = day.Of(s.cfg.Now().Add(-s.cfg.LiveWindow))
	}
	var live day.Date
	for _, v := range days { // newest first
		if v.Date.Before(from) {
			break
		}
		if len(v.Plan.Segments) > 0 && !today.Before(v.Date) {
			live = v.Date
		}
	}
	return live
}

// convertingSig sums up the days converting, whose forms differ.
func convertingSig(c map[day.Date]bool) uint64 {
	h := fnv.New64a()
	for _, d := range slices.SortedFunc(maps.Keys(c), day.Date.Compare) {
		if c[d] {
			h.Write([]byte(d.String() + "\n"))
		}
	}
	return h.Sum64()
}

// failuresSig sums up the failures, so that a new one (or a new error)
// makes the page again.
func failuresSig(fs map[day.Date]Failure) uint64 {
	h := fnv.New64a()
	for _, d := range slices.SortedFunc(maps.Keys(fs), day.Date.Compare) {
		fmt.Fprintf(h, "%s\x00%s\x00%d\n", d, fs[d].Err, fs[d].NextAttempt.UnixNano())
	}
	return h.Sum64()
}

func (s *Server) indexPage(days []*catalog.DayView, live day.Date, failures map[day.Date]Failure) indexPage {
	today := s.today()
	loc := s.cfg.Now().Location()
	page := indexPage{Camera: s.cfg.Title, Days: make([]indexDay, 0, len(days)), HLS: assetURL("hls.light.min.js"), Player: assetURL("player.js"), Icon: assetURL("favicon.svg"),
		Logout: s.cfg.Logout}
	if !live.IsZero() {
		page.Live = live.String()
		page.LiveURL = "playlist.m3u8?date=" + page.Live + "&live=1"
	}
	for _, v := range days {
		t := &v.Totals
		date := v.Date.String()
		d := indexDay{
			Date: date, Today: v.Date == today,
			Segments: t.Segments, Covered: duration(t.Covered), Size: bytesize.Format(t.Bytes),
			Gaps: t.Gaps, Missing: duration(t.Missing), Restarts: t.Restarts, Kept: t.Kept, Pending: v.Pending,
			OutsideDay: t.OutsideDay, Reordered: t.Reordered,
			Playlist: "playlist.m3u8?date=" + date, Live: "playlist.m3u8?date=" + date + "&live=1",
		}
		if today.Before(v.Date) {
			d.Live = "" // a camera's clock ahead: no live viewing from there
		}
		if t.Segments > 0 {
			d.First, d.Last = t.First.In(loc).Format(time.TimeOnly), t.Last.In(loc).Format(time.TimeOnly)
			if s.cfg.Exporter != nil && len(v.Archives) == 0 {
				d.Export, d.ExportFrom, d.ExportTo = true, exportFrom(t.First, loc), exportTo(t.Last, loc)
			}
		}
		// A day with an archive plays from its archives (its playlist
		// leads there), so its timeline is theirs: every archive's runs.
		var runs map[string][]ts.Run
		if len(v.Archives) > 0 && s.cfg.ArchiveRuns != nil {
			runs = s.cfg.ArchiveRuns(v.Date)
		}
		var files []string
		var fileRuns [][]ts.Run
		for _, a := range v.Archives {
			u := date + "/" + url.PathEscape(a.Name)
			files, fileRuns = append(files, u), append(fileRuns, runs[a.Name])
			ia := indexArchive{Name: a.Name, URL: u, ChecksumURL: date + "/" + url.PathEscape(day.ChecksumName(a.Name)),
				Size: bytesize.Format(a.Size), Duration: duration(a.Duration), Checksum: a.Checksum}
			if a.Duration == 0 {
				ia.Duration = "duration unknown"
			}
			d.Archives = append(d.Archives, ia)
		}
		if len(v.Archives) > 0 {
			d.Timeline = archiveTimeline(v.Date, files, fileRuns, loc)
			// A range is cut from one archive at a time: the first's
			// footage is the default range.
			if rs := fileRuns[0]; s.cfg.Exporter != nil && d.Timeline != nil {
				last := rs[len(rs)-1]
				d.Export, d.ExportFrom, d.ExportTo = true, exportFrom(rs[0].Start, loc), exportTo(last.Start.Add(last.Len), loc)
			}
		} else {
			d.Timeline = dayTimeline(v, loc)
		}
		if tl := d.Timeline; tl != nil && tl.File != "" {
			// An archived day's gaps are its timeline's.
			d.Gaps, d.Missing = len(tl.Gaps), duration(tl.missing)
		}
		d.Thumbs = s.thumbs(v.Date, loc, d.Timeline != nil)
		if f, ok := failures[v.Date]; ok {
			d.Failed, d.Error = true, f.Err
			if !f.NextAttempt.IsZero() {
				d.Retry = f.NextAttempt.In(loc).Format(time.DateTime)
			}
		}
		page.Days = append(page.Days, d)
	}
	return page
}

// thumbs are the pictures of the hours of day d that have one; seek
// says the day can be played from an hour (it has segments).
func (s *Server) thumbs(d day.Date, loc *time.Location, seek bool) []indexThumb {
	if s.cfg.Thumbs == nil {
		return nil
	}
	hours := s.cfg.Thumbs.Hours(d)
	var out []indexThumb
	for h := range 24 {
		if hours&(1<<h) == 0 {
			continue
		}
		th := indexThumb{URL: thumbURL(d, h), Hour: fmt.Sprintf("%02d:00", h)}
		if seek {
			th.At = time.Date(d.Year, d.Month, d.Day, h, 0, 0, 0, loc).UnixMilli()
		}
		out = append(out, th)
	}
	return out
}

// exportLayout is a time of the server's clock as a datetime-local field
// holds it (step 0.001) and an export reads it.
const exportLayout = "2006-01-02T15:04:05.000"

// exportFrom and exportTo write the bounds of a range that holds footage
// from first to last, to the millisecond: from rounds down and to up, so
// that neither the first frame nor the last is left out.
func exportFrom(first time.Time, loc *time.Location) string {
	return first.Truncate(time.Millisecond).In(loc).Format(exportLayout)
}

func exportTo(last time.Time, loc *time.Location) string {
	t := last.Truncate(time.Millisecond)
	if t.Before(last) {
		t = t.Add(time.Millisecond)
	}
	return t.In(loc).Format(exportLayout)
}

// duration writes d as 2h03m04s, to the second.
func duration(d time.Duration) string {
	d = d.Round(time.Second)
	h, m, sec := int(d/time.Hour), int(d/time.Minute%60), int(d/time.Second%60)
	switch {
	case h > 0:
		return fmt.Sprintf("%dh%02dm%02ds", h, m, sec)
	case m > 0:
		return fmt.Sprintf("%dm%02ds", m, sec)
	}
	return fmt.Sprintf("%ds", sec)
}
