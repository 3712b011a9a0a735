package archive

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// TestForcedConversionResumesAfterShutdown: a forced conversion of a day
// that is still settling is stopped the way SIGTERM stops cctvd (Run's
// context ends) at several points. A new archiver on the same root lists
// the work as pending (forced, chunks done) before it runs, takes it up
// at start although the day is not due, reuses the finished chunks and
// archives the day; nothing is pending afterwards.
func TestForcedConversionResumesAfterShutdown(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	tests := []struct {
		name  string
		step  string // the daemon is stopped after this step of the day
		chunk int
		done  int // chunks finished before the stop
	}{
		{name: "planned", step: StepPlanned},
		{name: "encoding the first chunk", step: StepChunkStarted, chunk: 0},
		{name: "encoding the second chunk", step: StepChunkStarted, chunk: 1, done: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, cfg, _, s := controlRoot(t) // nothing is due for 30 days
			cfg.ChunkSegments = 1             // the young day's 2 segments: 2 chunks
			dir := filepath.Join(root, youngDay.String())
			segs := names(t, dir)
			stopForcedConversion(t, cfg, s, tt.step, tt.chunk)
			if got := names(t, dir); !slices.Equal(got, segs) {
				t.Fatalf("after the stop the day holds %v, want %v", got, segs)
			}

			cfg2, s2 := cfg, newSteps()
			cfg2.AfterStep = s2.hook
			a2, err := New(cfg2, testLogger(t))
			if err != nil {
				t.Fatal(err)
			}
			want := []Pending{{Date: youngDay, Forced: true, ChunksDone: tt.done, Chunks: 2}}
			if got := a2.Pending(); !slices.Equal(got, want) {
				t.Errorf("pending before the restart runs: %+v, want %+v", got, want)
			}
			runStoppable(t, a2)
			s2.waitIdle(t)
			if got, want := names(t, dir), []string{"video.mp4", "video.mp4.sha512sum"}; !slices.Equal(got, want) {
				t.Fatalf("after the restart the day holds %v, want %v", got, want)
			}
			sha512sumCheck(t, dir, "video.mp4")
			if codec, frames := ffprobeFrames(t, filepath.Join(dir, "video.mp4")); codec != "hevc" || frames != 500 {
				t.Errorf("video.mp4 is %s with %d frames, want hevc with 500", codec, frames)
			}
			if got := s2.count(StepChunkEncoded, youngDay); got != 2-tt.done {
				t.Errorf("the restart encoded %d chunks, want %d", got, 2-tt.done)
			}
			if d := dayStatus(t, a2, youngDay); d.State != StateArchived {
				t.Errorf("day %s (%v), want archived", d.State, d.Err)
			}
			if p := a2.Pending(); len(p) != 0 {
				t.Errorf("pending after the archive: %+v", p)
			}
		})
	}
}

// stopForcedConversion runs an archiver, forces the young day's conversion
// and stops the archiver as SIGTERM stops cctvd (Run's context ends) after
// step of chunk.
func stopForcedConversion(t *testing.T, cfg Config, s *steps, step string, chunk int) {
	t.Helper()
	ctx, sigterm := context.WithCancel(t.Context())
	defer sigterm()
	cfg.AfterStep = func(st Step) {
		if st.Date == youngDay && st.Name == step && st.Chunk == chunk {
			sigterm()
		}
		s.hook(st)
	}
	a, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	s.waitIdle(t)
	if _, err := a.Convert(t.Context(), youngDay, true, false); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("archiver did not stop")
	}
	a.Close()
}
