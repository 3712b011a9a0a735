package control

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// The archiver's names must be this package's: a phase, state or checksum
// state added there must be added here.
func TestArchiveNamesMatch(t *testing.T) {
	for _, p := range []archive.Phase{archive.PhaseQueued, archive.PhasePlanning, archive.PhaseEncoding, archive.PhaseJoining,
		archive.PhaseVerifying, archive.PhaseChecksumming, archive.PhaseCommitting, archive.PhaseDone, archive.PhaseFailed,
		archive.PhaseCancelled} {
		if phaseProto(Phase(p)) == cctvv1.ConversionPhase_CONVERSION_PHASE_UNSPECIFIED {
			t.Errorf("archive phase %q unknown here", p)
		}
		if p.Final() != Phase(p).final() {
			t.Errorf("phase %q: final differs", p)
		}
	}
	known := map[JobState]bool{JobQueued: true, JobConverting: true, JobFailed: true, JobCancelled: true, JobArchived: true, JobIdle: true}
	for _, s := range []archive.State{archive.StateQueued, archive.StateConverting, archive.StateFailed, archive.StateCancelled,
		archive.StateArchived, archive.StateIdle} {
		if !known[JobState(s)] {
			t.Errorf("archive state %q unknown here", s)
		}
	}
	for _, c := range []archive.ChecksumState{archive.ChecksumVerified, archive.ChecksumMismatch, archive.ChecksumMissing, archive.ChecksumInvalid} {
		if _, ok := checksumStates[ChecksumState(c)]; !ok {
			t.Errorf("archive checksum state %q unknown here", c)
		}
	}
}

func TestArchiveErrorCodes(t *testing.T) {
	tests := []struct {
		err  error
		code codes.Code
	}{
		{archive.ErrUnknownDay, codes.NotFound},
		{archive.ErrToday, codes.FailedPrecondition},
		{archive.ErrTooYoung, codes.FailedPrecondition},
		{archive.ErrNothingToDo, codes.FailedPrecondition},
		{archive.ErrArchived, codes.AlreadyExists},
		{archive.ErrNotConverting, codes.FailedPrecondition},
		{archive.ErrCommitting, codes.FailedPrecondition},
		{encode.ErrFFmpegMissing, codes.FailedPrecondition},
		{encode.ErrNoX265, codes.FailedPrecondition},
		{archive.ErrLocked, codes.Internal},
		{fmt.Errorf("x: %w", context.Canceled), codes.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			wrapped := fmt.Errorf("convert 2026-11-20: %w", tt.err)
			err := fromArchive(wrapped)
			if !errors.Is(err, tt.err) || err.Error() != wrapped.Error() {
				t.Errorf("the chain or the message changed: %v", err)
			}
			if st := status.Convert(toStatus(err)); st.Code() != tt.code || st.Message() != wrapped.Error() {
				t.Errorf("got %v %q, want %v %q", st.Code(), st.Message(), tt.code, wrapped.Error())
			}
		})
	}
}

// fakeArchive answers as *archive.Archiver does.
type fakeArchive struct {
	src     chan archive.Progress
	stopped bool
}

func (f *fakeArchive) Convert(ctx context.Context, d day.Date, force, dryRun bool) (*archive.Plan, error) {
	if !dryRun {
		return nil, nil
	}
	return &archive.Plan{Date: d, Output: "video.mp4", Plan: fixturePlan().Plan, Due: true,
		Chunks: []archive.Chunk{{Index: 0, First: 0, Count: 4, Frames: 1000}}}, nil
}

func (f *fakeArchive) Watch(d day.Date) (<-chan archive.Progress, func(), error) {
	return f.src, func() {
		if !f.stopped {
			f.stopped = true
			close(f.src)
		}
	}, nil
}

func (f *fakeArchive) Cancel(ctx context.Context, d day.Date) (archive.Cancelled, error) {
	return archive.Cancelled{Phase: archive.PhaseEncoding, Removed: 3}, nil
}

func (f *fakeArchive) Status() archive.Status {
	return archive.Status{Days: []archive.DayStatus{{Date: date("2026-11-21"), State: archive.StateFailed,
		Err: errors.New("ffmpeg exited 1"), NextAttempt: now, Progress: archive.Progress{Phase: archive.PhaseFailed}}}}
}

func (f *fakeArchive) Pending() []archive.Pending {
	return []archive.Pending{{Date: date("2026-11-23"), Forced: true, ChunksDone: 1, Chunks: 3, Committing: true}}
}

func (f *fakeArchive) Verify(ctx context.Context, d day.Date) (*archive.Report, error) {
	return &archive.Report{Date: d, Archives: []archive.ArchiveCheck{
		{File: "video.mp4", Checksum: archive.ChecksumVerified, Info: encode.Info{Codec: "hevc", Frames: 10}},
		{File: "video-2.mp4", Checksum: archive.ChecksumMismatch, Expected: "ab", Actual: "cd", Err: archive.ErrChecksumMismatch},
		{File: "video-3.mp4", Checksum: archive.ChecksumVerified, Actual: "ab", Err: fmt.Errorf("%w: moov atom not found", archive.ErrVerify)},
	}}, nil
}

func TestFromArchiver(t *testing.T) {
	a := FromArchiver(&fakeArchive{})
	d := date("2026-11-20")
	p, err := a.Convert(t.Context(), d, false, true)
	if err != nil || p.Output != "video.mp4" || len(p.Segments) != 4 || p.Chunks[0].Index != 1 || !p.Due {
		t.Errorf("dry run %+v, %v", p, err)
	}
	if p, err := a.Convert(t.Context(), d, false, false); p != nil || err != nil {
		t.Errorf("queue: %v, %v", p, err)
	}
	c, err := a.Cancel(t.Context(), d)
	if err != nil || c.Phase != PhaseEncoding || c.Removed != 3 {
		t.Errorf("cancel %+v, %v", c, err)
	}
	jobs := a.Status()
	if len(jobs) != 1 || jobs[0].State != JobFailed || jobs[0].Err == nil || !jobs[0].NextAttempt.Equal(now) {
		t.Errorf("status %+v", jobs)
	}
	want := []Pending{{Date: date("2026-11-23"), Forced: true, ChunksDone: 1, Chunks: 3, Committing: true}}
	if got := a.Pending(); !slices.Equal(got, want) {
		t.Errorf("pending %+v, want %+v", got, want)
	}
	r, err := a.Verify(t.Context(), d)
	if err != nil || r.Plan == nil || len(r.Archives) != 3 {
		t.Fatalf("verify %+v, %v", r, err)
	}
	if got := r.Archives[0]; got.Codec != "hevc" || got.Frames != 10 || got.Broken != nil {
		t.Errorf("sound archive %+v", got)
	}
	if got := r.Archives[1]; got.Checksum != ChecksumMismatch || got.Broken != nil {
		t.Errorf("mismatched archive %+v", got)
	}
	if got := r.Archives[2]; got.Broken == nil {
		t.Errorf("broken archive %+v", got)
	}
}

// TestFromArchiverWatch checks that reports pass converted and that stop
// leaves no goroutine behind (synctest fails on one).
func TestFromArchiverWatch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := &fakeArchive{src: make(chan archive.Progress, 1)}
		ch, stop, err := FromArchiver(f).Watch(date("2026-11-20"))
		if err != nil {
			t.Fatal(err)
		}
		f.src <- archive.Progress{Phase: archive.PhaseEncoding, Chunk: 2, Frames: 5}
		if p := <-ch; p.Phase != PhaseEncoding || p.Chunk != 2 || p.Frames != 5 {
			t.Errorf("got %+v", p)
		}
		f.src <- archive.Progress{Phase: archive.PhaseEncoding, Frames: 6} // never read
		synctest.Wait()
		stop()
		stop()
	})
}

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

func (f fakeFootage) SourceBytes(day.Date) int64        { return f.bytes }
func (f fakeFootage) Runs(day.Date) map[string][]ts.Run { return f.runs }
