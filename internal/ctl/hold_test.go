package ctl

import (
	"context"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// retentionDaemon is fakeDaemon with the retention RPCs.
type retentionDaemon struct {
	fakeDaemon
	hold    *cctvv1.HoldDayResponse
	release *cctvv1.ReleaseDayResponse
	plan    *cctvv1.PlanRetentionResponse
}

func (f *retentionDaemon) HoldDay(ctx context.Context, req *cctvv1.HoldDayRequest) (*cctvv1.HoldDayResponse, error) {
	return answer(ctx, &f.fakeDaemon, "HoldDay", req, f.hold)
}

func (f *retentionDaemon) ReleaseDay(ctx context.Context, req *cctvv1.ReleaseDayRequest) (*cctvv1.ReleaseDayResponse, error) {
	return answer(ctx, &f.fakeDaemon, "ReleaseDay", req, f.release)
}

func (f *retentionDaemon) PlanRetention(ctx context.Context, req *cctvv1.PlanRetentionRequest) (*cctvv1.PlanRetentionResponse, error) {
	return answer(ctx, &f.fakeDaemon, "PlanRetention", req, f.plan)
}

func TestHoldReleaseRetention(t *testing.T) {
	hold := &cctvv1.RetentionHold{Date: "2026-11-03", Camera: "garage", Reason: "break-in", Who: "alice", Time: at(9*time.Hour + 153192286)}
	for _, tc := range []struct {
		name     string
		daemon   *retentionDaemon
		args     []string
		method   string
		wantReq  proto.Message
		wantOut  string
		wantErr  string
		wantCode int
	}{
		{
			name:    "hold",
			daemon:  &retentionDaemon{hold: &cctvv1.HoldDayResponse{Hold: hold}, fakeDaemon: fakeDaemon{cameras: &cctvv1.ListCamerasResponse{}}},
			args:    []string{"hold", "garage/2026-11-03", "--reason", "break-in"},
			method:  "HoldDay",
			wantReq: &cctvv1.HoldDayRequest{Camera: "garage", Date: "2026-11-03", Reason: "break-in"},
			wantOut: "garage/2026-11-03: held (break-in), by alice at 2026-11-18 09:00:00\n",
		},
		{
			name:     "hold without a reason",
			daemon:   &retentionDaemon{},
			args:     []string{"hold", "2026-11-03"},
			wantErr:  "cctvctl: hold: --reason is required\n",
			wantCode: 2,
		},
		{
			name:     "release of a day not held",
			daemon:   &retentionDaemon{fakeDaemon: fakeDaemon{err: status.Error(codes.NotFound, "2026-11-03: day is not held")}},
			args:     []string{"release", "2026-11-03"},
			method:   "ReleaseDay",
			wantReq:  &cctvv1.ReleaseDayRequest{Date: "2026-11-03"},
			wantErr:  "cctvctl: release 2026-11-03: not found: 2026-11-03: day is not held\n",
			wantCode: 2,
		},
		{
			name:     "retention without --dry-run",
			daemon:   &retentionDaemon{},
			args:     []string{"retention"},
			wantErr:  "cctvctl: retention: only --dry-run is offered: cctvd itself deletes, as --keep-free and --max-age say\n",
			wantCode: 2,
		},
		{
			name: "retention --dry-run",
			daemon: &retentionDaemon{plan: &cctvv1.PlanRetentionResponse{FreeBytes: 1 << 30, KeepFreeBytes: 3 << 30, Short: false, ReferenceDate: "2026-11-18",
				Days: []*cctvv1.RetentionDay{
					{Date: "2026-10-01", Delete: true, Reason: "keep-free", ArchiveBytes: 2 << 30},
					{Date: "2026-10-02", Camera: "garage", Reason: "held", ArchiveBytes: 1 << 30},
					{Date: "2026-11-17", Reason: "settling"},
				}}},
			args:    []string{"retention", "--dry-run"},
			method:  "PlanRetention",
			wantReq: &cctvv1.PlanRetentionRequest{},
			wantOut: "free 1.0 GiB, --keep-free 3.0 GiB; ages counted from 2026-11-18\n" +
				"would delete 1 day (2.0 GiB)\n" +
				"CAMERA     DATE        ACTION  ARCHIVE  WHY\n" +
				"(default)  2026-10-01  DELETE  2.0 GiB  keep-free\n" +
				"garage     2026-10-02  keep    1.0 GiB  held\n" +
				"(default)  2026-11-17  keep    -        settling\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _, _ := cli(startDaemon(t, tc.daemon))
			c.Location = time.UTC
			run(t, c, tc.args...).expect(t, tc.wantCode, tc.wantOut, tc.wantErr)
			var calls []rpcCall
			for _, call := range tc.daemon.seen() {
				if call.method != "ListCameras" {
					calls = append(calls, call)
				}
			}
			switch {
			case tc.wantReq == nil && len(calls) > 0:
				t.Errorf("daemon got %s, want no request", calls[0].method)
			case tc.wantReq != nil && (len(calls) != 1 || calls[0].method != tc.method || !proto.Equal(calls[0].req, tc.wantReq)):
				t.Errorf("daemon got %v, want one %s %v", calls, tc.method, tc.wantReq)
			}
		})
	}
}
