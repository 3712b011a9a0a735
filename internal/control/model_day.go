package control

import (
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// DayInfo is what is known of one day folder at one moment.
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
	Checked ChecksumState
}

// archiveBytes is the size of the day's archive files.
func (d *DayInfo) archiveBytes() int64 {
	var n int64
	for _, a := range d.Archives {
		n += a.Bytes
	}
	return n
}
