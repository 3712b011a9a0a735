package retention

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

var today = day.Date{Year: 2026, Month: 11, Day: 29}

// archived is a settled, archived day of camera, n days before today.
func archived(camera string, n int, size int64) Day {
	return Day{Camera: camera, Date: today.AddDays(-n), Due: true,
		Archives: []Archive{{Name: "video.mp4", Size: size, Checksum: true}}}
}

func with(d Day, f func(*Day)) Day { f(&d); return d }

// summary is a plan as "camera/date:reason" for deletions, oldest first.
func summary(items []Item) string {
	var out []string
	for _, it := range items {
		out = append(out, fmt.Sprintf("%s/%s:%s", it.Day.Camera, it.Day.Date, it.Reason))
	}
	return strings.Join(out, " ")
}

var planCases = []struct {
	name   string
	days   []Day
	facts  Facts
	delete string
	kept   string
	short  bool
}{
	{
		name:   "enough room: nothing goes",
		days:   []Day{archived("", 5, 100), archived("", 4, 100), archived("", 3, 100)},
		facts:  Facts{Today: today, Free: 1000, Need: 500},
		delete: "",
		kept:   "/2026-11-24:limit already met /2026-11-25:limit already met /2026-11-26:newest archive",
	},
	{
		name:   "short: the oldest go until the archives freed make room",
		days:   []Day{archived("", 3, 100), archived("", 5, 100), archived("", 4, 100), archived("", 6, 100)},
		facts:  Facts{Today: today, Free: 300, Need: 500},
		delete: "/2026-11-23:keep-free /2026-11-24:keep-free",
		kept:   "/2026-11-25:limit already met /2026-11-26:newest archive",
	},
	{
		name:   "oldest first across cameras, by name on a tie",
		days:   []Day{archived("b", 9, 10), archived("a", 9, 10), archived("a", 1, 10), archived("b", 7, 10), archived("", 8, 10), archived("b", 1, 10), archived("", 2, 10)},
		facts:  Facts{Today: today, Free: 0, Need: 1000},
		delete: "a/2026-11-20:keep-free b/2026-11-20:keep-free /2026-11-21:keep-free b/2026-11-22:keep-free",
		kept:   "/2026-11-27:newest archive a/2026-11-28:newest archive b/2026-11-28:newest archive",
		short:  true,
	},
	{
		name: "what never goes",
		days: []Day{
			with(archived("", 11, 10), func(d *Day) { d.Exporting = true }),
			with(archived("", 10, 10), func(d *Day) { d.Held = true }),
			with(archived("", 9, 10), func(d *Day) { d.Damaged = true }),
			with(archived("", 8, 10), func(d *Day) { d.Segments = 3 }),
			with(archived("", 7, 10), func(d *Day) { d.Pending = 1 }),
			with(archived("", 6, 10), func(d *Day) { d.Archives = nil; d.Segments = 100 }),
			with(archived("", 5, 10), func(d *Day) { d.Archives[0].Checksum = false }),
			with(archived("", 4, 10), func(d *Day) { d.Due = false }),
			archived("", 3, 10),
			archived("", 2, 10), // the newest archive
			with(archived("", 1, 10), func(d *Day) { d.Archives = nil; d.Due = false; d.Segments = 8000 }),
			with(archived("", 0, 10), func(d *Day) { d.Due = true }), // today, whatever the calendar says
			archived("", -1, 10), // a camera's clock ahead
		},
		facts:  Facts{Today: today, Free: 0, Need: 1 << 40},
		delete: "/2026-11-26:keep-free",
		kept: "/2026-11-18:being exported /2026-11-19:held /2026-11-20:damaged /2026-11-21:not archived /2026-11-22:not archived /2026-11-23:not archived " +
			"/2026-11-24:archive without checksum /2026-11-25:settling /2026-11-27:newest archive /2026-11-28:settling /2026-11-29:today /2026-11-30:today",
		short: true,
	},
	{
		name: "max-age: the expired go whatever the room, per camera",
		days: []Day{archived("", 40, 10), archived("", 31, 10), archived("", 30, 10), archived("g", 40, 10), archived("g", 20, 10), archived("g", 2, 10), archived("", 2, 10),
			{Camera: "g", Date: today, Segments: 10}},
		facts:  Facts{Today: today, Free: 1000, Need: 10, MaxAge: map[string]int{"": 30, "g": 10}},
		delete: "/2026-10-20:max-age g/2026-10-20:max-age /2026-10-29:max-age g/2026-11-09:max-age",
		kept:   "/2026-10-30:limit already met /2026-11-27:newest archive g/2026-11-27:newest archive g/2026-11-29:today",
	},
	{
		name:  "max-age never takes a held day or the newest archive",
		days:  []Day{with(archived("", 400, 10), func(d *Day) { d.Held = true }), archived("", 300, 10)},
		facts: Facts{Today: today, Free: 1000, Need: 10, MaxAge: map[string]int{"": 30}},
		kept:  "/2025-10-25:held /2026-02-02:newest archive",
	},
	{
		name: "a clock a year ahead: ages count from the newest footage",
		days: []Day{archived("", 40, 10), archived("", 20, 10), archived("", 2, 10),
			{Camera: "", Date: today, Segments: 10, Due: true}},
		facts:  Facts{Today: today.AddDays(365), Free: 1000, Need: 10, MaxAge: map[string]int{"": 30}},
		delete: "/2026-10-20:max-age",
		kept:   "/2026-11-09:limit already met /2026-11-27:newest archive /2026-11-29:not archived",
	},
	{
		name:  "a clock in 1970: nothing has an age, and every day is later than today",
		days:  []Day{archived("", 400, 10), archived("", 300, 10), archived("", 2, 10)},
		facts: Facts{Today: day.Date{Year: 1970, Month: 1, Day: 1}, Free: 0, Need: 10, MaxAge: map[string]int{"": 30}},
		kept:  "/2025-10-25:today /2026-02-02:today /2026-11-27:today",
		short: true,
	},
	{
		name: "keep-local: verified off-site and older than N go, whatever the room; the others stay",
		days: []Day{
			with(archived("", 40, 10), func(d *Day) { d.Offsite = true }),
			archived("", 35, 10), // past keep-local, not off-site
			with(archived("g", 31, 10), func(d *Day) { d.Offsite = true }),
			with(archived("", 30, 10), func(d *Day) { d.Offsite = true }),                // exactly 30 days: stays
			with(archived("", 20, 10), func(d *Day) { d.Offsite = true; d.Held = true }), // held
			with(archived("", 10, 10), func(d *Day) { d.Offsite = true; d.Damaged = true }),
			with(archived("g", 2, 10), func(d *Day) { d.Offsite = true }),
			archived("", 2, 10),
			{Camera: "", Date: today, Segments: 10}, // ages count from the newest footage
		},
		facts:  Facts{Today: today, Free: 1000, Need: 10, KeepLocal: 30},
		delete: "/2026-10-20:keep-local g/2026-10-29:keep-local",
		kept: "/2026-10-25:not verified off-site /2026-10-30:limit already met /2026-11-09:held /2026-11-19:damaged " +
			"/2026-11-27:newest archive g/2026-11-27:newest archive /2026-11-29:today",
	},
	{
		name: "keep-local beside max-age and keep-free: max-age first, keep-free for the rest",
		days: []Day{
			with(archived("", 50, 10), func(d *Day) { d.Offsite = true }),
			with(archived("", 12, 10), func(d *Day) { d.Offsite = true }),
			archived("", 11, 100),
			archived("", 5, 10),
			archived("", 2, 10),
			{Camera: "", Date: today, Segments: 10},
		},
		facts:  Facts{Today: today, Free: 30, Need: 100, MaxAge: map[string]int{"": 45}, KeepLocal: 10},
		delete: "/2026-10-10:max-age /2026-11-17:keep-local /2026-11-18:keep-free",
		kept:   "/2026-11-24:limit already met /2026-11-27:newest archive /2026-11-29:today",
	},
	{
		name:  "no days",
		facts: Facts{Today: today, Free: 0, Need: 10},
		short: true,
	},
}

func TestNewPlan(t *testing.T) {
	for _, tc := range planCases {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPlan(tc.days, tc.facts)
			if got := summary(p.Delete); got != tc.delete {
				t.Errorf("delete:\n got %s\nwant %s", got, tc.delete)
			}
			if got := summary(p.Kept); got != tc.kept {
				t.Errorf("kept:\n got %s\nwant %s", got, tc.kept)
			}
			if p.Short != tc.short {
				t.Errorf("short = %v, want %v", p.Short, tc.short)
			}
			checkNeverDeletes(t, tc.days, tc.facts, p)
		})
	}
}

// checkNeverDeletes checks the rules every plan keeps, whatever its days.
func checkNeverDeletes(t *testing.T, days []Day, f Facts, p Plan) {
	t.Helper()
	newest := map[string]day.Date{}
	for _, d := range days {
		if len(d.Archives) > 0 && d.Date.Before(f.Today) && newest[d.Camera].Before(d.Date) {
			newest[d.Camera] = d.Date
		}
	}
	if len(p.Delete)+len(p.Kept) != len(days) {
		t.Errorf("plan has %d+%d days, want %d", len(p.Delete), len(p.Kept), len(days))
	}
	free := f.Free
	for i, it := range p.Delete {
		d := it.Day
		switch {
		case d.Held:
			t.Errorf("%s/%s: held, planned for deletion", d.Camera, d.Date)
		case !d.Date.Before(f.Today):
			t.Errorf("%s/%s: today or later, planned for deletion", d.Camera, d.Date)
		case !d.Due:
			t.Errorf("%s/%s: settling, planned for deletion", d.Camera, d.Date)
		case len(d.Archives) == 0 || d.Segments > 0 || d.Pending > 0:
			t.Errorf("%s/%s: not archived, planned for deletion", d.Camera, d.Date)
		case d.Damaged:
			t.Errorf("%s/%s: damaged, planned for deletion", d.Camera, d.Date)
		case d.Exporting:
			t.Errorf("%s/%s: being exported, planned for deletion", d.Camera, d.Date)
		case d.Date == newest[d.Camera]:
			t.Errorf("%s/%s: the camera's newest archive, planned for deletion", d.Camera, d.Date)
		case slices.ContainsFunc(d.Archives, func(a Archive) bool { return !a.Checksum }):
			t.Errorf("%s/%s: an archive without checksum, planned for deletion", d.Camera, d.Date)
		case it.Reason == KeepFree && free >= f.Need:
			t.Errorf("%s/%s: deleted for room with %d free of %d", d.Camera, d.Date, free, f.Need)
		case it.Reason == MaxAge && !d.Date.AddDays(f.MaxAge[d.Camera]).Before(Reference(f.Today, days)):
			t.Errorf("%s/%s: deleted for its age, not expired", d.Camera, d.Date)
		case it.Reason == KeepLocal && !d.Offsite:
			t.Errorf("%s/%s: deleted by keep-local, not verified off-site", d.Camera, d.Date)
		case it.Reason == KeepLocal && (f.KeepLocal == 0 || !d.Date.AddDays(f.KeepLocal).Before(Reference(f.Today, days))):
			t.Errorf("%s/%s: deleted by keep-local, not older than %d days", d.Camera, d.Date, f.KeepLocal)
		case i > 0 && d.Date.Before(p.Delete[i-1].Day.Date):
			t.Errorf("%s/%s: planned after the later %s", d.Camera, d.Date, p.Delete[i-1].Day.Date)
		}
		free += d.Bytes()
	}
	if p.Short != (free < f.Need) {
		t.Errorf("short = %v with %d free of %d after the plan", p.Short, free, f.Need)
	}
}

// FuzzPlan plans random sets of days and checks the rules no plan breaks.
// Each 4 bytes make a day: camera and date, state bits, size.
func FuzzPlan(f *testing.F) {
	for _, tc := range planCases {
		f.Add(encodeDays(tc.days), tc.facts.Free, tc.facts.Need, uint8(tc.facts.MaxAge[""]), int16(daysBetween(today, tc.facts.Today)))
	}
	f.Fuzz(func(t *testing.T, b []byte, free, need int64, maxAge uint8, shift int16) {
		days := decodeDays(b)
		facts := Facts{Today: today.AddDays(int(shift)), Free: free, Need: need, MaxAge: map[string]int{"": int(maxAge), "a": int(maxAge) / 2},
			KeepLocal: int(maxAge) / 3} // a day's lowest size bit says it is off-site
		if free < 0 || need < 0 {
			return
		}
		checkNeverDeletes(t, days, facts, NewPlan(days, facts))
	})
}

// daysBetween is the days from a to b.
func daysBetween(a, b day.Date) int {
	return int(b.Start(time.UTC).Sub(a.Start(time.UTC)) / (24 * time.Hour))
}

func encodeDays(days []Day) []byte {
	var b []byte
	for _, d := range days {
		cam := byte(0)
		if d.Camera != "" {
			cam = 1
		}
		n := byte(daysBetween(d.Date, today.AddDays(63)) & 0x3f)
		bits := byte(0)
		for i, on := range []bool{d.Held, d.Damaged, d.Due, d.Segments > 0, d.Pending > 0, len(d.Archives) > 0, len(d.Archives) > 0 && !d.Archives[0].Checksum, d.Exporting} {
			if on {
				bits |= 1 << i
			}
		}
		// The size's lowest bit says the day is off-site.
		size := d.Bytes() &^ 1
		if d.Offsite {
			size |= 1
		}
		b = append(b, cam<<7|n, bits, byte(size), byte(size>>8))
	}
	return b
}

func decodeDays(b []byte) []Day {
	var days []Day
	for ; len(b) >= 4; b = b[4:] {
		cam := ""
		if b[0]&0x80 != 0 {
			cam = "a"
		}
		d := Day{Camera: cam, Date: today.AddDays(63 - int(b[0]&0x3f)), Held: b[1]&1 != 0, Damaged: b[1]&2 != 0, Due: b[1]&4 != 0, Exporting: b[1]&128 != 0,
			Offsite: b[2]&1 != 0}
		if b[1]&8 != 0 {
			d.Segments = 1
		}
		if b[1]&16 != 0 {
			d.Pending = 1
		}
		if b[1]&32 != 0 {
			d.Archives = []Archive{{Name: "video.mp4", Size: int64(b[2]) | int64(b[3])<<8, Checksum: b[1]&64 == 0}}
		}
		if slices.ContainsFunc(days, func(e Day) bool { return e.Camera == d.Camera && e.Date == d.Date }) {
			continue // a camera has one folder a day
		}
		days = append(days, d)
	}
	return days
}
