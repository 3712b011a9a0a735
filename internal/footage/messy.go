package footage

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Messy is a day folder with every kind of trouble real uploads bring,
// named so that only natural ordering gets it right (seg9 before seg10).
type Messy struct {
	// Good are the complete segments in playback order (the truncated one is not).
	Good []string
	// Missing is the segment removed to make a gap (after Good[3]).
	Missing string
	// Restart is the first segment of the second camera run.
	Restart string
	// Truncated was cut off mid-packet; it still holds some good frames.
	Truncated string
	// Duplicate is a byte-identical copy of Good[1] under another name.
	Duplicate string
	// ZeroByte, Junk, InFlight and Notes are not segments at all.
	ZeroByte, Junk, InFlight, Notes string
}

// MakeMessy fills dir: run one is seg1..seg8 with seg5 missing; after a 30 s
// outage the camera restarts (timestamps start again) with seg9..seg12, of
// which seg11 is truncated; then the junk.
func MakeMessy(ctx context.Context, dir string, start time.Time) (Messy, error) {
	m := Messy{Missing: "seg5.ts", Restart: "seg9.ts", Truncated: "seg11.ts",
		Duplicate: "seg2b.ts", ZeroByte: "seg13.ts", Junk: "seg14.ts", Notes: "notes.txt"}
	a, err := Record(ctx, Run{Dir: dir, Segments: 8, First: 1, Start: start})
	if err != nil {
		return m, err
	}
	b, err := Record(ctx, Run{Dir: dir, Segments: 4, First: 9, Start: start.Add(8*SegmentDuration + 30*time.Second)})
	if err != nil {
		return m, err
	}
	if err := os.Remove(filepath.Join(dir, m.Missing)); err != nil {
		return m, fmt.Errorf("messy footage: %w", err)
	}
	steps := []func() error{
		func() error { return Truncate(dir, m.Truncated, 0.5) },
		func() error { return Duplicate(dir, "seg2.ts", m.Duplicate) },
		func() error { return ZeroByte(dir, m.ZeroByte) },
		func() error { return Junk(dir, m.Junk, 50_000, 7) },
		func() error { return Notes(dir) },
		func() (err error) { m.InFlight, err = InFlight(dir, "seg12.ts"); return err },
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return m, err
		}
	}
	for _, n := range append(a, b...) {
		if n != m.Missing && n != m.Truncated {
			m.Good = append(m.Good, n)
		}
	}
	return m, nil
}
