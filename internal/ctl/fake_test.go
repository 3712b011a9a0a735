package ctl

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// fakeDaemon answers cctvctl's requests the way cctvd will, from canned
// responses; it records every request it gets.
type fakeDaemon struct {
	cctvv1.UnimplementedCctvServiceServer

	status *cctvv1.GetStatusResponse
	days   *cctvv1.ListDaysResponse
	verify *cctvv1.VerifyDayResponse
	// stream is what ConvertDay sends, in order.
	stream []*cctvv1.ConvertDayResponse
	cancel *cctvv1.CancelConversionResponse
	// scrub is what ScrubDay sends, in order.
	scrub []*cctvv1.ScrubDayResponse
	// cameras is what ListCameras answers; nil answers UNIMPLEMENTED, as
	// a daemon older than cameras does.
	cameras *cctvv1.ListCamerasResponse
	// err, if set, is every RPC's answer.
	err error
	// hold keeps every RPC open after its answer (or instead of it, for
	// unary RPCs) until the client goes away.
	hold bool

	mu    sync.Mutex
	calls []rpcCall
}

type rpcCall struct {
	method string
	req    proto.Message
}

func (f *fakeDaemon) record(method string, req proto.Message) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, rpcCall{method, proto.Clone(req)})
}

// seen is the requests the daemon got.
func (f *fakeDaemon) seen() []rpcCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]rpcCall(nil), f.calls...)
}

// answer records req, then gives resp, f.err, or nothing until ctx ends.
func answer[T any](ctx context.Context, f *fakeDaemon, method string, req proto.Message, resp T) (T, error) {
	f.record(method, req)
	var zero T
	if f.err != nil {
		return zero, f.err
	}
	if f.hold {
		<-ctx.Done()
		return zero, ctx.Err()
	}
	return resp, nil
}

func (f *fakeDaemon) GetStatus(ctx context.Context, req *cctvv1.GetStatusRequest) (*cctvv1.GetStatusResponse, error) {
	return answer(ctx, f, "GetStatus", req, f.status)
}

func (f *fakeDaemon) ListDays(ctx context.Context, req *cctvv1.ListDaysRequest) (*cctvv1.ListDaysResponse, error) {
	return answer(ctx, f, "ListDays", req, f.days)
}

func (f *fakeDaemon) VerifyDay(ctx context.Context, req *cctvv1.VerifyDayRequest) (*cctvv1.VerifyDayResponse, error) {
	return answer(ctx, f, "VerifyDay", req, f.verify)
}

func (f *fakeDaemon) CancelConversion(ctx context.Context, req *cctvv1.CancelConversionRequest) (*cctvv1.CancelConversionResponse, error) {
	return answer(ctx, f, "CancelConversion", req, f.cancel)
}

func (f *fakeDaemon) ListCameras(ctx context.Context, req *cctvv1.ListCamerasRequest) (*cctvv1.ListCamerasResponse, error) {
	if f.cameras == nil {
		f.record("ListCameras", req)
		return nil, status.Error(codes.Unimplemented, "unknown method ListCameras for service cctv.v1.CctvService")
	}
	return answer(ctx, f, "ListCameras", req, f.cameras)
}

func (f *fakeDaemon) ConvertDay(req *cctvv1.ConvertDayRequest, stream grpc.ServerStreamingServer[cctvv1.ConvertDayResponse]) error {
	f.record("ConvertDay", req)
	if f.err != nil {
		return f.err
	}
	for _, m := range f.stream {
		if err := stream.Send(m); err != nil {
			return err
		}
	}
	if f.hold {
		<-stream.Context().Done()
	}
	return nil
}

var _ cctvv1.CctvServiceServer = (*fakeDaemon)(nil)

// startDaemon serves f on a unix socket in a temp dir and returns its
// address as unix://PATH.
func startDaemon(t *testing.T, f cctvv1.CctvServiceServer) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "cctvd.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	serveGRPC(t, lis, f)
	return "unix://" + sock
}

// serveGRPC serves f on lis until the test ends.
func serveGRPC(t *testing.T, lis net.Listener, f cctvv1.CctvServiceServer, opts ...grpc.ServerOption) {
	s := grpc.NewServer(opts...)
	cctvv1.RegisterCctvServiceServer(s, f)
	serving(t, func() { s.Serve(lis) }, s.Stop)
}

// serving runs serve until the test ends, then stop, and waits for serve
// to return.
func serving(t *testing.T, serve, stop func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve()
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
}

// result is one cctvctl run.
type result struct {
	stdout, stderr string
	code           int
}

// cli is a CLI writing into buffers, with CCTVD_ADDR set to addr.
func cli(addr string) (*CLI, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &CLI{
		Stdout:   &out,
		Stderr:   &errb,
		Env:      func(k string) string { return map[string]string{"CCTVD_ADDR": addr}[k] },
		Location: time.UTC,
		Version:  "v1.2.3",
	}, &out, &errb
}

// run runs cctvctl in-process as cmd/cctvctl does.
func run(t *testing.T, c *CLI, args ...string) result {
	t.Helper()
	return runCtx(context.Background(), c, args...)
}

func runCtx(ctx context.Context, c *CLI, args ...string) result {
	err := c.Run(ctx, args)
	c.Report(err)
	return result{
		stdout: c.Stdout.(*bytes.Buffer).String(),
		stderr: c.Stderr.(*bytes.Buffer).String(),
		code:   ExitCode(err),
	}
}

// expect checks a run's exit code and its whole stdout and stderr.
func (r result) expect(t *testing.T, code int, stdout, stderr string) {
	t.Helper()
	if r.code != code || r.stdout != stdout || r.stderr != stderr {
		t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr, code, stdout, stderr)
	}
}

// cliCase is one cctvctl run against a fake daemon: what it prints, what
// it exits with, and the one request the daemon gets (none if wantReq is
// nil).
type cliCase struct {
	name    string
	daemon  *fakeDaemon
	args    []string
	tty     bool
	wantReq proto.Message
	wantOut string
	wantErr string
	code    int
}

// runCases runs each case on a fresh daemon; method is the RPC wantReq is for.
func runCases(t *testing.T, method string, tests []cliCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := cli(startDaemon(t, tt.daemon))
			c.IsTerminal = tt.tty
			run(t, c, tt.args...).expect(t, tt.code, tt.wantOut, tt.wantErr)
			checkRequests(t, tt.daemon, method, tt.wantReq)
		})
	}
}

// checkRequests checks that the daemon got exactly want (or nothing, if
// want is nil).
func checkRequests(t *testing.T, f *fakeDaemon, method string, want proto.Message) {
	t.Helper()
	calls := f.seen()
	switch {
	case want == nil && len(calls) > 0:
		t.Errorf("daemon got %s, want no request at all", calls[0].method)
	case want != nil && (len(calls) != 1 || calls[0].method != method || !proto.Equal(calls[0].req, want)):
		t.Errorf("daemon got %v, want one %s %v", calls, method, want)
	}
}

// runAgainst runs cctvctl against a fresh fake daemon.
func runAgainst(t *testing.T, f *fakeDaemon, args ...string) result {
	t.Helper()
	c, _, _ := cli(startDaemon(t, f))
	return run(t, c, args...)
}

// Fixture values.

var t0 = time.Date(2026, 11, 18, 0, 0, 0, 0, time.UTC)

func at(d time.Duration) *timestamppb.Timestamp { return timestamppb.New(t0.Add(d)) }

func dur(d time.Duration) *durationpb.Duration { return durationpb.New(d) }

func progress(phase cctvv1.ConversionPhase, mod func(p *cctvv1.ConversionProgress)) *cctvv1.ConvertDayResponse {
	p := &cctvv1.ConversionProgress{Date: "2026-11-18", Phase: phase}
	if mod != nil {
		mod(p)
	}
	return &cctvv1.ConvertDayResponse{Event: &cctvv1.ConvertDayResponse_Progress{Progress: p}}
}

func encoding(chunk int32, frames int64, speed float64, eta time.Duration) *cctvv1.ConvertDayResponse {
	return progress(cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING, func(p *cctvv1.ConversionProgress) {
		p.Chunk, p.ChunkCount = chunk, 2
		p.Frames, p.TotalFrames = frames, 1000
		p.Speed, p.Eta = speed, dur(eta)
	})
}
