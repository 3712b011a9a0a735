package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/disk"
	"github.com/cctvd/cctvd/internal/logring"
	"github.com/cctvd/cctvd/internal/ts"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// The fixture's clock: 2026-11-25 at noon, UTC, 48 h settle time.
var (
	now    = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	settle = 48 * time.Hour
	cal    = day.Calendar{Location: time.UTC, Settle: settle}
	clock  = func() time.Time { return now }
)

func date(s string) day.Date {
	d, err := day.Parse(s)
	if err != nil {
		panic(err)
	}
	return d
}

// fakeDays is a catalog of fixed days.
type fakeDays struct {
	mu   sync.Mutex
	days map[day.Date]DayInfo
}

func newFakeDays(infos ...DayInfo) *fakeDays {
	f := &fakeDays{days: map[day.Date]DayInfo{}}
	for _, i := range infos {
		f.days[i.Date] = i
	}
	return f
}

func (f *fakeDays) Days() []DayInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Collect(maps.Values(f.days))
}

func (f *fakeDays) Day(d day.Date) (DayInfo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i, ok := f.days[d]
	return i, ok
}

// fakeArchiver follows the archiver's rules (unknown day, today, settle
// time) on the fake catalog. A test drives a conversion with publish.
type fakeArchiver struct {
	t    *testing.T
	days *fakeDays
	// plan is every dry run's plan; report every Verify's.
	plan   *archive.Plan
	report *archive.Report
	// err, if set, is every call's answer.
	err error
	// block makes Verify wait for its context, after it told entered.
	block   bool
	entered chan struct{}

	// pending is every Pending's answer.
	pending []archive.Pending

	mu       sync.Mutex
	jobs     map[day.Date]*archive.DayStatus
	watches  map[day.Date]map[*fakeWatch]bool
	queued   []day.Date // days Convert queued
	calls    []string   // "Convert 2026-11-22", … for every Convert, Watch, Cancel and Verify
	stops    int        // watches ended by their caller
	watching chan struct{}
}

func newFakeArchiver(t *testing.T, days *fakeDays) *fakeArchiver {
	return &fakeArchiver{t: t, days: days, jobs: map[day.Date]*archive.DayStatus{}, watches: map[day.Date]map[*fakeWatch]bool{},
		watching: make(chan struct{}, 16), entered: make(chan struct{}, 1)}
}

// called records a call of method for d.
func (f *fakeArchiver) called(method string, d day.Date) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, method+" "+d.String())
}

// seen is the calls the archiver got.
func (f *fakeArchiver) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

func (f *fakeArchiver) Convert(ctx context.Context, d day.Date, force, dryRun bool) (*archive.Plan, error) {
	f.called("Convert", d)
	if f.err != nil {
		return nil, f.err
	}
	if _, ok := f.days.Day(d); !ok {
		return nil, fmt.Errorf("convert %s: %w", d, archive.ErrUnknownDay)
	}
	if dryRun {
		return f.plan, nil
	}
	switch {
	case !d.Before(cal.Today(now)):
		return nil, fmt.Errorf("convert %s: %w", d, archive.ErrToday)
	case !force && !cal.IsDue(d, now):
		return nil, fmt.Errorf("convert %s: %w", d, archive.ErrTooYoung)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if j := f.jobs[d]; j != nil && active(j) {
		return nil, nil
	}
	f.jobs[d] = &archive.DayStatus{Date: d, State: archive.StateQueued, Progress: archive.Progress{Date: d, Phase: archive.PhaseQueued}}
	f.queued = append(f.queued, d)
	return nil, nil
}

// fakeWatch is one watcher of a conversion. Unlike the archiver's, its
// channel is unbuffered, so that every report a test publishes is seen.
type fakeWatch struct {
	ch   chan archive.Progress
	gone chan struct{} // closed by stop
}

func (f *fakeArchiver) Watch(d day.Date) (<-chan archive.Progress, func(), error) {
	f.called("Watch", d)
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[d]
	if j == nil || !active(j) {
		return nil, nil, fmt.Errorf("watch %s: %w", d, archive.ErrNotConverting)
	}
	w := &fakeWatch{ch: make(chan archive.Progress), gone: make(chan struct{})}
	if f.watches[d] == nil {
		f.watches[d] = map[*fakeWatch]bool{}
	}
	f.watches[d][w] = true
	f.watching <- struct{}{}
	var once sync.Once
	return w.ch, func() {
		once.Do(func() {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.stops++
			delete(f.watches[d], w)
			close(w.gone)
		})
	}, nil
}

// publish records p as its day's progress and passes it to the day's
// watchers, waiting until each took it or stopped watching; a final phase
// ends the watches. It may run in its own goroutine.
func (f *fakeArchiver) publish(t *testing.T, p archive.Progress) {
	f.mu.Lock()
	j := f.jobs[p.Date]
	j.Progress = p
	switch p.Phase {
	case archive.PhaseQueued:
		j.State = archive.StateQueued
	case archive.PhaseFailed:
		j.State, j.Err = archive.StateFailed, p.Err
	case archive.PhaseCancelled:
		j.State = archive.StateCancelled
	case archive.PhaseDone:
		j.State = archive.StateArchived
	default:
		j.State = archive.StateConverting
	}
	ws := slices.Collect(maps.Keys(f.watches[p.Date]))
	if p.Phase.Final() {
		delete(f.watches, p.Date)
	}
	f.mu.Unlock()
	for _, w := range ws {
		select {
		case w.ch <- p:
		case <-w.gone:
		case <-t.Context().Done():
			t.Errorf("nobody took the %s report", p.Phase)
			return
		}
		if p.Phase.Final() {
			close(w.ch)
		}
	}
}

func (f *fakeArchiver) Cancel(ctx context.Context, d day.Date) (archive.Cancelled, error) {
	f.called("Cancel", d)
	if f.err != nil {
		return archive.Cancelled{}, f.err
	}
	f.mu.Lock()
	j := f.jobs[d]
	if j == nil || !active(j) {
		f.mu.Unlock()
		return archive.Cancelled{}, fmt.Errorf("cancel %s: %w", d, archive.ErrNotConverting)
	}
	phase := j.Progress.Phase
	f.mu.Unlock()
	f.publish(f.t, archive.Progress{Date: d, Phase: archive.PhaseCancelled, Err: errors.New("conversion cancelled")})
	return archive.Cancelled{Phase: phase, Removed: 2}, nil
}

func (f *fakeArchiver) Status() archive.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out archive.Status
	for _, d := range slices.SortedFunc(maps.Keys(f.jobs), day.Date.Compare) {
		out.Days = append(out.Days, *f.jobs[d])
	}
	return out
}

func (f *fakeArchiver) Pending() []archive.Pending { return f.pending }

func (f *fakeArchiver) Verify(ctx context.Context, d day.Date) (*archive.Report, error) {
	f.called("Verify", d)
	if f.err != nil {
		return nil, f.err
	}
	if f.block {
		f.entered <- struct{}{}
		<-ctx.Done()
		return nil, ctx.Err()
	}
	if _, ok := f.days.Day(d); !ok {
		return nil, fmt.Errorf("verify: day %s: %w", d, archive.ErrUnknownDay)
	}
	r := *f.report
	r.Date = d
	return &r, nil
}

// harness is a real server on a unix socket in a temp folder with a client.
type harness struct {
	days   *fakeDays
	arc    *fakeArchiver
	srv    *Server
	sock   string
	conn   *grpc.ClientConn
	api    cctvv1.CctvServiceClient
	stop   context.CancelFunc
	served chan error
}

// serve starts a server on cfg (a socket in a temp folder if cfg.Addr is
// empty) over the fixture's days; it is stopped at the end of the test.
func serve(t *testing.T, cfg Config) *harness {
	t.Helper()
	days := fixtureDays()
	arc := newFakeArchiver(t, days)
	arc.plan = fixturePlan()
	arc.report = &archive.Report{Plan: fixturePlan()}
	failed := date("2026-11-21")
	arc.jobs[failed] = &archive.DayStatus{Date: failed, State: archive.StateFailed, Err: errors.New("ffmpeg exited 1"), NextAttempt: now.Add(time.Hour),
		Progress: archive.Progress{Date: failed, Phase: archive.PhaseFailed}}
	arc.pending = []archive.Pending{{Date: failed, ChunksDone: 2, Chunks: 5}, {Date: date("2026-11-23"), Forced: true}}
	h := &harness{days: days, arc: arc}
	if cfg.Addr == "" {
		h.sock = t.TempDir() + "/run/cctvd.sock"
		cfg.Addr = "unix://" + h.sock
	}
	cfg.Version = "v1.2.3"
	cfg.Root = t.TempDir()
	cfg.Calendar, cfg.Now = cal, clock
	disk := func(string) (disk.Usage, error) { return disk.Usage{Total: 1000, Used: 400, Free: 550}, nil }
	srv, err := New(cfg, Deps{Cameras: OneCamera(days, arc, nil), Disk: disk, Errors: fixtureErrors{}}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.start(t)
	return h
}

func (h *harness) start(t *testing.T) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	h.stop, h.served = stop, make(chan error, 1)
	go func() { h.served <- h.srv.Serve(ctx) }()
	t.Cleanup(func() {
		stop()
		if err := <-h.served; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	h.conn = dial(t, h.target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	h.api = cctvv1.NewCctvServiceClient(h.conn)
}

// following starts a ConvertDay stream on ctx and has the archiver report
// p, which the stream must pass on first; it returns the stream.
func (h *harness) following(t *testing.T, ctx context.Context, req *cctvv1.ConvertDayRequest, p archive.Progress) cctvv1.CctvService_ConvertDayClient {
	t.Helper()
	stream, err := h.api.ConvertDay(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	<-h.arc.watching
	go h.arc.publish(t, p)
	if m, err := stream.Recv(); err != nil || m.GetProgress().GetPhase() != phaseProto(p.Phase) {
		t.Fatalf("first message %v, %v; want %s", m, err, p.Phase)
	}
	return stream
}

// target is the server's address for grpc.NewClient.
func (h *harness) target() string {
	if h.sock != "" {
		return "unix://" + h.sock
	}
	return "dns:///" + h.srv.Addr().String()
}

func dial(t *testing.T, target string, opts ...grpc.DialOption) *grpc.ClientConn {
	t.Helper()
	conn, err := grpc.NewClient(target, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// shutdown stops the server and waits for Serve, at most d.
func (h *harness) shutdown(t *testing.T, d time.Duration) {
	t.Helper()
	h.stop()
	select {
	case err := <-h.served:
		h.served <- err // for the cleanup
	case <-time.After(d):
		t.Fatalf("server still running %v after shutdown", d)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// fixtureDays are a week of days in every state.
func fixtureDays() *fakeDays {
	seg := func(d string, n int) DayInfo {
		return DayInfo{Date: date(d), Segments: n, Bytes: int64(n) * 500_000, Covered: time.Duration(n) * 10 * time.Second}
	}
	today, settling, due, failed := seg("2026-11-25", 4320), seg("2026-11-24", 8640), seg("2026-11-22", 8640), seg("2026-11-21", 8000)
	archived := DayInfo{Date: date("2026-11-20"), Kept: 2, Findings: 3,
		Archives: []ArchiveFile{{Name: "video.mp4", Bytes: 400_000_000, Checksum: true}}, ArchivedSourceBytes: 4_000_000_000}
	partial := seg("2026-11-19", 3)
	partial.Archives = []ArchiveFile{{Name: "video.mp4", Bytes: 300_000_000}}
	empty := DayInfo{Date: date("2026-11-18"), Kept: 1, Findings: 1}
	return newFakeDays(today, settling, due, failed, archived, partial, empty)
}

type fixtureErrors struct{}

func (fixtureErrors) Recent() []logring.Entry {
	return []logring.Entry{{Time: now.Add(-time.Minute), Day: "2026-11-21", Component: "archive", Message: "ffmpeg exited 1"}}
}

// fixturePlan is a messy day: a gap, a camera restart, junk and an empty file.
func fixturePlan() *archive.Plan {
	t0 := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	const frame = 3600 // 25 fps at 90 kHz
	seg := func(name string, firstDTS int64, end time.Duration) ts.File {
		return ts.File{Name: name, Size: 1_000_000, ModTime: t0.Add(end), Report: ts.Report{
			Size: 1_000_000, Frames: 250, FrameTicks: frame, FirstDTS: firstDTS, LastDTS: firstDTS + 249*frame,
			FirstPTS: firstDTS, LastPTS: firstDTS + 249*frame, StartsWithKeyframe: true}}
	}
	p := ts.NewPlan([]ts.File{
		seg("seg1.ts", 900_000, 10*time.Second),
		seg("seg2.ts", 900_000+250*frame, 20*time.Second),
		seg("seg3.ts", 900_000+(500+750)*frame, 60*time.Second), // 30 s gap
		seg("seg4.ts", 0, 70*time.Second),                       // restart
		{Name: "notes.txt", Size: 12},
		{Name: "seg5.ts", Size: 0},
	})
	return &archive.Plan{Date: date("2026-11-20"), Output: "video.mp4", Plan: p, Due: true,
		Chunks: []archive.Chunk{{Index: 0, First: 0, Count: 2, Frames: 500, Duration: 20 * time.Second, Done: true},
			{Index: 1, First: 2, Count: 2, Frames: 500, Duration: 20 * time.Second}}}
}
