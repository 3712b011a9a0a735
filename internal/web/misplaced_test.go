package web

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
)

// misplacedCatalog is a fake catalog that also lists misplaced footage.
type misplacedCatalog struct {
	*fakeCatalog
	list []catalog.Misplaced
}

func (m *misplacedCatalog) Misplaced() []catalog.Misplaced { return m.list }

func TestIndexMisplacedGolden(t *testing.T) {
	cat := &misplacedCatalog{fakeCatalog: &fakeCatalog{}, list: []catalog.Misplaced{
		{Name: "2026-11-21.bak", Kind: catalog.DaySuffix, Date: cleanDay, Detail: "named after 2026-11-21 with more to its name: not a day folder"},
		{Name: "seg15.ts", Kind: catalog.StraySegment, Detail: "a segment in the root, not in a day folder"},
	}}
	v := view(day22, restartAndGap(day22))
	v.Totals.OutsideDay, v.Totals.Reordered = 1, 2
	cat.set(v)
	s, _ := fakeServer(t, cat.fakeCatalog, Config{})
	s.cat = cat
	w := do(s, "GET", "/")
	if w.Code != 200 {
		t.Fatalf("GET /: %d", w.Code)
	}
	golden(t, "index_misplaced", w.Body.Bytes())
	etag := w.Header().Get("ETag")

	// The page follows the list.
	cat.list = cat.list[:1]
	w = do(s, "GET", "/", "If-None-Match", etag)
	if w.Code != 200 || strings.Contains(w.Body.String(), "seg15.ts") || !strings.Contains(w.Body.String(), "2026-11-21.bak") {
		t.Errorf("after seg15.ts was moved: %d, page still lists it or lost the rest", w.Code)
	}
	cat.list = nil
	if body := do(s, "GET", "/").Body.String(); strings.Contains(body, `id="misplaced"`) {
		t.Error("a misplaced notice with nothing misplaced")
	}
}

// TestIndexShowsMisplacedFootage runs the real catalog over a root with
// footage in the wrong places: the page lists each, and the day whose
// files carry another day's times says so.
func TestIndexShowsMisplacedFootage(t *testing.T) {
	root := t.TempDir()
	dir := copyDir(t, root, cleanDay)
	// Copied without -p three days later: the files' times are the copy's.
	copied := cleanDay.Start(cet).Add(75*time.Hour + 153192286*time.Nanosecond)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range entries {
		at := copied.Add(time.Duration(i) * 29 * time.Millisecond)
		if err := os.Chtimes(filepath.Join(dir, e.Name()), at, at); err != nil {
			t.Fatal(err)
		}
	}
	copyFile(t, filepath.Join(fixtures, cleanDay.String(), "seg1.ts"), filepath.Join(root, "seg15.ts"))
	if err := os.Mkdir(filepath.Join(root, "2026-11-30.bak"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "2026-02-30"), 0o755); err != nil {
		t.Fatal(err)
	}
	l := start(t, root, liveOptions{})
	_, body := l.get(t, "/")
	for _, want := range []string{
		"<strong>Misplaced footage</strong>",
		"<li><code>2026-02-30</code>:", "<li><code>2026-11-30.bak</code>:", "<li><code>seg15.ts</code>:",
		"footage filmed outside this day, by its files' times: 1 (<code>cctvctl verify " + cleanDay.String() + "</code>)",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	// Moved into its day's folder, the stray segment leaves the notice.
	changed := l.cat.Changed()
	if err := os.Rename(filepath.Join(root, "seg15.ts"), filepath.Join(root, day.Date{Year: 2026, Month: 11, Day: 30}.String()+".bak", "seg15.ts")); err != nil {
		t.Fatal(err)
	}
	for len(l.cat.Misplaced()) != 2 {
		select {
		case <-changed:
			changed = l.cat.Changed()
		case <-time.After(20 * time.Second):
			t.Fatalf("misplaced list still %v", l.cat.Misplaced())
		}
	}
	if _, body := l.get(t, "/"); strings.Contains(body, "seg15.ts") {
		t.Error("the page still lists seg15.ts after it was moved")
	}
}
