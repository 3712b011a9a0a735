package web

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// timeline is a day's coverage drawn from its plan at render time: where
// the footage is and where it is not, in percent of the day, so that the
// page's SVG needs no script and no scaling.
type timeline struct {
	// Start is the day's midnight and Len its length in seconds (23 or
	// 25 hours when the clocks change): the page's script maps a click to
	// Start + fraction × Len.
	Start int64 // Unix ms
	Len   int64
	Runs  []span // footage: segments that follow on from each other
	Gaps  []span // no footage, between the first segment and the last
	Ticks []tick
	// Map lists the runs for players without PROGRAM-DATE-TIME support
	// (native HLS, an archive's mp4): "wall-clock start (Unix ms) position
	// (s) length (s)" per run, runs joined by ","; with several Files, a
	// fourth field says which one the run is in (0 for the first).
	Map string
	// Zone is the clock's offset from UTC through the day: "from (Unix
	// ms) offset (s)", joined by "," when the clocks change, so that the
	// page shows times of day as the server's clock does.
	Zone string
	// File is the URL of the archive that Map's positions are in, the
	// day's first when it has several; empty for the day's playlist.
	File string
	// Files are the URLs of all the day's archives in order, joined by " ",
	// when it has more than one (late segments archived apart).
	Files string
	// missing adds up the gaps between the first footage and the last.
	missing time.Duration
}

type span struct {
	X, W  string // percent of the day, as SVG attributes
	Title string // the span's times, as a tooltip
}

type tick struct {
	X     string
	Label string
	Major bool
}

// minRun and minGap are the least widths runs and gaps are drawn with, in
// percent: a lone 10-second segment is 0.01% of a day, too thin to see.
const (
	minRun = 0.15
	minGap = 0.1
)

// joinGap is the longest break between two segments that still draws as
// one run; a camera's segments meet to within a frame.
const joinGap = time.Second

// dayTimeline lays out v's segments on its day in loc; nil for a day
// without segments. Positions are in the day's playlist: its EXTINFs
// (milliseconds) added up, as players lay out a VOD playlist.
func dayTimeline(v *catalog.DayView, loc *time.Location) *timeline {
	segs := v.Plan.Segments
	pieces := make([]piece, len(segs))
	var pos time.Duration
	for i := range segs {
		s := &segs[i]
		pieces[i] = piece{from: s.Start, at: pos, length: s.Report.Duration()}
		pos += s.Report.Duration().Round(time.Millisecond)
	}
	return drawTimeline(v.Date, pieces, loc, false)
}

// archiveTimeline lays out the runs of a day's archives on its day in loc,
// all of them in time order: a late archive's footage shows where it was
// filmed, and a click there seeks in that file. files are the archives'
// URLs in order and runs[i] the runs of files[i]; positions are in each
// file, where gaps stay gaps. nil unless every archive has runs: the
// footage of one without them could not be placed.
func archiveTimeline(d day.Date, files []string, runs [][]ts.Run, loc *time.Location) *timeline {
	var pieces []piece
	for i := range files {
		if len(runs[i]) == 0 {
			return nil
		}
		for _, r := range runs[i] {
			pieces = append(pieces, piece{from: r.Start, at: r.Pos, length: r.Len, file: i})
		}
	}
	slices.SortStableFunc(pieces, func(a, b piece) int { return a.from.Compare(b.from) })
	tl := drawTimeline(d, pieces, loc, len(files) > 1)
	if tl != nil {
		tl.File = files[0]
		if len(files) > 1 {
			tl.Files = strings.Join(files, " ")
		}
	}
	return tl
}

// piece is footage filmed from the wall-clock time from, at position at
// of what plays it (the day's playlist, or archive number file of a
// day's archives), lasting length.
type piece struct {
	from   time.Time
	at     time.Duration
	length time.Duration
	file   int
}

// drawTimeline lays out pieces, in order, on day d in loc; nil for none.
// Pieces of one file that meet (to within joinGap) draw as one run;
// withFile writes each run's file into the map.
func drawTimeline(d day.Date, pieces []piece, loc *time.Location, withFile bool) *timeline {
	if len(pieces) == 0 {
		return nil
	}
	start, end := d.Start(loc), d.End(loc)
	length := end.Sub(start)
	tl := &timeline{Start: start.UnixMilli(), Len: int64(length / time.Second)}
	pct := func(t time.Time) float64 {
		d := min(max(t.Sub(start), 0), length)
		return float64(d) / float64(length) * 100
	}
	var m strings.Builder
	addRun := func(from, to time.Time, at time.Duration, file int) {
		x, w := pct(from), pct(to)-pct(from)
		if w <= 0 && (to.Before(start) || !from.Before(end)) {
			return // wholly outside the day: a camera clock gone astray
		}
		w = max(w, minRun)
		tl.Runs = append(tl.Runs, span{X: percent(min(x, 100-w)), W: percent(w),
			Title: timeOfDay(from, loc) + "–" + timeOfDay(to, loc)})
		if m.Len() > 0 {
			m.WriteByte(',')
		}
		fmt.Fprintf(&m, "%d %.3f %.3f", from.UnixMilli(), at.Seconds(), to.Sub(from).Seconds())
		if withFile {
			fmt.Fprintf(&m, " %d", file)
		}
	}
	first := pieces[0]
	runFrom, runTo, runAt, runFile := first.from, first.from, first.at, first.file
	reach := first.from // the end of all footage so far: runs of two files may overlap
	for i, p := range pieces {
		if gap := p.from.Sub(reach); i > 0 && (gap > joinGap || p.file != runFile) {
			addRun(runFrom, runTo, runAt, runFile)
			if x, w := pct(reach), pct(p.from)-pct(reach); gap > joinGap && w > 0 {
				// Drawn over the runs and widened about its middle, so
				// that a short gap shows.
				wide := max(w, minGap)
				x = min(max(x-(wide-w)/2, 0), 100-wide)
				tl.Gaps = append(tl.Gaps, span{X: percent(x), W: percent(wide),
					Title: "no footage " + timeOfDay(reach, loc) + "–" + timeOfDay(p.from, loc)})
			}
			if gap > joinGap {
				tl.missing += gap
			}
			runFrom, runAt, runFile = p.from, p.at, p.file
		}
		runTo = p.from.Add(p.length)
		if runTo.After(reach) {
			reach = runTo
		}
	}
	addRun(runFrom, runTo, runAt, runFile)
	tl.Map = m.String()
	tl.Zone = zoneChanges(start, end)
	for h := 0; ; h += 3 {
		t := time.Date(d.Year, d.Month, d.Day, h, 0, 0, 0, loc)
		if !t.Before(end) {
			break
		}
		tl.Ticks = append(tl.Ticks, tick{X: percent(pct(t)), Label: t.Format("15:04"), Major: h%6 == 0})
	}
	return tl
}

// zoneChanges lists the UTC offsets of [start, end) with where each begins.
func zoneChanges(start, end time.Time) string {
	var b strings.Builder
	for t := start; ; {
		_, off := t.Zone()
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%d %d", t.UnixMilli(), off)
		_, next := t.ZoneBounds()
		if next.IsZero() || !next.Before(end) || !next.After(t) {
			return b.String()
		}
		t = next
	}
}

// percent writes a share of the day for an SVG attribute, to a
// thousandth of a percent (under a second of a day).
func percent(p float64) string {
	return strconv.FormatFloat(p, 'f', 3, 64) + "%"
}

func timeOfDay(t time.Time, loc *time.Location) string {
	return t.In(loc).Format(time.TimeOnly)
}
