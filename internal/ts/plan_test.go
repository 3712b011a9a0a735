package ts

import (
	"context"
	"encoding/json"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/footage"
)

var messyStart = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func messyDay(t *testing.T) (string, footage.Messy) {
	t.Helper()
	dir := t.TempDir()
	m, err := footage.MakeMessy(context.Background(), dir, messyStart)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func planDir(t *testing.T, dir string) Plan {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	p, err := PlanDir(root, ".")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestPlanMessyDay plans footage.MakeMessy's day: every kind of trouble
// a camera's uploads bring, each found, kept out or put on the timeline.
func TestPlanMessyDay(t *testing.T) {
	dir, m := messyDay(t)
	p := planDir(t, dir)
	t.Run("segments", func(t *testing.T) {
		var names []string
		for _, s := range p.Segments {
			names = append(names, s.Name)
		}
		if !slices.Equal(names, m.Good) {
			t.Errorf("segments = %v, want %v", names, m.Good)
		}
	})
	t.Run("findings", func(t *testing.T) { checkMessyFindings(t, &p, m) })
	t.Run("kept", func(t *testing.T) {
		wantKept := map[string]Kind{m.InFlight: InFlight, m.Notes: Foreign, m.Duplicate: Duplicate,
			m.Truncated: Truncated, m.ZeroByte: ZeroByte, m.Junk: NotTS}
		if len(p.Kept) != len(wantKept) {
			t.Errorf("kept = %v, want %v", p.Kept, wantKept)
		}
		for _, k := range p.Kept {
			if wantKept[k.Name] != k.Reason {
				t.Errorf("kept %s for %s, want %s", k.Name, k.Reason, wantKept[k.Name])
			}
		}
	})
	t.Run("timeline", func(t *testing.T) { checkMessyTimeline(t, &p, m) })
	t.Run("runs", func(t *testing.T) { checkMessyRuns(t, &p, m) })
	t.Run("deterministic", func(t *testing.T) {
		if a, b := mustJSON(t, p), mustJSON(t, planDir(t, dir)); a != b {
			t.Error("planning the same folder twice gave different plans")
		}
	})
}

func checkMessyFindings(t *testing.T, p *Plan, m footage.Messy) {
	type finding struct {
		Kind  Kind
		Files []string
	}
	wantFindings := []finding{
		{InFlight, []string{m.InFlight}},
		{Foreign, []string{m.Notes}},
		{Duplicate, []string{"seg2.ts", m.Duplicate}},
		{Gap, []string{"seg4.ts", "seg6.ts"}},
		{Restart, []string{"seg8.ts", m.Restart}},
		{Truncated, []string{m.Truncated}},
		{Gap, []string{"seg10.ts", "seg12.ts"}},
		{ZeroByte, []string{m.ZeroByte}},
		{NotTS, []string{m.Junk}},
	}
	var got []finding
	for _, f := range p.Findings {
		got = append(got, finding{f.Kind, f.Files})
	}
	if g, w := mustJSON(t, got), mustJSON(t, wantFindings); g != w {
		t.Errorf("findings:\n got %s\nwant %s", g, w)
	}
	for _, f := range p.Findings {
		if f.Kind == Gap && f.Length != 10*time.Second {
			t.Errorf("gap %v is %v long, want 10s", f.Files, f.Length)
		}
	}
}

func checkMessyTimeline(t *testing.T, p *Plan, m footage.Messy) {
	for i := 1; i < len(p.Segments); i++ {
		prev, s := &p.Segments[i-1], &p.Segments[i]
		step := Ticks(s.OutDTS() - prev.OutDTS() - (prev.Report.LastDTS - prev.Report.FirstDTS + prev.Report.FrameTicks))
		wantStep := time.Duration(0)
		if s.Name == "seg6.ts" || s.Name == "seg12.ts" {
			wantStep = 10 * time.Second // the gap stays a gap
		}
		if step != wantStep {
			t.Errorf("%s starts %v after %s ends, want %v", s.Name, step, prev.Name, wantStep)
		}
		if s.Discontinuity != (wantStep > 0 || s.Name == m.Restart) {
			t.Errorf("%s discontinuity = %v", s.Name, s.Discontinuity)
		}
	}
	if p.Segments[0].OutDTS() != TimelineStart {
		t.Errorf("timeline starts at %d, want %d", p.Segments[0].OutDTS(), TimelineStart)
	}
	if !p.Segments[0].Start.Equal(messyStart) {
		t.Errorf("first segment starts %v, want %v", p.Segments[0].Start, messyStart)
	}
	if got, want := p.Frames(), 10*250; got != want {
		t.Errorf("frames = %d, want %d", got, want)
	}
	if got, want := p.Span(), 120*time.Second; got != want {
		t.Errorf("span = %v, want %v", got, want)
	}
}

// checkMessyRuns: seg1–4, a 10-s gap, seg6–8, the restart, then to seg10,
// a 10-s gap, seg12: 40 s, 30 s, 20 s and 10 s of footage.
func checkMessyRuns(t *testing.T, p *Plan, m footage.Messy) {
	start := func(name string) time.Time {
		for _, s := range p.Segments {
			if s.Name == name {
				return s.Start
			}
		}
		t.Fatalf("no segment %s", name)
		return time.Time{}
	}
	want := []Run{
		{Start: messyStart, Pos: 0, Len: 40 * time.Second},
		{Start: start("seg6.ts"), Pos: 50 * time.Second, Len: 30 * time.Second},
		{Start: start(m.Restart), Pos: 80 * time.Second, Len: 20 * time.Second},
		{Start: start("seg12.ts"), Pos: 110 * time.Second, Len: 10 * time.Second},
	}
	if got := p.Runs(); mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("runs:\n got %s\nwant %s", mustJSON(t, got), mustJSON(t, want))
	}
}

// Names that are not zero-padded must sort as numbers, and mtime must not
// override the names (uploads finish out of order).
func TestPlanNaturalOrder(t *testing.T) {
	dir := t.TempDir()
	if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 12, First: 1,
		Profile: footage.Profile{Width: 160, Height: 120, FPS: 25}}); err != nil {
		t.Fatal(err)
	}
	// seg3 arrives last.
	late := messyStart.Add(time.Hour)
	if err := os.Chtimes(dir+"/seg3.ts", late, late); err != nil {
		t.Fatal(err)
	}
	p := planDir(t, dir)
	if len(p.Findings) != 0 {
		t.Errorf("findings on a clean run: %+v", p.Findings)
	}
	for i, s := range p.Segments {
		if want := "seg" + itoa(i+1) + ".ts"; s.Name != want {
			t.Fatalf("segment %d = %s, want %s", i, s.Name, want)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestPlanKeepsBackwardTimestamps: a file whose timestamps go back cannot
// be laid on the timeline; it stays out of the archive, kept and reported.
func TestPlanKeepsBackwardTimestamps(t *testing.T) {
	dir, files := caseDir(t)
	name := files["timestamps go backwards"]
	p := planDir(t, dir)
	if !slices.ContainsFunc(p.Kept, func(k Kept) bool { return k.Name == name && k.Reason == BadTimestamps && k.Size > 0 }) {
		t.Errorf("kept %+v, want %s for %s", p.Kept, BadTimestamps, name)
	}
	if slices.ContainsFunc(p.Segments, func(s Segment) bool { return s.Name == name }) {
		t.Errorf("%s is in the plan's segments", name)
	}
}
