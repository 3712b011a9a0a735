package control

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/day"
)

// toStatus turns an error of the domain into the gRPC status the client
// gets. It is the only place codes are chosen; nil stays nil.
func toStatus(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := err.(interface{ GRPCStatus() *status.Status }); ok {
		return err // already a status, e.g. from an interceptor
	}
	return status.Error(codeOf(err), lowerFirst(err.Error()))
}

// codes of the errors the domain reports, first match wins.
var errorCodes = []struct {
	err  error
	code codes.Code
}{
	{day.ErrBadDate, codes.InvalidArgument},
	{errInvalid, codes.InvalidArgument},
	{ErrUnknownDay, codes.NotFound},
	{ErrToday, codes.FailedPrecondition},
	{ErrTooYoung, codes.FailedPrecondition},
	{ErrNothingToDo, codes.FailedPrecondition},
	{ErrArchived, codes.AlreadyExists},
	{ErrNotConverting, codes.FailedPrecondition},
	{ErrCommitting, codes.FailedPrecondition},
	{ErrNoEncoder, codes.FailedPrecondition},
	{ErrShuttingDown, codes.Unavailable},
	{context.Canceled, codes.Canceled},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
}

func codeOf(err error) codes.Code {
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return codes.Internal
}

// lowerFirst keeps messages lower-case even when an error from outside
// starts with a capital; an initialism ("EOF", "TLS") stays as it is.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if !unicode.IsUpper(r) {
		return s
	}
	if next, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsUpper(next) {
		return s
	}
	return strings.ToLower(s[:n]) + s[n:]
}
