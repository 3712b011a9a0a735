package catalog

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// archivedCase is one day folder of TestArchivedDays and how it should be listed.
type archivedCase struct {
	name  string
	files map[string]string // file in the day folder → fixture it copies ("" for the mp4)
	// held are the fixture segments an archive of the day holds.
	held         []string
	wantArchives []string
	wantSegments []string
	wantCopies   []string // kept as duplicates of archived footage
	wantForeign  []string
	archived     bool
}

// runSeg is the path of a segment of the fixture run.
func runSeg(name string) string { return filepath.Join(fixtures, "run", name) }

// TestArchivedDays checks what a day with archives looks like: archives in
// the order of their numbers, and copies of archived footage (a camera
// re-sending its backlog, a copy put back) kept out of the plan as
// duplicates, so that the day stays archived instead of waiting for ever.
func TestArchivedDays(t *testing.T) {
	tests := []archivedCase{
		{
			name:  "a camera re-sent an archived segment",
			files: map[string]string{"video.mp4": "", "video.mp4.sha512sum": "", "seg3.ts": runSeg("seg3.ts")},
			held:  []string{"seg1.ts", "seg2.ts", "seg3.ts", "seg4.ts"}, wantArchives: []string{"video.mp4"},
			wantCopies: []string{"seg3.ts"}, archived: true,
		},
		{
			name: "under another name",
			files: map[string]string{"video.mp4": "", "video.mp4.sha512sum": "", "again-seg3.ts": runSeg("seg3.ts"),
				"seg1.ts": runSeg("seg1.ts")},
			held: []string{"seg1.ts", "seg3.ts"}, wantArchives: []string{"video.mp4"},
			wantCopies: []string{"again-seg3.ts", "seg1.ts"}, archived: true,
		},
		{
			name:  "a late segment beside a copy waits for its own archive",
			files: map[string]string{"video.mp4": "", "seg2.ts": runSeg("seg2.ts"), "seg4.ts": runSeg("seg4.ts")},
			held:  []string{"seg1.ts", "seg2.ts"}, wantArchives: []string{"video.mp4"},
			wantSegments: []string{"seg4.ts"}, wantCopies: []string{"seg2.ts"},
		},
		{
			name:  "without an archive nothing is asked",
			files: map[string]string{"seg1.ts": runSeg("seg1.ts"), "seg2.ts": runSeg("seg2.ts")},
			held:  []string{"seg1.ts", "seg2.ts"}, wantSegments: []string{"seg1.ts", "seg2.ts"},
		},
		{
			// "-" sorts before "." and "1" before "9": the order is the numbers'.
			name: "archives in number order",
			files: map[string]string{"video-2.mp4": "", "video-10.mp4": "", "video.mp4": "", "video-9.mp4": "",
				"videos.mp4": "", "video-1.mp4": ""},
			wantArchives: []string{"video.mp4", "video-2.mp4", "video-9.mp4", "video-10.mp4"},
			wantForeign:  []string{"video-1.mp4", "videos.mp4"}, archived: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := day.Date{Year: 2026, Month: 11, Day: 18}
			c, asked := tt.start(t, d)
			waitFor(t, c, "the day scanned", func() bool { v := dayOf(c, d.String()); return v != nil && v.Pending == 0 })
			tt.check(t, dayOf(c, d.String()))
			if n := asked(); len(tt.wantArchives) == 0 && n > 0 {
				t.Errorf("asked about %d segments of a day without archives", n)
			}
		})
	}
}

// start fills day d's folder and runs a catalog on it whose index of
// archived footage knows the held segments, in d only. asked counts the
// questions put to that index.
func (tt archivedCase) start(t *testing.T, d day.Date) (c *Catalog, asked func() int) {
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, d.String()))
	for name, src := range tt.files {
		switch {
		case strings.HasSuffix(name, ".mp4"):
			copyFile(t, filepath.Join(fixtures, "video.mp4"), filepath.Join(dir, name))
		case src == "":
			writeFile(t, filepath.Join(dir, name), []byte("00  video.mp4\n"))
		default:
			copyFile(t, src, filepath.Join(dir, name))
		}
	}
	held := map[[3]int64]string{}
	for _, name := range tt.held {
		r := scanFixture(t, runSeg(name))
		held[[3]int64{r.Size, r.FirstDTS, int64(r.CRC32C)}] = name
	}
	var mu sync.Mutex
	n := 0
	archived := func(at day.Date, r *ts.Report) (string, string, bool) {
		mu.Lock()
		n++
		mu.Unlock()
		orig, ok := held[[3]int64{r.Size, r.FirstDTS, int64(r.CRC32C)}]
		return "video.mp4", orig, ok && at == d
	}
	c, err := New(Config{Root: root, Now: newClock().Now, Archived: archived}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	start(t, c)
	return c, func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// check compares the scanned day with what the case wants.
func (tt archivedCase) check(t *testing.T, v *DayView) {
	t.Helper()
	var archives []string
	for _, a := range v.Archives {
		archives = append(archives, a.Name)
	}
	if !slices.Equal(archives, tt.wantArchives) {
		t.Errorf("archives %q, want %q", archives, tt.wantArchives)
	}
	if got := names(v); !slices.Equal(got, tt.wantSegments) {
		t.Errorf("segments %q, want %q", got, tt.wantSegments)
	}
	var copies, foreign []string
	for _, k := range v.Plan.Kept {
		switch k.Reason {
		case ts.Duplicate:
			copies = append(copies, k.Name)
		case ts.Foreign:
			foreign = append(foreign, k.Name)
		}
	}
	slices.Sort(foreign)
	if !slices.Equal(copies, tt.wantCopies) || !slices.Equal(foreign, tt.wantForeign) {
		t.Errorf("kept as copies %q and foreign %q, want %q and %q", copies, foreign, tt.wantCopies, tt.wantForeign)
	}
	for _, f := range v.Plan.Findings {
		if f.Kind == ts.Duplicate && !strings.Contains(f.Detail, "already archived in video.mp4") {
			t.Errorf("finding %+v does not say where the footage is", f)
		}
	}
	if v.Totals.Kept != len(v.Plan.Kept) || v.Totals.Segments != len(tt.wantSegments) {
		t.Errorf("totals %+v", v.Totals)
	}
	if v.Archived() != tt.archived {
		t.Errorf("Archived() = %v, want %v", v.Archived(), tt.archived)
	}
}

func scanFixture(t *testing.T, path string) ts.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := ts.Scan(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
