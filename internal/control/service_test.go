package control

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/encode"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// call makes one RPC of any kind and returns its error; ConvertDay's is
// the stream's first.
func call(ctx context.Context, api cctvv1.CctvServiceClient, rpc, date string, force bool) error {
	var err error
	switch rpc {
	case "GetStatus":
		_, err = api.GetStatus(ctx, &cctvv1.GetStatusRequest{})
	case "ListDays":
		_, err = api.ListDays(ctx, &cctvv1.ListDaysRequest{})
	case "VerifyDay":
		_, err = api.VerifyDay(ctx, &cctvv1.VerifyDayRequest{Date: date})
	case "CancelConversion":
		_, err = api.CancelConversion(ctx, &cctvv1.CancelConversionRequest{Date: date})
	case "ConvertDay":
		var s cctvv1.CctvService_ConvertDayClient
		if s, err = api.ConvertDay(ctx, &cctvv1.ConvertDayRequest{Date: date, Force: force, DryRun: true}); err == nil {
			_, err = s.Recv()
		}
		if !force {
			// A real run: the first message or the refusal.
			s, err = api.ConvertDay(ctx, &cctvv1.ConvertDayRequest{Date: date})
			if err == nil {
				_, err = s.Recv()
			}
		}
	default:
		panic(rpc)
	}
	return err
}

func TestErrorCodes(t *testing.T) {
	h := serve(t, Config{})
	tests := []struct {
		name    string
		rpc     string
		date    string
		force   bool
		archErr error // the archiver's answer to everything
		code    codes.Code
		msg     string // in the status message
	}{
		{name: "bad date verify", rpc: "VerifyDay", date: "2024-13-45", code: codes.InvalidArgument, msg: `"2024-13-45": not a date (want YYYY-MM-DD)`},
		{name: "bad date convert", rpc: "ConvertDay", date: "2024-13-45", code: codes.InvalidArgument},
		{name: "bad date cancel", rpc: "CancelConversion", date: "2024-2-3", code: codes.InvalidArgument},
		{name: "empty date", rpc: "VerifyDay", date: "", code: codes.InvalidArgument},
		{name: "unknown day verify", rpc: "VerifyDay", date: "2020-01-01", code: codes.NotFound, msg: "unknown day"},
		{name: "unknown day convert", rpc: "ConvertDay", date: "2020-01-01", code: codes.NotFound},
		{name: "today without force", rpc: "ConvertDay", date: "2026-11-25", code: codes.FailedPrecondition, msg: "still being recorded"},
		{name: "settling without force", rpc: "ConvertDay", date: "2026-11-24", code: codes.FailedPrecondition, msg: "still settling"},
		{name: "cancel idle day", rpc: "CancelConversion", date: "2026-11-20", code: codes.FailedPrecondition, msg: "not being converted"},
		{name: "nothing to do", rpc: "ConvertDay", date: "2026-11-20", force: true,
			archErr: fmt.Errorf("convert 2026-11-20: %w", archive.ErrNothingToDo), code: codes.FailedPrecondition},
		{name: "committing", rpc: "CancelConversion", date: "2026-11-22",
			archErr: fmt.Errorf("cancel 2026-11-22: %w", archive.ErrCommitting), code: codes.FailedPrecondition},
		{name: "no encoder", rpc: "ConvertDay", date: "2026-11-22", force: true,
			archErr: fmt.Errorf("%w: exec: \"ffmpeg\": not found", encode.ErrFFmpegMissing), code: codes.FailedPrecondition},
		{name: "internal", rpc: "VerifyDay", date: "2026-11-22", archErr: errors.New("Disk on fire"),
			code: codes.Internal, msg: "disk on fire"},
		{name: "status", rpc: "GetStatus", code: codes.OK},
		{name: "days", rpc: "ListDays", code: codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.arc.err = tt.archErr
			t.Cleanup(func() { h.arc.err = nil })
			err := call(t.Context(), h.api, tt.rpc, tt.date, tt.force)
			st := status.Convert(err)
			if st.Code() != tt.code || !strings.Contains(st.Message(), tt.msg) {
				t.Errorf("got %v %q; want %v with %q", st.Code(), st.Message(), tt.code, tt.msg)
			}
			if msg := st.Message(); msg != "" && strings.ToLower(msg[:1]) != msg[:1] {
				t.Errorf("message %q is not lower-case", msg)
			}
		})
	}
	if len(h.arc.queued) != 0 {
		t.Errorf("refused requests queued %v", h.arc.queued)
	}
}
