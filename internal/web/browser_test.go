package web

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

// TestBrowser plays footage through the index page in Debian's chromium,
// driven by playwright-core (e2e/browser/play.mjs, which waits and reports;
// the judging is here). scripts/browser-test.sh installs chromium and the
// npm packages. The page must use hls.js, though this chromium would play
// HLS natively too; a thumbnail and the timeline seek to their time of day;
// a live playlist plays across midnight; an archived H.265 day is offered
// as the browser can take it; a range dragged on a day's timeline previews
// and downloads as an export.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: drives chromium")
	}
	node, script := browserTools(t)
	b := browser{node: node, script: script}

	// The two servers' cases run side by side: most of their time is
	// video playing in real time.
	t.Run("days", func(t *testing.T) {
		t.Parallel()
		f := newBrowserDays(t)
		t.Run("play a day", func(t *testing.T) {
			r := b.play(t, "day", f.l.url, messyDay.String())
			r.played(t)
		})
		t.Run("thumbnail seeks", func(t *testing.T) { f.thumbnailSeeks(t, b) })
		t.Run("timeline seeks", func(t *testing.T) { f.timelineSeeks(t, b) })
		f.archiveTimelineSeeks(t, b)
		t.Run("archived H.265 day", func(t *testing.T) { f.archivedHEVC(t, b) })
		t.Run("drag a range, preview and download it", func(t *testing.T) { f.rangeExport(t, b) })
		t.Run("preview a range of an archived day", func(t *testing.T) { f.archivePreview(t, b) })
	})
	t.Run("live across midnight", func(t *testing.T) {
		t.Parallel()
		liveAcrossMidnight(t, b)
	})
	t.Run("two cameras live at once", func(t *testing.T) {
		t.Parallel()
		twoCamerasLive(t, b)
	})
}

// browser runs play.mjs with node.
type browser struct{ node, script string }

func (b browser) play(t *testing.T, kase, url string, args ...string) playReport {
	t.Helper()
	return runPlay(t, b.node, b.script, kase, url, args...)
}

// browserDays is the footage of the "days" cases, served with thumbnails.
type browserDays struct {
	l *live
	// twoRuns has two camera runs: four segments at 08:00, three from afternoon.
	twoRuns   day.Date
	afternoon time.Time
	// archived has an H.265 video.mp4.
	archived day.Date
	// seekable is archived with the runs the archiver recorded: 10 s from
	// 08:00, 10 s from at14, one after the other in its video.mp4.
	seekable day.Date
	at14     time.Time
	// twoFiles is archived with its 14:00 footage (from late14) come late
	// and gone into video-2.mp4.
	twoFiles day.Date
	late14   time.Time
	// long has one run of 4 minutes from longStart, exports on.
	long      day.Date
	longStart time.Time
}

func newBrowserDays(t *testing.T) *browserDays {
	root := t.TempDir()
	copyDir(t, root, messyDay)
	f := &browserDays{twoRuns: day.Date{Year: 2026, Month: 11, Day: 22}, archived: day.Date{Year: 2026, Month: 11, Day: 19},
		seekable: day.Date{Year: 2026, Month: 11, Day: 18}, twoFiles: day.Date{Year: 2026, Month: 11, Day: 17},
		long: day.Date{Year: 2026, Month: 11, Day: 16}}
	morning := f.twoRuns.Start(cet).Add(8 * time.Hour)
	f.afternoon = f.twoRuns.Start(cet).Add(14*time.Hour + 5*time.Second)
	dir := filepath.Join(root, f.twoRuns.String())
	record(t, footage.Run{Dir: dir, Segments: 4, First: 1, Start: morning})
	record(t, footage.Run{Dir: dir, Segments: 3, First: 5, Start: f.afternoon})
	hevcMP4(t, filepath.Join(root, f.archived.String(), "video.mp4"))
	// The seekable day's video.mp4 is an H.264 stand-in that this chromium plays.
	at8 := f.seekable.Start(cet).Add(8 * time.Hour)
	f.at14 = f.seekable.Start(cet).Add(14 * time.Hour)
	h264MP4(t, filepath.Join(root, f.seekable.String(), "video.mp4"), 20*time.Second)
	runs := map[day.Date]map[string][]ts.Run{f.seekable: {"video.mp4": {
		{Start: at8, Pos: 0, Len: 10 * time.Second}, {Start: f.at14, Pos: 10 * time.Second, Len: 10 * time.Second}}}}
	late8 := f.twoFiles.Start(cet).Add(8*time.Hour + 153192286)
	f.late14 = f.twoFiles.Start(cet).Add(14*time.Hour + 153192286)
	h264MP4(t, filepath.Join(root, f.twoFiles.String(), "video.mp4"), 10*time.Second)
	h264MP4(t, filepath.Join(root, f.twoFiles.String(), "video-2.mp4"), 10*time.Second)
	runs[f.twoFiles] = map[string][]ts.Run{"video.mp4": {{Start: late8, Len: 10 * time.Second}},
		"video-2.mp4": {{Start: f.late14, Len: 10 * time.Second}}}

	// A pixel of a timeline is about 90 s of its day: 4 minutes of
	// footage are a few pixels, enough to start a dragged range inside.
	f.longStart = f.long.Start(cet).Add(10*time.Hour + 153192286)
	record(t, footage.Run{Dir: filepath.Join(root, f.long.String()), Segments: 24, First: 1, Start: f.longStart})

	f.l = newLive(t, root, liveOptions{thumbs: true, runs: runs})
	exportOn(t, f.l, 24*time.Hour)
	f.l.url = serve(t, f.l.srv)
	f.l.settle(t)
	f.l.waitThumbs(t, map[day.Date]uint32{messyDay: 1 << 8, f.twoRuns: 1<<8 | 1<<14})
	if v, _ := f.l.cat.Day(f.archived); !v.Archived() {
		t.Fatalf("%s is not taken as archived: %+v", f.archived, v)
	}
	return f
}

func (f *browserDays) thumbnailSeeks(t *testing.T, b browser) {
	r := b.play(t, "thumb", f.l.url, f.twoRuns.String(), "14")
	r.played(t)
	r.thumbsLoaded(t, 2)
	// 14:00 is in the gap before the afternoon run: the player
	// lands where that footage starts, 40 s into the playlist.
	want := f.afternoon.UnixMilli()
	if w := r.First.Wallclock; w == nil || *w < want || *w > want+1500 {
		t.Errorf("landed at wall clock %s, want %s", msTime(r.First.Wallclock), f.afternoon.Format(time.TimeOnly))
	}
	if ct := r.First.CurrentTime; ct < 40 || ct > 41.5 {
		t.Errorf("landed at %.3f s of the playlist, want 40 s", ct)
	}
	// Times are shown as the server's clock has them (CET), not
	// in the browser's zone (UTC).
	if st := r.First.Status; !strings.HasPrefix(st, "Playing 2026-11-22 14:00:0") {
		t.Errorf("status %q, want Playing 2026-11-22 14:00:0x", st)
	}
	r.clockFollows(t)
}

func (f *browserDays) timelineSeeks(t *testing.T, b browser) {
	at := f.afternoon.Add(15 * time.Second).UnixMilli()
	r := b.play(t, "timeline", f.l.url, f.twoRuns.String(), fmt.Sprint(at))
	r.played(t)
	// A pixel of the timeline is about 90 s of the day: wherever
	// the click falls around the afternoon run, the player lands in it.
	end := f.afternoon.Add(30 * time.Second).UnixMilli()
	if w := r.First.Wallclock; w == nil || *w < f.afternoon.UnixMilli() || *w >= end {
		t.Errorf("clicked at %s, landed at %s; want in the afternoon run %s–%s", msTime(&r.ClickedMs),
			msTime(r.First.Wallclock), f.afternoon.Format(time.TimeOnly), time.UnixMilli(end).In(cet).Format(time.TimeOnly))
	}
	if ct := r.First.CurrentTime; ct < 40 || ct > 70 {
		t.Errorf("landed at %.3f s of the playlist, want in 40–70 s", ct)
	}
	r.clockFollows(t)
}

// archiveTimelineSeeks clicks an archived day's timeline 5 s into a
// 10-second run. Wherever the click falls around it (a pixel is about
// 90 s), the player lands in that run, in the file that holds it.
func (f *browserDays) archiveTimelineSeeks(t *testing.T, b browser) {
	tests := []struct {
		name   string
		date   day.Date
		run    time.Time     // the run clicked into
		file   string        // the archive that holds it
		pos    time.Duration // where the run starts in file
		status string        // prefix of the status shown; empty: not checked
	}{
		{name: "archived day's timeline seeks in its mp4", date: f.seekable, run: f.at14, file: "video.mp4",
			pos: 10 * time.Second, status: "Playing 2026-11-18 14:00:"},
		{name: "a late archive's footage seeks in its own file", date: f.twoFiles, run: f.late14, file: "video-2.mp4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := b.play(t, "archive-timeline", f.l.url, tt.date.String(), fmt.Sprint(tt.run.Add(5*time.Second).UnixMilli()))
			r.clean(t)
			if !r.Reached || r.State.Player != "mp4" || r.State.Error != nil {
				t.Fatalf("the mp4 did not play on: %+v", r.State)
			}
			if src := r.First.Src; !strings.HasSuffix(src, "/"+tt.date.String()+"/"+tt.file) {
				t.Errorf("playing %q, want %s", src, tt.file)
			}
			end := tt.run.Add(10 * time.Second).UnixMilli()
			if w := r.First.Wallclock; w == nil || *w < tt.run.UnixMilli() || *w >= end {
				t.Errorf("clicked at %s, landed at %s; want in the run %s–%s", msTime(&r.ClickedMs),
					msTime(r.First.Wallclock), tt.run.Format(time.TimeOnly), time.UnixMilli(end).In(cet).Format(time.TimeOnly))
			}
			if ct := r.First.CurrentTime; ct < tt.pos.Seconds() || ct >= (tt.pos+10*time.Second).Seconds() {
				t.Errorf("landed at %.3f s of %s, want in %v–%v", ct, tt.file, tt.pos, tt.pos+10*time.Second)
			}
			if st := r.First.Status; !strings.HasPrefix(st, tt.status) {
				t.Errorf("status %q, want %sxx", st, tt.status)
			}
			r.clockFollows(t)
		})
	}
}

// rangeExport drags the mouse along the long day's timeline from a
// minute into its footage to long after it ends: the export form's
// fields take the dragged times (to the second, of the server's clock),
// preview plays from the range's start, and the zip the download button
// fetches holds the clip, its .sha512sum and its manifest, which agree
// with the clip's own SHA-512. Then a range typed into the fields, to the
// millisecond, plays from its start and pauses at its end.
func (f *browserDays) rangeExport(t *testing.T, b browser) {
	from, to := f.longStart.Add(time.Minute), f.longStart.Add(40*time.Minute)
	longEnd := f.longStart.Add(240 * time.Second)
	typedFrom, typedTo := f.longStart.Add(150250*time.Millisecond).Truncate(time.Millisecond), f.longStart.Add(153500*time.Millisecond).Truncate(time.Millisecond)
	zipPath := filepath.Join(t.TempDir(), "download.zip")
	r := b.play(t, "range", f.l.url, f.long.String(), fmt.Sprint(from.UnixMilli()), fmt.Sprint(to.UnixMilli()), zipPath,
		typedFrom.In(cet).Format(datetimeLocal), typedTo.In(cet).Format(datetimeLocal), fmt.Sprint(typedFrom.UnixMilli()), fmt.Sprint(typedTo.UnixMilli()))
	r.clean(t)
	if len(r.DraggedMs) != 2 {
		t.Fatalf("no drag: %+v", r)
	}
	dragFrom, dragTo := time.UnixMilli(r.DraggedMs[0]), time.UnixMilli(r.DraggedMs[1])
	if dragFrom.Before(f.longStart) || !dragFrom.Before(longEnd) {
		t.Fatalf("the drag started at %s, outside the footage %s–%s: the timeline is not laid out as the test thinks",
			msTime(&r.DraggedMs[0]), f.longStart.Format(time.TimeOnly), longEnd.Format(time.TimeOnly))
	}

	// The fields hold the dragged times, to the second, as the server
	// reads them (its clock is CET, the browser's UTC).
	start, err := export.ParseTime(r.Fields.Start, cet)
	if err != nil || start.Sub(dragFrom).Abs() > time.Second || start.Nanosecond() != 0 {
		t.Errorf("from field %q (%v), want the dragged %s to the second", r.Fields.Start, err, msTime(&r.DraggedMs[0]))
	}
	end, err := export.ParseTime(r.Fields.End, cet)
	if err != nil || end.Sub(dragTo).Abs() > time.Second || end.Nanosecond() != 0 {
		t.Errorf("to field %q (%v), want the dragged %s to the second", r.Fields.End, err, msTime(&r.DraggedMs[1]))
	}
	if sel := r.Selection; sel == nil || sel.Visibility != "visible" {
		t.Errorf("the dragged range is not shown on the timeline: %+v", sel)
	}

	// Preview lands at the range's start: the playlist begins at longStart.
	if r.First.Player != "hls.js" {
		t.Errorf("previewed by %q, want hls.js", r.First.Player)
	}
	if w := r.First.Wallclock; w == nil || *w < start.UnixMilli()-100 || *w > start.UnixMilli()+1500 {
		t.Errorf("preview landed at %s, want the range's start %s", msTime(w), start.In(cet).Format(time.TimeOnly))
	}
	if ct, want := r.First.CurrentTime, start.Sub(f.longStart).Seconds(); ct < want-0.1 || ct > want+1.5 {
		t.Errorf("preview landed at %.3f s of the playlist, want %.3f s", ct, want)
	}

	// The download is the range's export, checked with the real SHA-512.
	if d := r.Download; d == nil || d.Failure != nil || !strings.HasSuffix(d.Name, ".zip") {
		t.Fatalf("download %+v, want a zip", d)
	}
	zipped, err := os.ReadFile(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	m := zipManifest(t, zipped)
	if !m.Requested.Start.Equal(start) || !m.Requested.End.Equal(end) {
		t.Errorf("the zip's range is %s–%s, want the fields' %s–%s", m.Requested.Start, m.Requested.End, start, end)
	}
	// 25 frames a second from longStart: the first at or after the
	// range's start, the last 40 ms before the footage ends.
	if d := m.FirstFrame.Sub(start); d < 0 || d >= 40*time.Millisecond {
		t.Errorf("the clip's first frame is at %s, want the first at or after %s", m.FirstFrame, start)
	}
	if d := longEnd.Sub(m.LastFrame); d <= 0 || d > 40*time.Millisecond {
		t.Errorf("the clip's last frame is at %s, want the footage's last, before %s", m.LastFrame, longEnd)
	}
	t.Logf("downloaded %s: %d frames %s–%s", r.Download.Name, m.Frames, m.FirstFrame.In(cet).Format(time.TimeOnly), m.LastFrame.In(cet).Format(time.TimeOnly))

	// A range typed into the fields plays from its start and pauses at its end.
	r.typedPreview(t, typedFrom, typedTo, func(w time.Time) float64 { return w.Sub(f.longStart).Seconds() })
}

// archivePreview previews a range typed into an archived day's export
// form: the player plays its mp4 from the range's start, through the runs
// the archiver recorded (14:00 is 10 s into the file), and pauses at its end.
func (f *browserDays) archivePreview(t *testing.T, b browser) {
	from, to := f.at14.Add(3250*time.Millisecond), f.at14.Add(6500*time.Millisecond)
	r := b.play(t, "archive-preview", f.l.url, f.seekable.String(), from.In(cet).Format(datetimeLocal), to.In(cet).Format(datetimeLocal),
		fmt.Sprint(from.UnixMilli()), fmt.Sprint(to.UnixMilli()))
	r.clean(t)
	if r.Second.Player != "mp4" || !strings.HasSuffix(r.Second.Src, "/"+f.seekable.String()+"/video.mp4") {
		t.Errorf("previewed by %q from %q, want the day's video.mp4", r.Second.Player, r.Second.Src)
	}
	r.typedPreview(t, from, to, func(w time.Time) float64 { return (10*time.Second + w.Sub(f.at14)).Seconds() })
}

// datetimeLocal is how chromium writes a datetime-local field's value
// (step 0.001): no trailing zeros in the fraction.
const datetimeLocal = "2006-01-02T15:04:05.999"

// typedPreview checks the preview of a range typed into the fields to
// the millisecond: the fields kept what was typed, the player landed at
// from and paused at to, at the positions pos gives.
func (r *playReport) typedPreview(t *testing.T, from, to time.Time, pos func(time.Time) float64) {
	t.Helper()
	if r.TypedFields.Start != from.In(cet).Format(datetimeLocal) || r.TypedFields.End != to.In(cet).Format(datetimeLocal) {
		t.Errorf("typed fields hold %+v", r.TypedFields)
	}
	if w := r.Second.Wallclock; w == nil || *w < from.UnixMilli()-100 || *w > from.UnixMilli()+1000 {
		t.Errorf("the typed range's preview landed at %s, want %s", msTime(w), from.In(cet).Format(time.TimeOnly+".000"))
	}
	if ct, want := r.Second.CurrentTime, pos(from); ct < want-0.1 || ct > want+1 {
		t.Errorf("the typed range's preview landed at %.3f s, want %.3f s", ct, want)
	}
	if !r.Reached || !r.State.Paused {
		t.Fatalf("the preview did not pause at the range's end: %+v", r.State)
	}
	if w := r.State.Wallclock; w == nil || time.UnixMilli(*w).Sub(to).Abs() > 250*time.Millisecond {
		t.Errorf("the preview paused at %s, want the range's end %s", msTime(w), to.In(cet).Format(time.TimeOnly+".000"))
	}
	if ct, want := r.State.CurrentTime, pos(to); ct < want-0.25 || ct > want+0.25 {
		t.Errorf("the preview paused at %.3f s, want %.3f s", ct, want)
	}
}

func (f *browserDays) archivedHEVC(t *testing.T, b browser) {
	r := b.play(t, "archive", f.l.url, f.archived.String())
	r.clean(t)
	o := r.Offer
	if o == nil || len(o.Buttons) != 1 || o.Note == nil {
		t.Fatalf("no play button or note for the archive: %+v", o)
	}
	mp4 := f.archived.String() + "/video.mp4"
	switch o.HEVC {
	case "no":
		t.Logf("this chromium does not decode HEVC: the page offers the download")
		if o.Buttons[0].Visible || !o.Note.Visible || len(o.Note.Links) != 1 || o.Note.Links[0] != mp4 {
			t.Errorf("without HEVC: play button shown %v, note %+v; want no button, the note and a download of %s",
				o.Buttons[0].Visible, o.Note, mp4)
		}
	case "yes":
		t.Logf("this chromium decodes HEVC: the page plays the mp4")
		if !o.Buttons[0].Visible || o.Note.Visible {
			t.Errorf("with HEVC: play button shown %v, note shown %v", o.Buttons[0].Visible, o.Note.Visible)
		}
		if !r.Reached || r.State.Player != "mp4" || r.State.Error != nil {
			t.Errorf("the mp4 did not play: %+v", r.State)
		}
	default:
		t.Errorf("page says HEVC %q", o.HEVC)
	}
}

// liveAcrossMidnight plays one camera run from 23:59:30 live: three
// segments go into the evening's folder, two into the new day's, as
// delivered.
func liveAcrossMidnight(t *testing.T, b browser) {
	root := t.TempDir()
	yesterday, today := day.Date{Year: 2026, Month: 11, Day: 23}, day.Date{Year: 2026, Month: 11, Day: 24}
	midnight := today.Start(cet)
	work := filepath.Join(root, ".camera")
	names := record(t, footage.Run{Dir: work, Segments: 5, First: 8638, Start: midnight.Add(-30 * time.Second)})
	for i, n := range names {
		d := yesterday
		if i >= 3 {
			d = today
		}
		dst := filepath.Join(root, d.String())
		if err := os.MkdirAll(dst, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(filepath.Join(work, n), filepath.Join(dst, n)); err != nil {
			t.Fatal(err)
		}
	}
	l := start(t, root, liveOptions{now: midnight.Add(25 * time.Second)})
	r := b.play(t, "live", l.url, fmt.Sprint(midnight.UnixMilli()))
	r.played(t)
	if r.MinWallclock == nil || *r.MinWallclock >= midnight.UnixMilli() {
		t.Errorf("playing started at %s, not before midnight", msTime(r.MinWallclock))
	}
	if st := r.State.Status; !strings.HasPrefix(st, "Playing 2026-11-24 00:00:0") || !strings.HasSuffix(st, "(live)") {
		t.Errorf("status %q, want Playing 2026-11-24 00:00:0x (live)", st)
	}
	t.Logf("played from %s to %s", msTime(r.MinWallclock), msTime(r.State.Wallclock))
}

// twoCamerasLive presses "watch all live" on the overview of a root with
// two cameras filming now, and checks both players play at once, each
// its own camera's segments.
func twoCamerasLive(t *testing.T, b browser) {
	root := t.TempDir()
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, cet)
	today := day.Of(now).String()
	type camera struct {
		name  string
		start time.Time
		names []string
	}
	cams := []*camera{
		{name: "front", start: now.Add(-50*time.Second + 153192286)},
		{name: "back", start: now.Add(-60*time.Second + 862718475)},
	}
	var named []siteCamera
	for i, c := range cams {
		c.names = record(t, footage.Run{Dir: filepath.Join(root, c.name, today), Prefix: c.name, Segments: 5,
			First: 100 * (i + 1), Start: c.start})
		named = append(named, siteCamera{name: c.name, opt: liveOptions{now: now}})
	}
	s := startSite(t, root, "", named...)
	r := b.play(t, "overview", s.url+"/")
	r.clean(t)
	if !r.Reached {
		t.Errorf("the cameras did not play on together: %+v", r.Tiles)
	}
	if len(r.Tiles) != len(cams) {
		t.Fatalf("%d tiles, want %d: %+v", len(r.Tiles), len(cams), r.Tiles)
	}
	for i, c := range cams {
		first, last := r.FirstTiles[i], r.Tiles[i]
		if last.Camera != c.name {
			t.Errorf("tile %d is %q, want %q", i, last.Camera, c.name)
			continue
		}
		if last.Player != "hls.js" || !strings.HasPrefix(last.Src, "blob:") || !last.Visible {
			t.Errorf("%s: played by %q from %q (shown %v), want hls.js through Media Source Extensions", c.name, last.Player, last.Src, last.Visible)
		}
		if last.Error != nil || last.Fatal != "" {
			t.Errorf("%s: media error %+v, hls.js %q", c.name, last.Error, last.Fatal)
		}
		if last.Paused || last.CurrentTime < first.CurrentTime+3 {
			t.Errorf("%s: played from %.3f s to %.3f s (paused %v), want 3 s on", c.name, first.CurrentTime, last.CurrentTime, last.Paused)
		}
		if w := last.Wallclock; w == nil || *w < c.start.UnixMilli() || *w > c.start.Add(50*time.Second).UnixMilli() {
			t.Errorf("%s: playing wall clock %s, want in its footage from %s", c.name, msTime(w), c.start.Format(time.TimeOnly))
		}
		// Every fragment the camera's player played is the camera's.
		frags := r.Frags[c.name]
		if len(frags) == 0 {
			t.Errorf("%s: no fragment played", c.name)
		}
		for _, f := range frags {
			if !ownSegment(f, s.url+"/cameras/"+c.name+"/"+today+"/", c.names) {
				t.Errorf("%s played %s, not one of its segments %v", c.name, f, c.names)
			}
		}
		t.Logf("%s played %.1f s → %.1f s, at %s: %v", c.name, first.CurrentTime, last.CurrentTime, msTime(last.Wallclock), frags)
	}
	// Every segment fetched is one of the camera's whose folder it is in.
	for _, u := range r.Segments {
		ok := false
		for _, c := range cams {
			ok = ok || ownSegment(u, s.url+"/cameras/"+c.name+"/"+today+"/", c.names)
		}
		if !ok {
			t.Errorf("fetched %s: no camera's segment", u)
		}
	}
}

// ownSegment reports whether url is dir followed by one of names.
func ownSegment(url, dir string, names []string) bool {
	name, ok := strings.CutPrefix(url, dir)
	return ok && slices.Contains(names, name)
}

// browserTools finds node, chromium and playwright-core, or fails saying
// how to get them.
func browserTools(t *testing.T) (node, script string) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("..", "..", "e2e", "browser", "play.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	node, err = exec.LookPath("node")
	if err != nil {
		missing = append(missing, "node")
	}
	chromium := cmp.Or(os.Getenv("CHROMIUM"), "/usr/bin/chromium")
	if _, err := os.Stat(chromium); err != nil {
		missing = append(missing, chromium)
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(script), "node_modules", "playwright-core", "package.json")); err != nil {
		missing = append(missing, "playwright-core (npm ci in e2e/browser)")
	}
	if len(missing) > 0 {
		t.Fatalf("the browser test needs %s: scripts/browser-test.sh installs them (or go test -short leaves this test out)",
			strings.Join(missing, ", "))
	}
	return node, script
}

// playReport is what play.mjs saw.
type playReport struct {
	Case         string
	Reached      bool
	State        playerState
	First        playerState // thumb, timeline: where the player landed
	ClickedMs    int64       // timeline: the wall clock clicked
	MinWallclock *int64      // live: the earliest wall clock played
	Thumbs       []struct {
		Src           string
		Complete      bool
		Width, Height int
	}
	Offer *struct {
		HEVC    string
		Buttons []struct {
			MP4     string
			Visible bool
		}
		Note *struct {
			Visible bool
			Text    string
			Links   []string
		}
	}
	// overview: each camera's player when all first played, and at the end;
	// the fragments each played (absolute URLs) and every segment fetched.
	FirstTiles, Tiles []tileState
	Frags             map[string][]string
	Segments          []string
	// range: the wall clock of the pixels dragged from and to; the
	// export form's fields after the drag and after typing; the range
	// shaded on the timeline; where the typed range's preview landed
	// (First: the dragged one's); the download.
	DraggedMs           []int64
	Fields, TypedFields struct{ Start, End string }
	Selection           *struct{ X, Width, Visibility string }
	Second              playerState
	Download            *struct {
		Name    string
		Failure *string
	}

	Console, PageErrors, HTTPErrors []string
	Exception                       string
	MS                              int64
}

// tileState is a camera's player on the overview.
type tileState struct {
	Camera      string
	Player      string
	CurrentTime float64
	Paused      bool
	Error       *struct {
		Code    int
		Message string
	}
	Fatal     string
	Frag      string
	Wallclock *int64
	Src       string
	Visible   bool
	Status    string
}

type playerState struct {
	Player      string
	CurrentTime float64
	Paused      bool
	Seeking     bool
	ReadyState  int
	Error       *struct {
		Code    int
		Message string
	}
	Fatal     string
	Wallclock *int64
	Src       string
	Status    string
}

func runPlay(t *testing.T, node, script, kase, url string, args ...string) playReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{script, kase, url}, args...)...)
	cmd.Dir = filepath.Dir(script)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	t.Logf("play.mjs %s %s: %s", kase, strings.Join(args, " "), bytes.TrimSpace(stdout.Bytes()))
	if err != nil {
		t.Fatalf("play.mjs: %v\n%s", err, stderr.String())
	}
	var r playReport
	if err := json.Unmarshal(stdout.Bytes(), &r); err != nil {
		t.Fatalf("play.mjs report: %v\n%s", err, stderr.String())
	}
	t.Logf("%s took %v", kase, time.Duration(r.MS)*time.Millisecond)
	return r
}

// clean checks the page threw nothing and logged no error.
func (r *playReport) clean(t *testing.T) {
	t.Helper()
	if r.Exception != "" {
		t.Fatalf("play.mjs: %s", r.Exception)
	}
	for _, e := range r.PageErrors {
		t.Errorf("page error: %s", e)
	}
	for _, e := range r.Console {
		t.Errorf("console error: %s", e)
	}
	for _, e := range r.HTTPErrors {
		t.Errorf("HTTP error: %s", e)
	}
}

// played checks the video played with hls.js, without a media error.
func (r *playReport) played(t *testing.T) {
	t.Helper()
	r.clean(t)
	s := r.State
	if !r.Reached {
		t.Errorf("did not play far enough: %+v", s)
	}
	if s.Error != nil {
		t.Errorf("media error %d: %s", s.Error.Code, s.Error.Message)
	}
	if s.Fatal != "" {
		t.Errorf("hls.js fatal error: %s", s.Fatal)
	}
	if s.Player != "hls.js" || !strings.HasPrefix(s.Src, "blob:") {
		t.Errorf("played by %q from %q, want hls.js through Media Source Extensions", s.Player, s.Src)
	}
}

// thumbsLoaded checks the day's thumbnails showed, 320 pixels wide.
func (r *playReport) thumbsLoaded(t *testing.T, n int) {
	t.Helper()
	if len(r.Thumbs) != n {
		t.Errorf("%d thumbnails, want %d: %+v", len(r.Thumbs), n, r.Thumbs)
	}
	for _, th := range r.Thumbs {
		if !th.Complete || th.Width != 320 || th.Height != 240 {
			t.Errorf("thumbnail %s: %+v, want a 320x240 picture", th.Src, th)
		}
	}
}

// clockFollows checks the wall clock shown moves with the video.
func (r *playReport) clockFollows(t *testing.T) {
	t.Helper()
	if r.First.Wallclock == nil || r.State.Wallclock == nil {
		t.Errorf("no wall clock: first %+v, last %+v", r.First, r.State)
		return
	}
	played := (r.State.CurrentTime - r.First.CurrentTime) * 1000
	moved := float64(*r.State.Wallclock - *r.First.Wallclock)
	if moved < played-500 || moved > played+500 {
		t.Errorf("the video played %.0f ms, the wall clock moved %.0f ms", played, moved)
	}
}

// waitThumbs waits until the days have the thumbnails of these hours.
func (l *live) waitThumbs(t *testing.T, want map[day.Date]uint32) {
	t.Helper()
	deadline := time.After(60 * time.Second)
	for {
		changed := l.thumbs.Changed()
		ok := true
		for d, hours := range want {
			ok = ok && l.thumbs.Hours(d) == hours
		}
		if ok {
			return
		}
		select {
		case <-changed:
		case <-deadline:
			for d, hours := range want {
				t.Errorf("%s: thumbnails of hours %b, want %b", d, l.thumbs.Hours(d), hours)
			}
			t.FailNow()
		}
	}
}

func record(t *testing.T, r footage.Run) []string {
	t.Helper()
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		t.Fatal(err)
	}
	names, err := footage.Record(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// hevcMP4 writes a short H.265 mp4 tagged hvc1, as the archiver does.
func hevcMP4(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc2=size=320x240:rate=25", "-t", "4", "-c:v", "libx265", "-preset", "ultrafast",
		"-x265-params", "log-level=error", "-pix_fmt", "yuv420p", "-tag:v", "hvc1", "-movflags", "+faststart", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg hevc: %v: %s", err, out)
	}
}

// h264MP4 writes an H.264 mp4 of length d with a keyframe every second,
// a stand-in for an archive in a browser that plays no HEVC.
func h264MP4(t *testing.T, path string, d time.Duration) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi",
		"-i", "testsrc2=size=320x240:rate=25", "-t", fmt.Sprint(d.Seconds()), "-c:v", "libx264", "-preset", "ultrafast",
		"-g", "25", "-pix_fmt", "yuv420p", "-movflags", "+faststart", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg h264: %v: %s", err, out)
	}
}

func msTime(ms *int64) string {
	if ms == nil {
		return "nowhere"
	}
	return time.UnixMilli(*ms).In(cet).Format("2006-01-02 15:04:05.000")
}
