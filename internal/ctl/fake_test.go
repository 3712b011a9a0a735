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

func answer[T any](ctx context.Context, f *fakeDaemon, resp T) (T, error) {
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
	f.record("GetStatus", req)
	return answer(ctx, f, f.status)
}

func (f *fakeDaemon) ListDays(ctx context.Context, req *cctvv1.ListDaysRequest) (*cctvv1.ListDaysResponse, error) {
	f.record("ListDays", req)
	return answer(ctx, f, f.days)
}

func (f *fakeDaemon) VerifyDay(ctx context.Context, req *cctvv1.VerifyDayRequest) (*cctvv1.VerifyDayResponse, error) {
	f.record("VerifyDay", req)
	return answer(ctx, f, f.verify)
}

func (f *fakeDaemon) CancelConversion(ctx context.Context, req *cctvv1.CancelConversionRequest) (*cctvv1.CancelConversionResponse, error) {
	f.record("CancelConversion", req)
	return answer(ctx, f, f.cancel)
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
	s := grpc.NewServer()
	cctvv1.RegisterCctvServiceServer(s, f)
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(lis)
	}()
	t.Cleanup(func() {
		s.Stop()
		<-done
	})
	return "unix://" + sock
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
