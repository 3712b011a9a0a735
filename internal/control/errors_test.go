package control

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
)

// Every error of the domain that the client tells apart gets its code
// here, wrapped as the archiver wraps it, with its message kept.
func TestToStatus(t *testing.T) {
	_, badDate := day.Parse("2024-13-45")
	wrap := func(err error) error { return fmt.Errorf("convert 2026-11-20: %w", err) }
	tests := []struct {
		name string
		err  error
		code codes.Code
		msg  string
	}{
		{"bad date", badDate, codes.InvalidArgument, `"2024-13-45": not a date (want YYYY-MM-DD)`},
		{"invalid", markAs(errors.New("states: 42 is not a day state"), errInvalid), codes.InvalidArgument, "states: 42 is not a day state"},
		{"unknown day", wrap(archive.ErrUnknownDay), codes.NotFound, "convert 2026-11-20: unknown day"},
		{"today", wrap(archive.ErrToday), codes.FailedPrecondition, "convert 2026-11-20: day is still being recorded"},
		{"settling", fmt.Errorf("convert 2026-11-20: due at noon: %w", archive.ErrTooYoung), codes.FailedPrecondition,
			"convert 2026-11-20: due at noon: day is still settling"},
		{"nothing to do", wrap(archive.ErrNothingToDo), codes.FailedPrecondition, "convert 2026-11-20: nothing to archive"},
		{"archived", wrap(archive.ErrArchived), codes.AlreadyExists, "convert 2026-11-20: already archived"},
		{"not converting", wrap(archive.ErrNotConverting), codes.FailedPrecondition, "convert 2026-11-20: day is not being converted"},
		{"committing", wrap(archive.ErrCommitting), codes.FailedPrecondition, "convert 2026-11-20: archive is being committed"},
		{"no ffmpeg", wrap(encode.ErrFFmpegMissing), codes.FailedPrecondition, "convert 2026-11-20: " + encode.ErrFFmpegMissing.Error()},
		{"no x265", wrap(encode.ErrNoX265), codes.FailedPrecondition, "convert 2026-11-20: " + encode.ErrNoX265.Error()},
		{"locked", wrap(archive.ErrLocked), codes.Internal, "convert 2026-11-20: state folder is in use by another process"},
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
