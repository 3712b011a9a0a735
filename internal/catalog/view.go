package catalog

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// DayView is what is known of one day at one moment. It is immutable:
// a change to the day publishes a new DayView with a higher Version.
type DayView struct {
	Date day.Date
	// Version is unique to this view among all views of the catalog and
	// grows with every change, so it can key caches of anything rendered from it.
	Version uint64
	// Plan is the day's complete segments in order, with findings. Files
	// still being written or waiting for their scan are not in it.
	Plan *ts.Plan
	// Archives are the day's archive files in order: video.mp4, video-2.mp4, … (day.CompareArchives).
	Archives []Archive
	// Pending counts the segments and archives not yet complete or scanned.
	Pending int
	// Unscanned counts those of Pending that only wait for their scan,
	// which is soon done; the rest wait for their writers.
	Unscanned int
	Totals    Totals
}

// Totals sum up a day's plan.
type Totals struct {
	Segments int
	Bytes    int64         // of the segments in the plan
	Covered  time.Duration // footage: the segments' durations added up
	Span     time.Duration // first frame to last, gaps included
	Gaps     int
	Missing  time.Duration // the gaps' lengths added up
	Restarts int
	Kept     int // files that stay out of the plan (junk, truncated, duplicates…)
	// OutsideDay counts stretches of segments filmed outside the folder's
	// day, Reordered the stretches put in filming order against their names.
	OutsideDay, Reordered int
	// First is the wall-clock start of the first segment, Last the end of the last.
	First, Last time.Time
}

// Archive is one archive file of a day.
type Archive struct {
	Name    string
	Size    int64
	ModTime time.Time
	// Duration from the mp4's header; 0 while unknown.
	Duration time.Duration
	// Checksum reports that NAME.sha512sum is there.
	Checksum bool
}

// Archived reports a day whose footage is in an archive and whose segments are gone.
func (v *DayView) Archived() bool {
	return len(v.Archives) > 0 && len(v.Plan.Segments) == 0 && v.Pending == 0
}

// build makes the view of the day's entries; loc cuts the day, archived
// (Config.Archived) picks out copies of archived footage.
func (ds *dayState) build(version uint64, loc *time.Location, archived func(day.Date, *ts.Report) (string, string, bool)) *DayView {
	v := &DayView{Date: ds.date, Version: version}
	files := make([]ts.File, 0, len(ds.files))
	sums := map[string]bool{}
	for name, e := range ds.files {
		if e.pending() {
			v.Pending++
			if e.state == stQueued || e.state == stScanning {
				v.Unscanned++
			}
			continue
		}
		switch e.kind {
		case kindSegment, kindOther:
			files = append(files, ts.File{Name: name, Size: e.size, ModTime: e.mtime, Mode: e.mode, Report: e.rep, Err: e.err})
		case kindArchive:
			v.Archives = append(v.Archives, Archive{Name: name, Size: e.size, ModTime: e.mtime, Duration: e.dur})
		case kindChecksum:
			sums[name] = true
		}
	}
	for i := range v.Archives {
		v.Archives[i].Checksum = sums[day.ChecksumName(v.Archives[i].Name)]
	}
	slices.SortFunc(v.Archives, func(a, b Archive) int { return day.CompareArchives(a.Name, b.Name) })
	var copies []ts.Finding
	if len(v.Archives) > 0 && archived != nil {
		files, copies = splitArchived(v.Date, files, archived)
	}
	plan := ts.NewPlan(files)
	for _, f := range copies {
		plan.Kept = append(plan.Kept, ts.Kept{Name: f.Files[0], Reason: f.Kind})
	}
	plan.Findings = append(plan.Findings, copies...)
	plan.CheckDay(ds.date.Start(loc), ds.date.End(loc))
	v.Plan = &plan
	v.Totals = totals(&plan)
	return v
}

// splitArchived takes out of files the segments an archive of day d
// already holds (a camera re-sending its backlog, a copy put back by
// hand): they are no footage to play or archive, and would otherwise
// make an archived day look as if it were waiting for a late archive.
// Each copy is a duplicate finding that says where its footage is, in
// name order.
func splitArchived(d day.Date, files []ts.File, archived func(day.Date, *ts.Report) (string, string, bool)) ([]ts.File, []ts.Finding) {
	rest := files[:0]
	var copies []ts.Finding
	for _, f := range files {
		if f.Err == nil && f.Report.Frames > 0 && ts.IsCandidate(f.Name, f.Mode) {
			if in, orig, ok := archived(d, &f.Report); ok {
				copies = append(copies, ts.Finding{Kind: ts.Duplicate, Files: []string{f.Name},
					Detail: fmt.Sprintf("same footage as %s, already archived in %s", orig, in)})
				continue
			}
		}
		rest = append(rest, f)
	}
	slices.SortFunc(copies, func(a, b ts.Finding) int { return strings.Compare(a.Files[0], b.Files[0]) })
	return rest, copies
}

func totals(p *ts.Plan) Totals {
	t := Totals{Segments: len(p.Segments), Bytes: p.Bytes(), Span: p.Span(), Kept: len(p.Kept)}
	for i := range p.Segments {
		t.Covered += p.Segments[i].Report.Duration()
	}
	for _, f := range p.Findings {
		switch f.Kind {
		case ts.Gap:
			t.Gaps++
			t.Missing += f.Length
		case ts.Restart:
			t.Restarts++
		case ts.OutsideDay:
			t.OutsideDay++
		case ts.Reordered:
			t.Reordered++
		}
	}
	if n := len(p.Segments); n > 0 {
		t.First = p.Segments[0].Start
		t.Last = p.Segments[n-1].Start.Add(p.Segments[n-1].Report.Duration())
	}
	return t
}
