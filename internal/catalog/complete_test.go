package catalog

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/fakeclock"
)

// byHand drives a catalog without Run, so each step of the rule is seen.
type byHand struct {
	t   *testing.T
	c   *Catalog
	clk *fakeclock.Clock
	dir string // the day folder
}

const handDay = "2026-11-20"

func newByHand(t *testing.T) *byHand {
	root := t.TempDir()
	dir := mkdir(t, filepath.Join(root, handDay))
	clk := newClock()
	c, err := New(Config{Root: root, Now: clk.Now}, testLog(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &byHand{t: t, c: c, clk: clk, dir: dir}
}

func (h *byHand) event(name string, o op) { h.c.handle(event{dir: handDay, name: name, op: o}) }

// work settles, scans what is queued and publishes.
func (h *byHand) work() {
	h.c.settle()
	for {
		j, ok := h.c.nextJob()
		if !ok {
			break
		}
		h.c.dispatched(j)
		h.c.apply(h.c.scan(context.Background(), j))
	}
	h.c.publish()
}

// listed is the day's plan: name → duration.
func (h *byHand) listed() map[string]time.Duration {
	m := map[string]time.Duration{}
	for _, s := range dayOf(h.c, handDay).Plan.Segments {
		m[s.Name] = s.Report.Duration()
	}
	return m
}

func (h *byHand) fixture(name string) []byte {
	b, err := os.ReadFile(filepath.Join(fixtures, "run", name))
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// write appends p to f and tells the catalog, as a write event would.
func (h *byHand) write(f *os.File, p []byte) {
	h.t.Helper()
	if _, err := f.Write(p); err != nil {
		h.t.Fatal(err)
	}
	h.event(filepath.Base(f.Name()), opWrite)
}

// closeFile closes f and tells the catalog its writer is done.
func (h *byHand) closeFile(f *os.File) {
	h.t.Helper()
	if err := f.Close(); err != nil {
		h.t.Fatal(err)
	}
	h.event(filepath.Base(f.Name()), opClosed)
}

// checkListed fails unless exactly want is listed after the step what and,
// with full, seg2 (if listed) is listed at its whole duration.
func (h *byHand) checkListed(what string, want []string, full bool) {
	h.t.Helper()
	got := h.listed()
	if names := slices.Sorted(maps.Keys(got)); !slices.Equal(names, want) {
		h.t.Fatalf("after %s: listed %v, want %v", what, names, want)
	}
	if d, ok := got["seg2.ts"]; ok && full && d < 9*time.Second {
		h.t.Fatalf("after %s: seg2 listed at %v, want its whole 10 s", what, d)
	}
}

// startSeg2 puts a complete seg1 in the day and creates seg2 after it,
// empty: it returns seg2's file and the bytes it is to hold.
func (h *byHand) startSeg2() (*os.File, []byte) {
	copyFile(h.t, filepath.Join(fixtures, "run", "seg1.ts"), filepath.Join(h.dir, "seg1.ts"))
	h.event("seg1.ts", opMovedIn)
	h.work()
	b := h.fixture("seg2.ts")
	f, err := os.Create(filepath.Join(h.dir, "seg2.ts"))
	if err != nil {
		h.t.Fatal(err)
	}
	h.event("seg2.ts", opCreate)
	return f, b
}

// half is where a half of segment b ends, on a packet boundary.
func half(b []byte) int { return len(b) / 2 / 188 * 188 }

// TestCompleteRule: a segment goes into the plan only when its writer is
// known to be done with it (complete.go). Each case writes seg2 the way
// some writer does, with seg1 complete before it, and checks what is
// listed after each step. A half file is cut on a packet boundary, so
// that its scan shows a clean, short segment (issue 11, item 5).
func TestCompleteRule(t *testing.T) {
	type step struct {
		what string
		do   func(h *byHand, f *os.File, b []byte)
		want []string // seg2 listed?
	}
	one, both := []string{"seg1.ts"}, []string{"seg1.ts", "seg2.ts"}
	tests := []struct {
		name  string
		steps []step
		// wantFull: seg2 is listed at its whole duration, never at half.
		wantFull bool
	}{
		{name: "half written, held open past StableFor, then finished and closed", wantFull: true, steps: []step{
			{"half written", func(h *byHand, f *os.File, b []byte) { h.write(f, b[:half(b)]) }, one},
			{"stalled 8 s", func(h *byHand, f *os.File, b []byte) { h.clk.Advance(8*time.Second + 153192286) }, one},
			{"the rest written and closed", func(h *byHand, f *os.File, b []byte) {
				h.write(f, b[half(b):])
				h.closeFile(f)
			}, both},
		}},
		{name: "half written, closed (a dropped link), then resumed", wantFull: true, steps: []step{
			{"half written and closed", func(h *byHand, f *os.File, b []byte) {
				h.write(f, b[:half(b)])
				h.closeFile(f)
			}, one},
			{"stalled 8 s", func(h *byHand, f *os.File, b []byte) { h.clk.Advance(8*time.Second + 153192286) }, one},
			{"resumed to the end and closed", func(h *byHand, f *os.File, b []byte) {
				g, err := os.OpenFile(filepath.Join(h.dir, "seg2.ts"), os.O_WRONLY|os.O_APPEND, 0)
				if err != nil {
					h.t.Fatal(err)
				}
				h.write(g, b[half(b):])
				h.closeFile(g)
			}, both},
		}},
		{name: "half written and closed, then the camera moves on", steps: []step{
			{"half written and closed", func(h *byHand, f *os.File, b []byte) {
				h.write(f, b[:half(b)])
				h.closeFile(f)
			}, one},
			{"seg3 created", func(h *byHand, f *os.File, b []byte) {
				g, err := os.Create(filepath.Join(h.dir, "seg3.ts"))
				if err != nil {
					h.t.Fatal(err)
				}
				g.Close()
				h.event("seg3.ts", opCreate)
			}, both},
		}},
		{name: "whole but held open, then quiet for QuietFor", wantFull: true, steps: []step{
			{"written", func(h *byHand, f *os.File, b []byte) { h.write(f, b) }, one},
			{"stable for StableFor", func(h *byHand, f *os.File, b []byte) { h.clk.Advance(3*time.Second + 153192286) }, one},
			{"quiet for QuietFor", func(h *byHand, f *os.File, b []byte) { h.clk.Advance(time.Minute) }, both},
		}},
		{name: "whole and closed", wantFull: true, steps: []step{
			{"written and closed", func(h *byHand, f *os.File, b []byte) {
				h.write(f, b)
				h.closeFile(f)
			}, both},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newByHand(t)
			f, b := h.startSeg2()
			defer f.Close()
			for _, st := range tt.steps {
				st.do(h, f, b)
				h.work()
				h.checkListed(st.what, st.want, tt.wantFull)
			}
		})
	}
}

// TestHurry: a day a player waits for is scanned before newer days.
func TestHurry(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"2026-11-18", "2026-11-20"} {
		runDay(t, mkdir(t, filepath.Join(root, d)), 2)
	}
	c := open(t, root, newClock())
	defer c.Close()
	if v := dayOf(c, "2026-11-18"); v.Unscanned != 2 || v.Pending != 2 {
		t.Fatalf("before any scan: unscanned %d, pending %d; want 2 and 2", v.Unscanned, v.Pending)
	}
	if j, _ := c.nextJob(); j.dir != "2026-11-20" {
		t.Fatalf("first job in %s, want the newest day", j.dir)
	}
	c.Hurry(dayOf(c, "2026-11-18").Date)
	c.handle(<-c.notes)
	if j, _ := c.nextJob(); j.dir != "2026-11-18" {
		t.Fatalf("first job in %s after Hurry, want 2026-11-18", j.dir)
	}
}
