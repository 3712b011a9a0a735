package catalog

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// warnings records the catalog's warnings about misplaced footage, by name.
type warnings struct {
	mu    sync.Mutex
	names map[string]int
	next  slog.Handler
}

func (w *warnings) Enabled(context.Context, slog.Level) bool { return true }
func (w *warnings) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "misplaced footage" {
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "name" {
				w.mu.Lock()
				w.names[a.Value.String()]++
				w.mu.Unlock()
			}
			return true
		})
	}
	return w.next.Handle(ctx, r)
}
func (w *warnings) WithAttrs(as []slog.Attr) slog.Handler {
	return &warnings{names: w.names, next: w.next.WithAttrs(as)}
}
func (w *warnings) WithGroup(g string) slog.Handler {
	return &warnings{names: w.names, next: w.next.WithGroup(g)}
}

func (w *warnings) count(name string) int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.names[name]
}

// messyRoot fills root with a day of footage and, beside it, footage in
// the wrong places and names that are not footage. It returns the day
// folder and its segments.
func messyRoot(t *testing.T, root string) (day string, have []string) {
	day = mkdir(t, filepath.Join(root, "2026-11-20"))
	have = runDay(t, day, 2)
	seg := filepath.Join(fixtures, "run", "seg3.ts")
	copyFile(t, seg, filepath.Join(root, "seg15.ts"))                                       // day folder forgotten
	copyFile(t, seg, filepath.Join(mkdir(t, filepath.Join(root, "2026-02-30")), "seg1.ts")) // no such date
	mkdir(t, filepath.Join(root, "2026-11-25.bak"))
	mkdir(t, filepath.Join(root, "20261124"))
	if err := os.Symlink(day, filepath.Join(root, "2026-11-19")); err != nil {
		t.Fatal(err)
	}
	// None of these is footage in the wrong place.
	mkdir(t, filepath.Join(root, ".cctvd"))
	mkdir(t, filepath.Join(root, "lost+found"))
	mkdir(t, filepath.Join(root, "notes"))
	copyFile(t, seg, filepath.Join(root, ".seg16.ts.Xy9k2Q"))
	writeFile(t, filepath.Join(root, "README.txt"), []byte("camera 2 moved\n"))
	return day, have
}

// misplacedItem is what TestMisplacedFootage compares of a Misplaced entry.
type misplacedItem struct {
	Name string
	Kind MisplacedKind
	Date string
}

// misplacedOf lists what c reports as misplaced; every entry must say why.
func misplacedOf(t *testing.T, c *Catalog) []misplacedItem {
	var out []misplacedItem
	for _, m := range c.Misplaced() {
		it := misplacedItem{Name: m.Name, Kind: m.Kind}
		if !m.Date.IsZero() {
			it.Date = m.Date.String()
		}
		if m.Detail == "" {
			t.Errorf("%s has no detail", m.Name)
		}
		out = append(out, it)
	}
	return out
}

func TestMisplacedFootage(t *testing.T) {
	root := t.TempDir()
	day, have := messyRoot(t, root)
	w := &warnings{names: map[string]int{}, next: testLog(t).Handler()}
	c, err := New(Config{Root: root, Now: newClock().Now}, slog.New(w))
	if err != nil {
		t.Fatal(err)
	}
	start(t, c)
	waitFor(t, c, "the real day", settled(c, "2026-11-20", have...))

	want := []misplacedItem{
		{"2026-02-30", NotADate, ""},
		{"2026-11-19", NotAFolder, "2026-11-19"},
		{"2026-11-25.bak", DaySuffix, "2026-11-25"},
		{"20261124", NotADate, ""},
		{"seg15.ts", StraySegment, ""},
	}
	if got := misplacedOf(t, c); !slices.Equal(got, want) {
		t.Errorf("misplaced at start-up:\n got %v\nwant %v", got, want)
	}

	// While running: a backup folder appears, the stray segment is moved
	// into its day, and the watcher loses events, so everything is listed again.
	mkdir(t, filepath.Join(root, "2026-11-20 copy"))
	if err := os.Rename(filepath.Join(root, "seg15.ts"), filepath.Join(day, "seg15.ts")); err != nil {
		t.Fatal(err)
	}
	want = []misplacedItem{
		{"2026-02-30", NotADate, ""},
		{"2026-11-19", NotAFolder, "2026-11-19"},
		{"2026-11-20 copy", DaySuffix, "2026-11-20"},
		{"2026-11-25.bak", DaySuffix, "2026-11-25"},
		{"20261124", NotADate, ""},
	}
	waitFor(t, c, "the new misplaced list", func() bool { return slices.Equal(misplacedOf(t, c), want) })
	c.notes <- event{op: opOverflow}
	mkdir(t, filepath.Join(root, "2026-11-21"))
	waitFor(t, c, "the listing after the overflow", func() bool { return dayOf(c, "2026-11-21") != nil })
	if got := misplacedOf(t, c); !slices.Equal(got, want) {
		t.Errorf("misplaced after listing again:\n got %v\nwant %v", got, want)
	}
	for _, it := range append(want, misplacedItem{Name: "seg15.ts"}) {
		if n := w.count(it.Name); n != 1 {
			t.Errorf("%s warned about %d times, want once", it.Name, n)
		}
	}
	for _, name := range []string{".cctvd", "lost+found", "notes", ".seg16.ts.Xy9k2Q", "README.txt"} {
		if n := w.count(name); n != 0 {
			t.Errorf("%s warned about %d times, want never", name, n)
		}
	}
	for _, name := range []string{"2026-02-30/seg1.ts", "2026-11-25.bak", "2026-11-19"} {
		if _, err := os.Lstat(filepath.Join(root, name)); err != nil {
			t.Errorf("%s: %v (nothing is moved or deleted)", name, err)
		}
	}
}

// TestFootageOutsideItsDay: segments whose files' times put them on
// another day (copied without -p two days later) are reported, and still
// in the day's plan.
func TestFootageOutsideItsDay(t *testing.T) {
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, "2026-11-20"))
	have := runDay(t, dir, 4)
	copied := time.Date(2026, 11, 22, 13, 5, 7, 153192286, time.UTC)
	for i, name := range have {
		at := copied.Add(time.Duration(i) * 41 * time.Millisecond)
		if err := os.Chtimes(filepath.Join(dir, name), at, at); err != nil {
			t.Fatal(err)
		}
	}
	c, err := New(Config{Root: root, Now: newClock().Now, Location: time.UTC}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	start(t, c)
	waitFor(t, c, "the day", settled(c, "2026-11-20", have...))
	v := dayOf(c, "2026-11-20")
	var outside []ts.Finding
	for _, f := range v.Plan.Findings {
		if f.Kind == ts.OutsideDay {
			outside = append(outside, f)
		}
	}
	if len(outside) != 1 || !slices.Equal(outside[0].Files, []string{"seg1.ts", "seg4.ts"}) {
		t.Fatalf("outside-day findings %+v, want one naming seg1.ts and seg4.ts", outside)
	}
	if v.Totals.OutsideDay != 1 || v.Totals.Segments != 4 {
		t.Errorf("totals %+v, want 1 outside-day stretch and all 4 segments", v.Totals)
	}
	t.Log(outside[0].Detail)
}
