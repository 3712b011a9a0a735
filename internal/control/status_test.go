package control

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/day"
)

func TestToStatus(t *testing.T) {
	_, badDate := day.Parse("2024-13-45")
	tests := []struct {
		name string
		err  error
		code codes.Code
		msg  string
	}{
		{"bad date", badDate, codes.InvalidArgument, `"2024-13-45": not a date (want YYYY-MM-DD)`},
		{"unknown day", markAs(errors.New("verify: day 2020-01-01: unknown day"), ErrUnknownDay), codes.NotFound, "verify: day 2020-01-01: unknown day"},
		{"wrapped", fmt.Errorf("convert: %w", markAs(errors.New("due at noon"), ErrTooYoung)), codes.FailedPrecondition, "convert: due at noon"},
		{"today", ErrToday, codes.FailedPrecondition, "day is still being recorded"},
		{"nothing to do", ErrNothingToDo, codes.FailedPrecondition, "nothing to archive"},
		{"not converting", ErrNotConverting, codes.FailedPrecondition, "day is not being converted"},
		{"committing", ErrCommitting, codes.FailedPrecondition, "archive is being committed"},
		{"no encoder", ErrNoEncoder, codes.FailedPrecondition, "encoder missing"},
		{"shutting down", ErrShuttingDown, codes.Unavailable, "cctvd is shutting down"},
		{"cancelled", fmt.Errorf("verify: %w", context.Canceled), codes.Canceled, "verify: context canceled"},
		{"deadline", context.DeadlineExceeded, codes.DeadlineExceeded, "context deadline exceeded"},
		{"other", errors.New("Open /x: permission denied"), codes.Internal, "open /x: permission denied"},
		{"initialism kept", errors.New("EOF"), codes.Internal, "EOF"},
		{"a status passes", status.Error(codes.Unauthenticated, "invalid token"), codes.Unauthenticated, "invalid token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := status.Convert(toStatus(tt.err))
			if st.Code() != tt.code || st.Message() != tt.msg {
				t.Errorf("got %v %q, want %v %q", st.Code(), st.Message(), tt.code, tt.msg)
			}
		})
	}
	if toStatus(nil) != nil {
		t.Error("nil is not nil")
	}
}
