package ts

import (
	"fmt"
	"time"
)

// OutsideDay marks segments filmed, by their wall clock, outside the day
// their folder names. They still go in: they are in that folder, and
// whether they belong there is the owner's call.
const OutsideDay Kind = "outside_day"

// DaySlack is how far footage may reach past its folder's day before it
// is reported: the segment that crosses midnight, a camera clock a
// little off, an upload that finished late. A camera on another time
// zone is off by 30 minutes or more.
const DaySlack = 15 * time.Minute

// CheckDay reports the segments filmed outside [from, to), the folder's
// day, by more than DaySlack: one OutsideDay finding per stretch of
// consecutive such segments, naming its first and last file. A segment's
// wall clock comes from its file's modification time, so a copy that did
// not keep the times (cp without -p) dates it to the copy; that too is
// worth knowing. Segments of unknown time are not judged.
func (p *Plan) CheckDay(from, to time.Time) {
	lo, hi := from.Add(-DaySlack), to.Add(DaySlack)
	for i := 0; i < len(p.Segments); {
		if !outside(&p.Segments[i], lo, hi) {
			i++
			continue
		}
		j := i + 1
		for j < len(p.Segments) && outside(&p.Segments[j], lo, hi) {
			j++
		}
		first, last := &p.Segments[i], &p.Segments[j-1]
		files, what := []string{first.Name}, first.Name
		if j-i > 1 {
			files = append(files, last.Name)
			what = fmt.Sprintf("%d segments %s … %s", j-i, first.Name, last.Name)
		}
		const stamp = "2006-01-02 15:04:05"
		p.Findings = append(p.Findings, Finding{Kind: OutsideDay, Files: files,
			Detail: fmt.Sprintf("%s filmed %s – %s by the files' times, outside the folder's day %s: "+
				"a copy that did not keep the files' times (cp without -p), or a camera on another time zone? Archived with the folder",
				what, first.Start.In(from.Location()).Format(stamp), last.Start.Add(last.Report.Duration()).In(from.Location()).Format(stamp),
				from.Format(time.DateOnly))})
		i = j
	}
}

func outside(s *Segment, lo, hi time.Time) bool {
	return !s.Start.IsZero() && (s.Start.Before(lo) || s.Start.Add(s.Report.Duration()).After(hi))
}
