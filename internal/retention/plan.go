package retention

import (
	"cmp"
	"slices"

	"github.com/cctvd/cctvd/internal/day"
)

// Day is one camera's day folder with what the planner needs to know of it.
type Day struct {
	Camera string
	Date   day.Date
	// Archives are the day's archive files; Checksum on each says its
	// .sha512sum is there.
	Archives []Archive
	// Segments counts the segments still in the folder (not archived yet).
	Segments int
	// Pending counts files still being written or waiting for their scan.
	Pending int
	// Due reports the day's settle time has passed (by its camera's calendar).
	Due bool
	// Held, Damaged, Exporting: see Holds, Config.Damaged, Config.InUse.
	Held, Damaged, Exporting bool
	// Offsite reports every archive of the day (and its checksum file)
	// verified in the off-site bucket: see Config.Offsite.
	Offsite bool
}

// Archive is one archive file of a day.
type Archive struct {
	Name     string
	Size     int64
	Checksum bool
}

// Bytes is what deleting the day's archives frees, about.
func (d *Day) Bytes() int64 {
	var n int64
	for _, a := range d.Archives {
		n += a.Size
	}
	return n
}

// Reason says why a day goes or stays.
type Reason string

// Why a day goes.
const (
	KeepFree Reason = "keep-free"
	MaxAge   Reason = "max-age"
	// KeepLocal: verified off-site and older than --keep-local.
	KeepLocal Reason = "keep-local"
)

// Why a day stays.
const (
	KeptHeld        Reason = "held"
	KeptToday       Reason = "today"
	KeptSettling    Reason = "settling"
	KeptNewest      Reason = "newest archive"
	KeptNotArchived Reason = "not archived"
	KeptNoChecksum  Reason = "archive without checksum"
	KeptDamaged     Reason = "damaged"
	KeptExporting   Reason = "being exported"
	KeptLimitMet    Reason = "limit already met"
	// KeptNotOffsite is a day past --keep-local that is not verified
	// off-site (yet): only its off-site copy lets it go.
	KeptNotOffsite Reason = "not verified off-site"
)

// Facts are what holds for every day at the moment of planning.
type Facts struct {
	// Today is the day being recorded by the wall clock.
	Today day.Date
	// Free is the free space of the root's file system now, and Need
	// what --keep-free asks to keep free; both in bytes.
	Free, Need int64
	// MaxAge is each camera's maximum age in days; 0 or absent: none.
	MaxAge map[string]int
	// KeepLocal is --keep-local: a day verified off-site and older than
	// this many days goes; 0: none goes for it.
	KeepLocal int
}

// Item is one day of a plan with the reason it goes or stays.
type Item struct {
	Day    Day
	Reason Reason
}

// Plan is what retention would do now: Delete in order, oldest first;
// Kept every other day with the reason it stays, in the same order.
type Plan struct {
	Delete []Item
	Kept   []Item
	// Short reports free space under the limit after all of Delete (as
	// far as the archives' sizes tell): retention is blocked.
	Short bool
	// Reference is the day ages are measured from (see Reference).
	Reference day.Date
}

// Reference is the day ages are counted from: the earlier of today and the
// newest day with footage, so that a wall clock that jumps ahead (no RTC)
// expires only what the footage itself shows is old, and one that boots
// in 1970 expires nothing. Days after today (a camera's clock ahead) do
// not count as newest.
func Reference(today day.Date, days []Day) day.Date {
	var newest day.Date
	for _, d := range days {
		if !today.Before(d.Date) && newest.Before(d.Date) {
			newest = d.Date
		}
	}
	return newest
}

// NewPlan decides which days go and why the others stay. Days go oldest
// first, across cameras (by camera name on the same date); a day past its
// camera's maximum age goes whatever the free space, and so does a day
// verified off-site and older than KeepLocal days (its local archives only:
// the copy stays in the bucket); the others go only while free space is
// short, counting each deleted day's archives as freed.
func NewPlan(days []Day, f Facts) Plan {
	days = slices.Clone(days)
	slices.SortFunc(days, func(a, b Day) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Camera, b.Camera))
	})
	// A camera's newest archive is of the days before today: later ones
	// (a clock behind, or a camera's ahead) are kept as today anyway.
	newest := map[string]day.Date{}
	for _, d := range days {
		if len(d.Archives) > 0 && d.Date.Before(f.Today) {
			newest[d.Camera] = d.Date // sorted: the last one wins
		}
	}
	p := Plan{Reference: Reference(f.Today, days)}
	free := f.Free
	for _, d := range days {
		why := keep(d, f.Today, newest[d.Camera])
		if why == "" {
			switch {
			case expired(d.Date, p.Reference, f.MaxAge[d.Camera]):
				why = MaxAge
			case d.Offsite && expired(d.Date, p.Reference, f.KeepLocal):
				why = KeepLocal
			case free < f.Need:
				why = KeepFree
			case expired(d.Date, p.Reference, f.KeepLocal):
				why = KeptNotOffsite
			default:
				why = KeptLimitMet
			}
		}
		if why == MaxAge || why == KeepFree || why == KeepLocal {
			p.Delete = append(p.Delete, Item{d, why})
			free += d.Bytes()
			continue
		}
		p.Kept = append(p.Kept, Item{d, why})
	}
	p.Short = free < f.Need
	return p
}

// keep is why d must stay whatever the space and its age; "" if it may go.
func keep(d Day, today, newest day.Date) Reason {
	switch {
	case d.Held:
		return KeptHeld
	case d.Exporting:
		return KeptExporting
	case !d.Date.Before(today):
		return KeptToday
	case !d.Due:
		return KeptSettling
	case len(d.Archives) == 0 || d.Segments > 0 || d.Pending > 0:
		return KeptNotArchived
	case d.Damaged:
		return KeptDamaged
	case d.Date == newest:
		return KeptNewest
	}
	for _, a := range d.Archives {
		if !a.Checksum {
			return KeptNoChecksum
		}
	}
	return ""
}

// expired reports a day more than maxAge days before ref; maxAge 0: never.
func expired(d, ref day.Date, maxAge int) bool {
	return maxAge > 0 && d.AddDays(maxAge).Before(ref)
}
