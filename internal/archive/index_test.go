package archive

import (
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// fullDayIndex is the index of a day of 8,640 segments in one archive.
func fullDayIndex(file string, runs []ts.Run) *archiveIndex {
	e := indexEntry{File: file, SHA512: "ab12", Bytes: 400 << 20, Runs: runs}
	for i := range 8640 {
		e.Segments = append(e.Segments, segmentID{Name: fmt.Sprintf("seg%d.ts", i+1), Size: 480_000, CRC32C: 123456789,
			FirstDTS: int64(i) * 900_000})
	}
	x := &archiveIndex{}
	x.add(e)
	return x
}

// indexDay is the day the index tests write; dayBytes is its full day's
// segments' size.
var indexDay = day.Date{Year: 2026, Month: 11, Day: 20}

const dayBytes = 8640 * 480_000

// summaryCase prepares a state folder's archived/ files and says what
// SourceBytes and Runs must read from them.
type summaryCase struct {
	name      string
	prepare   func(t *testing.T, a *Archiver)
	wantBytes int64
	wantRuns  map[string]int // runs per archive file
}

func summaryCases() []summaryCase {
	morning := []ts.Run{{Start: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), Len: time.Hour}}
	evening := []ts.Run{{Start: time.Date(2026, 11, 20, 20, 0, 0, 0, time.UTC), Len: time.Minute}}
	d := indexDay
	return []summaryCase{
		{name: "no index", prepare: func(t *testing.T, a *Archiver) {}},
		{
			name:      "index without a summary",
			prepare:   func(t *testing.T, a *Archiver) { writeIndex(t, a, d, fullDayIndex("video.mp4", morning)) },
			wantBytes: dayBytes, wantRuns: map[string]int{"video.mp4": 1},
		},
		{
			name: "the summary is read, not the index",
			prepare: func(t *testing.T, a *Archiver) {
				writeIndex(t, a, d, fullDayIndex("video.mp4", morning))
				a.summary(d) // writes the summary
				spoilKeepingStat(t, a.indexPath(d))
			},
			wantBytes: dayBytes, wantRuns: map[string]int{"video.mp4": 1},
		},
		{
			name: "a summary older than its index is made again",
			prepare: func(t *testing.T, a *Archiver) {
				writeIndex(t, a, d, fullDayIndex("video.mp4", morning))
				a.summary(d)
				// A second archive, as a crash between the index and the
				// summary leaves it: the index has it, the summary not.
				x, err := readIndex(a.indexPath(d))
				if err != nil {
					t.Fatal(err)
				}
				x.add(indexEntry{File: "video-2.mp4", Segments: []segmentID{{Name: "late.ts", Size: 1000}}, Runs: evening})
				writeIndex(t, a, d, x)
			},
			wantBytes: dayBytes + 1000, wantRuns: map[string]int{"video.mp4": 1, "video-2.mp4": 1},
		},
		{
			name: "a broken summary is made again",
			prepare: func(t *testing.T, a *Archiver) {
				writeIndex(t, a, d, fullDayIndex("video.mp4", morning))
				if err := os.WriteFile(a.summaryPath(d), []byte("{not json"), 0o644); err != nil {
					t.Fatal(err)
				}
			},
			wantBytes: dayBytes, wantRuns: map[string]int{"video.mp4": 1},
		},
		{
			name:      "an archive from before runs were recorded",
			prepare:   func(t *testing.T, a *Archiver) { writeIndex(t, a, d, fullDayIndex("video.mp4", nil)) },
			wantBytes: dayBytes,
		},
	}
}

// spoilKeepingStat overwrites a file with zeros, keeping its size and
// time: only a summary made from it can still tell what it held.
func spoilKeepingStat(t *testing.T, name string) {
	t.Helper()
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, make([]byte, fi.Size()), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(name, fi.ModTime(), fi.ModTime()); err != nil {
		t.Fatal(err)
	}
}

// TestIndexSummary checks what SourceBytes and Runs read: the small
// summary file while it matches its index, the index otherwise.
func TestIndexSummary(t *testing.T) {
	d := indexDay
	for _, tt := range summaryCases() {
		t.Run(tt.name, func(t *testing.T) {
			state := t.TempDir()
			tt.prepare(t, newIndexReader(state))
			a := newIndexReader(state) // a restarted cctvd: nothing remembered
			if got := a.SourceBytes(d); got != tt.wantBytes {
				t.Errorf("source bytes %d, want %d", got, tt.wantBytes)
			}
			runs := a.Runs(d)
			if len(runs) != len(tt.wantRuns) {
				t.Errorf("runs of %d archives, want %d: %v", len(runs), len(tt.wantRuns), runs)
			}
			for file, n := range tt.wantRuns {
				if len(runs[file]) != n {
					t.Errorf("%s: %d runs, want %d", file, len(runs[file]), n)
				}
			}
			// What was read is now in a summary that matches the index.
			if tt.wantBytes > 0 {
				b := newIndexReader(state)
				s, err := b.loadSummary(d)
				if err != nil || s.SourceBytes != tt.wantBytes {
					t.Errorf("summary after the read: %+v, %v", s, err)
				}
				if _, err := os.Stat(b.summaryPath(d)); err != nil {
					t.Errorf("no summary file: %v", err)
				}
			}
		})
	}
}

func newIndexReader(state string) *Archiver {
	return &Archiver{cfg: Config{State: state}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

func writeIndex(t testing.TB, a *Archiver, d day.Date, x *archiveIndex) {
	t.Helper()
	if err := x.write(a.indexPath(d)); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkDaySummary reads what the index page needs of a full day's
// archive: from the summary file, and from the whole index as the baseline.
func BenchmarkDaySummary(b *testing.B) {
	d := day.Date{Year: 2026, Month: 11, Day: 20}
	a := newIndexReader(b.TempDir())
	writeIndex(b, a, d, fullDayIndex("video.mp4", []ts.Run{{Len: 24 * time.Hour}}))
	if _, err := a.loadSummary(d); err != nil {
		b.Fatal(err)
	}
	b.Run("summary", func(b *testing.B) {
		for b.Loop() {
			if s, err := a.loadSummary(d); err != nil || s.SourceBytes == 0 {
				b.Fatal(s, err)
			}
		}
	})
	b.Run("whole index", func(b *testing.B) {
		for b.Loop() {
			if _, err := readIndex(filepath.Join(a.cfg.State, "archived", d.String()+".json")); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestHolds checks the fingerprint lookup the catalog and uploads ask:
// a segment is held when size, first DTS and CRC32C match what an archive
// of its day recorded, whatever its name; a commit is seen at once.
func TestHolds(t *testing.T) {
	d := day.Date{Year: 2026, Month: 11, Day: 20}
	a := newIndexReader(t.TempDir())
	writeIndex(t, a, d, fullDayIndex("video.mp4", nil))
	seg := func(size, firstDTS int64, crc uint32) *ts.Report {
		return &ts.Report{Size: size, FirstDTS: firstDTS, CRC32C: crc}
	}
	tests := []struct {
		name string
		date day.Date
		r    *ts.Report
		want Held // zero: not held
	}{
		{name: "first segment", date: d, r: seg(480_000, 0, 123456789), want: Held{Archive: "video.mp4", Name: "seg1.ts"}},
		{name: "last segment", date: d, r: seg(480_000, 8639*900_000, 123456789), want: Held{Archive: "video.mp4", Name: "seg8640.ts"}},
		{name: "other bytes", date: d, r: seg(480_000, 0, 123456788)},
		{name: "other size", date: d, r: seg(480_001, 0, 123456789)},
		{name: "other start", date: d, r: seg(480_000, 1, 123456789)},
		{name: "day without an index", date: d.Next(), r: seg(480_000, 0, 123456789)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := a.Holds(tt.date, tt.r)
			if ok != (tt.want != Held{}) || got != tt.want {
				t.Errorf("Holds = %+v, %v; want %+v", got, ok, tt.want)
			}
		})
	}
	// A late archive committed: its segment is held from then on, by the
	// archiver that remembered the day without it.
	late := segmentID{Name: "late.ts", Size: 1000, CRC32C: 42, FirstDTS: 7}
	if _, ok := a.Holds(d, seg(1000, 7, 42)); ok {
		t.Fatal("late segment held before its archive")
	}
	if err := a.indexArchive(d, &manifest{Output: "video-2.mp4", Segments: []segmentID{late}}); err != nil {
		t.Fatal(err)
	}
	if got, ok := a.Holds(d, seg(1000, 7, 42)); !ok || got != (Held{Archive: "video-2.mp4", Name: "late.ts"}) {
		t.Errorf("after the late archive's commit: %+v, %v", got, ok)
	}
	// What is remembered stays bounded however many days are asked.
	for i := range 3 * maxHeldDays {
		a.Holds(d.AddDays(-i), seg(1, 1, 1))
	}
	if n := len(a.held); n > maxHeldDays {
		t.Errorf("%d days remembered, want at most %d", n, maxHeldDays)
	}
}
