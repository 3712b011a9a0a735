package ctl

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

const (
	queued       = cctvv1.ConversionPhase_CONVERSION_PHASE_QUEUED
	planning     = cctvv1.ConversionPhase_CONVERSION_PHASE_PLANNING
	joining      = cctvv1.ConversionPhase_CONVERSION_PHASE_JOINING
	verifying    = cctvv1.ConversionPhase_CONVERSION_PHASE_VERIFYING
	checksumming = cctvv1.ConversionPhase_CONVERSION_PHASE_CHECKSUMMING
	committing   = cctvv1.ConversionPhase_CONVERSION_PHASE_COMMITTING
	done         = cctvv1.ConversionPhase_CONVERSION_PHASE_DONE
	failed       = cctvv1.ConversionPhase_CONVERSION_PHASE_FAILED
	cancelled    = cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED
)

func fakePlan() *cctvv1.ConvertDayResponse {
	return &cctvv1.ConvertDayResponse{Event: &cctvv1.ConvertDayResponse_Plan{Plan: &cctvv1.Plan{
		Date: "2026-11-18", Output: "video.mp4", Bytes: 1536 << 10, Frames: 750, Duration: dur(30 * time.Second),
		Segments: []*cctvv1.PlanSegment{
			{Name: "seg1.ts", Bytes: 512 << 10, Frames: 250, Duration: dur(10 * time.Second), StartTime: at(0)},
			{Name: "seg2.ts", Bytes: 512 << 10, Frames: 250, Duration: dur(10 * time.Second), StartTime: at(10 * time.Second)},
			{Name: "seg10.ts", Bytes: 512 << 10, Frames: 250, Duration: dur(10 * time.Second), StartTime: at(60 * time.Second), Restart: true},
		},
		Kept: []*cctvv1.KeptFile{
			{Name: "notes.txt", Reason: cctvv1.FindingKind_FINDING_KIND_NOT_TS, Detail: "no MPEG-TS sync bytes", Bytes: 12},
			{Name: "seg3.ts", Reason: cctvv1.FindingKind_FINDING_KIND_ZERO_BYTE},
		},
		Chunks: []*cctvv1.Chunk{
			{Index: 1, FirstSegment: "seg1.ts", LastSegment: "seg2.ts", SegmentCount: 2, Frames: 500, Duration: dur(20 * time.Second), Done: true},
			{Index: 2, FirstSegment: "seg10.ts", LastSegment: "seg10.ts", SegmentCount: 1, Frames: 250, Duration: dur(10 * time.Second)},
		},
		Findings: []*cctvv1.Finding{
			{Kind: cctvv1.FindingKind_FINDING_KIND_GAP, Files: []string{"seg2.ts", "seg10.ts"}, Time: at(20 * time.Second), Duration: dur(40 * time.Second), Detail: "40s of footage missing"},
		},
		EncoderArgs: []string{"ffmpeg", "-i", "pipe:0", "-c:v", "libx265"},
	}}}
}

// fullRun is a conversion's stream from queued to done.
func fullRun() []*cctvv1.ConvertDayResponse {
	return []*cctvv1.ConvertDayResponse{
		progress(queued, nil),
		progress(planning, nil),
		encoding(1, 100, 2.5, 2*time.Minute),
		encoding(1, 101, 2.5, 2*time.Minute), // same percent: no new plain line
		encoding(1, 500, 2.4, time.Minute),
		encoding(2, 1000, 2.6, 0),
		progress(joining, nil),
		progress(verifying, nil),
		progress(checksumming, nil),
		progress(committing, nil),
		progress(done, func(p *cctvv1.ConversionProgress) {
			p.ArchiveFile, p.ArchiveBytes = "video.mp4", 90<<10
			p.Sha512 = strings.Repeat("ab", 64)
		}),
	}
}

func failedRun() []*cctvv1.ConvertDayResponse {
	return []*cctvv1.ConvertDayResponse{
		progress(queued, nil),
		encoding(1, 100, 2.5, 2*time.Minute),
		progress(failed, func(p *cctvv1.ConversionProgress) {
			p.Error = "ffmpeg exited with status 1"
			p.StderrTail = []string{"[libx265 @ 0x55] error", "Conversion failed!"}
		}),
	}
}

// A dry run prints the plan, or sends it as JSON, and changes nothing.
func TestConvertDryRun(t *testing.T) {
	runCases(t, "ConvertDay", []cliCase{
		{
			name:    "dry run prints the plan",
			daemon:  &fakeDaemon{stream: []*cctvv1.ConvertDayResponse{fakePlan()}},
			args:    []string{"convert", "2026-11-18", "--dry-run"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18", DryRun: true},
			wantOut: `plan for 2026-11-18: 3 segments (1.5 MiB, 750 frames, 30s) into video.mp4 in 2 chunks
not due yet: converting it now needs --force

segments, in order:
  #  NAME      SIZE       FRAMES  LENGTH  START     NOTE
  1  seg1.ts   512.0 KiB  250     10s     00:00:00
  2  seg2.ts   512.0 KiB  250     10s     00:00:10
  3  seg10.ts  512.0 KiB  250     10s     00:01:00  camera restart: re-timed

chunks:
  1  seg1.ts … seg2.ts    2 segments  500 frames  20s  already encoded
  2  seg10.ts … seg10.ts  1 segment   250 frames  10s

kept in the folder, never deleted:
  notes.txt  12 B  not-ts     no MPEG-TS sync bytes
  seg3.ts    0 B   zero-byte

findings:
KIND  AT        LENGTH  FILES              DETAIL
gap   00:00:20  40s     seg2.ts, seg10.ts  40s of footage missing

encoder: ffmpeg -i pipe:0 -c:v libx265

dry run: nothing was changed
`,
		},
		{
			name:    "dry run as JSON is the plan",
			daemon:  &fakeDaemon{stream: []*cctvv1.ConvertDayResponse{{Event: &cctvv1.ConvertDayResponse_Plan{Plan: &cctvv1.Plan{Date: "2026-11-18", Output: "video.mp4", Due: true}}}}},
			args:    []string{"--json", "convert", "--force", "--dry-run", "2026-11-18"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18", DryRun: true, Force: true},
			wantOut: "{\n  \"date\": \"2026-11-18\",\n  \"output\": \"video.mp4\",\n  \"due\": true\n}\n",
		},
	})
}

// Without --wait cctvctl returns once the day is queued; what cctvd or
// the arguments refuse is an error.
func TestConvertQueues(t *testing.T) {
	runCases(t, "ConvertDay", []cliCase{
		{
			name: "without --wait it returns once queued",
			// hold: the stream stays open, so returning proves cctvctl did not wait.
			daemon:  &fakeDaemon{stream: fullRun()[:1], hold: true},
			args:    []string{"convert", "2026-11-18"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18"},
			wantOut: "2026-11-18: queued (follow it with: cctvctl convert 2026-11-18 --wait)\n",
		},
		{
			name:    "a day still settling needs --force",
			daemon:  &fakeDaemon{err: status.Error(codes.FailedPrecondition, "2026-11-18 is still settling until 2026-11-20 00:00; use --force")},
			args:    []string{"convert", "2026-11-18"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18"},
			wantErr: "cctvctl: convert 2026-11-18: 2026-11-18 is still settling until 2026-11-20 00:00; use --force\n",
			code:    2,
		},
		{
			name:    "malformed date: no request",
			daemon:  &fakeDaemon{stream: fullRun()},
			args:    []string{"convert", "18-11-2026", "--wait"},
			wantErr: "cctvctl: convert: \"18-11-2026\": not a date (want YYYY-MM-DD)\n",
			code:    2,
		},
		{
			name:    "unknown flag: no request",
			daemon:  &fakeDaemon{stream: fullRun()},
			args:    []string{"convert", "2026-11-18", "--now"},
			wantErr: "cctvctl: convert: flag provided but not defined: -now\n",
			code:    2,
		},
	})
}

// With --wait cctvctl follows the conversion to its end, and exits 1 if
// it did not archive the day.
func TestConvertWait(t *testing.T) {
	runCases(t, "ConvertDay", []cliCase{
		{
			name:    "wait: plain lines until done",
			daemon:  &fakeDaemon{stream: fullRun()},
			args:    []string{"convert", "2026-11-18", "--force", "--wait"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18", Force: true},
			wantOut: `2026-11-18 queued
2026-11-18 planning
2026-11-18 encoding chunk 1/2: 10% (100/1000 frames) at 2.50x, eta 2m0s
2026-11-18 encoding chunk 1/2: 50% (500/1000 frames) at 2.40x, eta 1m0s
2026-11-18 encoding chunk 2/2: 100% (1000/1000 frames) at 2.60x, eta 0.0s
2026-11-18 joining
2026-11-18 verifying
2026-11-18 checksumming
2026-11-18 committing
2026-11-18 done: video.mp4
2026-11-18: archived to video.mp4 (90.0 KiB), verified, sha512 abababababababab…
`,
		},
		{
			name:    "wait: failed exits 1 with the encoder's last lines",
			daemon:  &fakeDaemon{stream: failedRun()},
			args:    []string{"--wait", "convert", "2026-11-18"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18"},
			wantOut: `2026-11-18 queued
2026-11-18 encoding chunk 1/2: 10% (100/1000 frames) at 2.50x, eta 2m0s
2026-11-18 failed: ffmpeg exited with status 1
`,
			wantErr: `last lines from the encoder:
  [libx265 @ 0x55] error
  Conversion failed!
cctvctl: conversion of 2026-11-18 failed: ffmpeg exited with status 1; its segments are untouched
`,
			code: 1,
		},
		{
			name: "wait: cancelled exits 1",
			daemon: &fakeDaemon{stream: []*cctvv1.ConvertDayResponse{
				encoding(1, 100, 2.5, time.Minute),
				progress(cancelled, func(p *cctvv1.ConversionProgress) { p.Error = "cancelled by cctvctl cancel" }),
			}},
			args:    []string{"convert", "2026-11-18", "--wait"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18"},
			wantOut: `2026-11-18 encoding chunk 1/2: 10% (100/1000 frames) at 2.50x, eta 1m0s
2026-11-18 cancelled: cancelled by cctvctl cancel
`,
			wantErr: "cctvctl: conversion of 2026-11-18 was cancelled: cancelled by cctvctl cancel; its segments are untouched\n",
			code:    1,
		},
		{
			name:    "wait: a stream that stops before the end is an error",
			daemon:  &fakeDaemon{stream: fullRun()[:3]},
			args:    []string{"convert", "2026-11-18", "--wait"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18"},
			wantOut: `2026-11-18 queued
2026-11-18 planning
2026-11-18 encoding chunk 1/2: 10% (100/1000 frames) at 2.50x, eta 2m0s
`,
			wantErr: "cctvctl: convert 2026-11-18: cctvd ended the stream before the conversion finished (see cctvctl status)\n",
			code:    2,
		},
	})
}

// --wait's progress as JSON lines, and as a bar on a terminal.
func TestConvertWaitFormats(t *testing.T) {
	runCases(t, "ConvertDay", []cliCase{
		{
			name:    "wait: JSON lines, one per message",
			daemon:  &fakeDaemon{stream: []*cctvv1.ConvertDayResponse{fullRun()[2], fullRun()[10]}},
			args:    []string{"convert", "2026-11-18", "--wait", "--json"},
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18"},
			wantOut: `{"date":"2026-11-18","phase":"CONVERSION_PHASE_ENCODING","chunk":1,"chunk_count":2,"frames":"100","total_frames":"1000","speed":2.5,"eta":"120s"}
{"date":"2026-11-18","phase":"CONVERSION_PHASE_DONE","archive_file":"video.mp4","archive_bytes":"92160","sha512":"` + strings.Repeat("ab", 64) + `"}
`,
		},
		{
			name:    "wait on a terminal: a bar redrawn in place",
			daemon:  &fakeDaemon{stream: []*cctvv1.ConvertDayResponse{fullRun()[2], fullRun()[4], fullRun()[10]}},
			args:    []string{"convert", "2026-11-18", "--wait"},
			tty:     true,
			wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-18"},
			wantOut: "\r\x1b[K2026-11-18 encoding 1/2 [██░░░░░░░░░░░░░░░░░░░░░░]  10.0%  2.50x  eta 2m0s" +
				"\r\x1b[K2026-11-18 encoding 1/2 [████████████░░░░░░░░░░░░]  50.0%  2.40x  eta 1m0s" +
				"\r\x1b[K2026-11-18 done: video.mp4\n" +
				"2026-11-18: archived to video.mp4 (90.0 KiB), verified, sha512 abababababababab…\n",
		},
	})
}

// signalWriter is a buffer that reports its first write.
type signalWriter struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	once  sync.Once
	wrote chan struct{}
}

func (w *signalWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	defer w.once.Do(func() { close(w.wrote) })
	return w.buf.Write(p)
}

func TestConvertWaitInterrupted(t *testing.T) {
	f := &fakeDaemon{stream: fullRun()[:3], hold: true}
	c, _, stderr := cli(startDaemon(t, f))
	out := &signalWriter{wrote: make(chan struct{})}
	c.Stdout = out
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-out.wrote // the first progress line is out: cctvctl is waiting
		cancel()
	}()
	err := c.Run(ctx, []string{"convert", "2026-11-18", "--wait"})
	if code := ExitCode(err); code != exitInterrupted {
		t.Errorf("exit %d (%v), want %d", code, err, exitInterrupted)
	}
	want := "convert 2026-11-18: interrupted; the conversion goes on in cctvd (stop it with: cctvctl cancel 2026-11-18)"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if stderr.Len() > 0 {
		t.Errorf("stderr: %s", stderr)
	}
}

func TestConvertTimeoutFirstMessage(t *testing.T) {
	// The daemon accepts the stream but says nothing.
	res := runAgainst(t, &fakeDaemon{hold: true}, "convert", "2026-11-18", "--timeout", "50ms")
	want := "cctvctl: convert 2026-11-18: no answer from cctvd within 50ms (see --timeout)\n"
	if res.code != exitError || res.stderr != want {
		t.Errorf("exit %d, stderr %q; want exit 2, %q", res.code, res.stderr, want)
	}
}

// A dry run suggests --force only where it would work, and a day already
// archived is said to be, with its archives, and is no error.
func TestConvertRefusalsSaidRight(t *testing.T) {
	planOf := func(mod func(p *cctvv1.Plan)) *fakeDaemon {
		p := &cctvv1.Plan{Date: "2026-11-18", Output: "video.mp4", DueTime: at(48 * time.Hour)}
		mod(p)
		return &fakeDaemon{stream: []*cctvv1.ConvertDayResponse{{Event: &cctvv1.ConvertDayResponse_Plan{Plan: p}}}}
	}
	archived := status.Error(codes.AlreadyExists, "convert 2026-11-18: already archived in video.mp4, video-2.mp4")
	tests := []struct {
		name     string
		daemon   *fakeDaemon
		args     []string
		wantLine string // a line of stdout
		noLine   string // text stdout must not hold
		wantErr  string
		code     int
	}{
		{
			name:     "dry run of today: no --force",
			daemon:   planOf(func(p *cctvv1.Plan) { p.Recording = true }),
			args:     []string{"convert", "2026-11-18", "--dry-run"},
			wantLine: "still being recorded: converted once it is due (at 2026-11-20 00:00:00)",
			noLine:   "--force",
		},
		{
			name:     "dry run of a settling day: --force",
			daemon:   planOf(func(p *cctvv1.Plan) {}),
			args:     []string{"convert", "2026-11-18", "--dry-run"},
			wantLine: "not due yet (at 2026-11-20 00:00:00): converting it now needs --force",
		},
		{
			name:     "dry run of a due day: nothing to add",
			daemon:   planOf(func(p *cctvv1.Plan) { p.Due = true }),
			args:     []string{"convert", "2026-11-18", "--dry-run"},
			wantLine: "dry run: nothing was changed",
			noLine:   "due",
		},
		{
			name:     "archived day",
			daemon:   &fakeDaemon{err: archived},
			args:     []string{"convert", "2026-11-18"},
			wantLine: "2026-11-18: already archived in video.mp4, video-2.mp4; nothing to do",
		},
		{
			name:     "archived day, forced and waited for",
			daemon:   &fakeDaemon{err: archived},
			args:     []string{"convert", "2026-11-18", "--force", "--wait"},
			wantLine: "2026-11-18: already archived in video.mp4, video-2.mp4; nothing to do",
		},
		{
			name:     "archived day as JSON",
			daemon:   &fakeDaemon{err: archived},
			args:     []string{"convert", "2026-11-18", "--json"},
			wantLine: `  "detail": "already archived in video.mp4, video-2.mp4"`,
		},
		{
			name:    "nothing to archive stays refused",
			daemon:  &fakeDaemon{err: status.Error(codes.FailedPrecondition, "convert 2026-11-18: nothing to archive")},
			args:    []string{"convert", "2026-11-18", "--force"},
			wantErr: "cctvctl: convert 2026-11-18: nothing to archive\n",
			code:    exitError,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			lines := strings.Split(res.stdout, "\n")
			if res.code != tt.code || res.stderr != tt.wantErr || (tt.wantLine != "" && !slices.Contains(lines, tt.wantLine)) ||
				(tt.noLine != "" && strings.Contains(res.stdout, tt.noLine)) {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, a line %q, no %q, stderr %q",
					res.code, res.stdout, res.stderr, tt.code, tt.wantLine, tt.noLine, tt.wantErr)
			}
		})
	}
}
