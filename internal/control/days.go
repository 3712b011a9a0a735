package control

import (
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// Days is what the control plane reads of the day folders: the catalog,
// through FromCatalog.
type Days interface {
	// Days lists every day folder the root has, in any order.
	Days() []DayInfo
	// Day is what is known of one day folder, if the root has it.
	Day(d day.Date) (DayInfo, bool)
}

// DayInfo is what is known of one day folder at one moment: the catalog's
// view, with what the archiver remembers of the footage gone into its
// archives.
type DayInfo struct {
	Date day.Date
	// Segments are the usable segments in the folder now, Bytes their size.
	Segments int
	Bytes    int64
	// Covered is the footage time of the segments (gaps not counted).
	Covered time.Duration
	// First is the wall-clock start of the first segment, Last the end of
	// the last; zero when unknown.
	First, Last time.Time
	// Gaps counts the gaps between segments, Missing adds up their length.
	Gaps    int
	Missing time.Duration
	// Findings counts everything wrong with the day's files.
	Findings int
	// Kept counts the files that cannot go into an archive.
	Kept int
	// Pending counts the files not scanned yet (still being written, or
	// waiting for their turn); they are in none of the counts above.
	Pending int
	// Archives are the day's archive files, in order.
	Archives []ArchiveFile
	// ArchivedSourceBytes is the size of the segments that went into the
	// archives, if it is remembered; 0 when not.
	ArchivedSourceBytes int64
	// ArchivedCovered is the footage time the archives hold (gaps not
	// counted), as their runs record it; 0 when not known.
	ArchivedCovered time.Duration
}

// ArchiveFile is one archive file of a day (video.mp4, video-2.mp4, …).
type ArchiveFile struct {
	Name  string
	Bytes int64
	// Checksum reports that NAME.sha512sum exists.
	Checksum bool
	// Checked is what re-hashing the file found when this process last
	// did (VerifyDay, or the conversion that wrote it); "" if it has not.
	Checked archive.ChecksumState
}

// archiveBytes is the size of the day's archive files.
func (d *DayInfo) archiveBytes() int64 {
	var n int64
	for _, a := range d.Archives {
		n += a.Bytes
	}
	return n
}

// catalogViews is what FromCatalog reads: *catalog.Catalog.
type catalogViews interface {
	Days() []*catalog.DayView
	Day(d day.Date) (*catalog.DayView, bool)
}

// archivedFootage is what the archiver remembers of footage gone from
// the day folders into archives: *archive.Archiver.
type archivedFootage interface {
	// SourceBytes is the size of the segments that went in.
	SourceBytes(d day.Date) int64
	// Runs are the stretches of footage in each archive.
	Runs(d day.Date) map[string][]ts.Run
}

var (
	_ catalogViews    = (*catalog.Catalog)(nil)
	_ archivedFootage = (*archive.Archiver)(nil)
)

// FromCatalog is the catalog as the control plane reads it; archived, if
// set, tells the size and footage time of the segments an archived day's
// archives hold, for the size reduction and the time covered.
func FromCatalog(c catalogViews, archived archivedFootage) Days { return catalogDays{c, archived} }

type catalogDays struct {
	c        catalogViews
	archived archivedFootage
}

func (c catalogDays) Days() []DayInfo {
	views := c.c.Days()
	out := make([]DayInfo, 0, len(views))
	for _, v := range views {
		out = append(out, c.dayInfo(v))
	}
	return out
}

func (c catalogDays) Day(d day.Date) (DayInfo, bool) {
	v, ok := c.c.Day(d)
	if !ok {
		return DayInfo{}, false
	}
	return c.dayInfo(v), true
}

func (c catalogDays) dayInfo(v *catalog.DayView) DayInfo {
	t := v.Totals
	info := DayInfo{Date: v.Date, Segments: t.Segments, Bytes: t.Bytes, Covered: t.Covered, First: t.First, Last: t.Last,
		Gaps: t.Gaps, Missing: t.Missing, Kept: t.Kept, Pending: v.Pending}
	if v.Plan != nil {
		info.Findings = len(v.Plan.Findings)
	}
	for _, a := range v.Archives {
		info.Archives = append(info.Archives, ArchiveFile{Name: a.Name, Bytes: a.Size, Checksum: a.Checksum})
	}
	if len(info.Archives) > 0 && c.archived != nil {
		info.ArchivedSourceBytes = c.archived.SourceBytes(v.Date)
		runs := c.archived.Runs(v.Date)
		for _, a := range info.Archives {
			for _, r := range runs[a.Name] {
				info.ArchivedCovered += r.Len
			}
		}
	}
	return info
}
