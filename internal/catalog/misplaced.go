package catalog

import (
	"io/fs"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/cctvd/cctvd/internal/day"
)

// MisplacedKind says how a root entry looks like footage in the wrong place.
type MisplacedKind string

// Kinds of misplaced entries. Footage under any of them is never played
// nor archived; nothing is moved or deleted, the owner decides.
const (
	// StraySegment is a .ts file in the root: its day folder was forgotten.
	StraySegment MisplacedKind = "stray_segment"
	// NotADate is a folder named like a day that is not a real date in
	// YYYY-MM-DD form: 2026-02-30, 2026-11-5.
	NotADate MisplacedKind = "not_a_date"
	// DaySuffix is a folder named after a day with more to its name:
	// 2026-11-25.bak, "2026-11-25 copy".
	DaySuffix MisplacedKind = "day_suffix"
	// NotAFolder is a day's name on a symlink or a file: only real
	// folders are days, so that nothing leads out of the root.
	NotAFolder MisplacedKind = "not_a_folder"
)

// Misplaced is a root entry that looks like footage in the wrong place.
type Misplaced struct {
	Name string
	Kind MisplacedKind
	// Date is the day the name points to, if it names one.
	Date day.Date
	// Detail says what is wrong, for people.
	Detail string
}

// Misplaced lists the root's misplaced entries by name.
func (c *Catalog) Misplaced() []Misplaced { return slices.Clone(c.snap.Load().misplaced) }

// dayish is a name that starts like a day: four digits, a month and a
// day, with or without separators.
var dayish = regexp.MustCompile(`^(\d{4})[-_. ]?(\d{1,2})[-_. ]?(\d{1,2})`)

// misplacedEntry says whether a root entry is misplaced footage. The
// state folder and other hidden names never are.
func misplacedEntry(name string, mode fs.FileMode) (Misplaced, bool) {
	if ignored(name) {
		return Misplaced{}, false
	}
	m := Misplaced{Name: name}
	if d, err := day.Parse(name); err == nil {
		if mode.IsDir() {
			return Misplaced{}, false // a day
		}
		m.Kind, m.Date = NotAFolder, d
		m.Detail = "a day's name on a symlink or file: only real folders are days; its footage is not played or archived"
		return m, true
	}
	if mode.IsRegular() && strings.HasSuffix(name, ".ts") {
		m.Kind = StraySegment
		m.Detail = "a segment in the root, not in a day folder: it is not played or archived; move it into its day's folder"
		return m, true
	}
	if !mode.IsDir() {
		return Misplaced{}, false
	}
	loc := dayish.FindStringIndex(name)
	if loc == nil {
		return Misplaced{}, false
	}
	if d, err := day.Parse(name[:min(len(name), len(day.Layout))]); err == nil {
		m.Date = d
	}
	if loc[1] < len(name) && !m.Date.IsZero() && len(name) > len(day.Layout) {
		m.Kind = DaySuffix
		m.Detail = "named after " + m.Date.String() + " with more to its name: not a day folder; its footage is not played or archived"
		return m, true
	}
	m.Kind = NotADate
	m.Detail = "named like a day, but not a real date as YYYY-MM-DD: not a day folder; its footage is not played or archived"
	return m, true
}

// rootEntry brings what is known of one root entry up to date.
func (c *Catalog) rootEntry(name string) {
	if ignored(name) || strings.ContainsRune(name, '/') {
		return
	}
	var m Misplaced
	ok := false
	if info, err := c.root.Lstat(name); err == nil {
		m, ok = misplacedEntry(name, info.Mode())
	}
	old, had := c.misplaced[name]
	switch {
	case ok && (!had || old != m):
		c.misplaced[name] = m
		c.warnMisplaced(m)
		c.dirty = true
	case !ok && had:
		delete(c.misplaced, name)
		c.log.Info("misplaced entry gone", "name", name)
		c.dirty = true
	}
}

// setMisplaced takes a fresh listing's misplaced entries, warning once
// about each new one.
func (c *Catalog) setMisplaced(found map[string]Misplaced) {
	for name, m := range found {
		if old, ok := c.misplaced[name]; !ok || old != m {
			c.warnMisplaced(m)
		}
	}
	if !maps.Equal(found, c.misplaced) {
		c.misplaced = found
		c.dirty = true
	}
}

func (c *Catalog) warnMisplaced(m Misplaced) {
	c.log.Warn("misplaced footage", "name", m.Name, "kind", string(m.Kind), "detail", m.Detail)
}

// misplacedList is the snapshot's list, by name.
func (c *Catalog) misplacedList() []Misplaced {
	out := slices.Collect(maps.Values(c.misplaced))
	slices.SortFunc(out, func(a, b Misplaced) int { return strings.Compare(a.Name, b.Name) })
	return out
}
