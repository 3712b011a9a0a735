package control

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

func TestFromCatalog(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "2026-11-20"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "2026-11-20", "notes.txt"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := catalog.New(catalog.Config{Root: root}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	defer cat.Close()
	days := FromCatalog(cat, nil).Days()
	if len(days) != 1 || days[0].Date != date("2026-11-20") || days[0].Kept != 1 || days[0].Segments != 0 {
		t.Errorf("days %+v", days)
	}
	if _, ok := FromCatalog(cat, nil).Day(date("2026-11-21")); ok {
		t.Error("a day without a folder")
	}

	v := &catalog.DayView{Date: date("2026-11-19"), Pending: 2, Plan: &ts.Plan{Findings: make([]ts.Finding, 3)},
		Archives: []catalog.Archive{{Name: "video.mp4", Size: 100, Checksum: true}},
		Totals:   catalog.Totals{Segments: 5, Bytes: 50, Covered: time.Minute, Gaps: 1, Missing: time.Second, Kept: 1}}
	arc := fakeFootage{bytes: 1000, runs: map[string][]ts.Run{
		"video.mp4":   {{Len: time.Hour}, {Pos: time.Hour, Len: 30 * time.Minute}},
		"video-2.mp4": {{Len: time.Hour}}, // not in the folder (any more): not counted
	}}
	got := catalogDays{archived: arc}.dayInfo(v)
	want := DayInfo{Date: v.Date, Segments: 5, Bytes: 50, Covered: time.Minute, Gaps: 1, Missing: time.Second, Kept: 1,
		Pending: 2, Findings: 3, Archives: []ArchiveFile{{Name: "video.mp4", Bytes: 100, Checksum: true}}, ArchivedSourceBytes: 1000,
		ArchivedCovered: 90 * time.Minute}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

// fakeFootage answers as *archive.Archiver does about archived footage.
type fakeFootage struct {
	bytes int64
	runs  map[string][]ts.Run
}

func (f fakeFootage) SourceBytes(day.Date) int64 { return f.bytes }

func (f fakeFootage) Runs(day.Date) map[string][]ts.Run { return f.runs }
