package ctl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Exit codes, as grep has them: 1 is an answer, 2 is an error.
const (
	exitOK          = 0
	exitNo          = 1 // verify found problems; a conversion failed or was cancelled
	exitError       = 2 // usage, malformed date, daemon unreachable, request refused
	exitInterrupted = 130
)

// ExitError is an error that ends cctvctl with a given exit code.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// ExitCode is the exit code for Run's error: 0 for nil, the code of an
// ExitError, 130 for an interrupt, 2 for any other error.
func ExitCode(err error) int {
	var e *ExitError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &e):
		return e.Code
	case errors.Is(err, context.Canceled), status.Code(err) == codes.Canceled:
		return exitInterrupted
	default:
		return exitError
	}
}

func usageErr(err error) error { return &ExitError{Code: exitError, Err: err} }

// answerErr is a "no" answer (exit 1): findings, a failed conversion.
func answerErr(err error) error { return &ExitError{Code: exitNo, Err: err} }

// rpcError turns an RPC's error into one line a person understands, keeping
// the gRPC status in the chain (status.FromError still finds it).
func (r *runner) rpcError(what string, err error) error {
	st, ok := status.FromError(err)
	if !ok {
		return fmt.Errorf("%s: %w", what, err)
	}
	var msg string
	switch st.Code() {
	case codes.NotFound:
		msg = "not found: " + st.Message()
	case codes.InvalidArgument, codes.FailedPrecondition, codes.AlreadyExists, codes.Aborted:
		msg = st.Message()
	case codes.DeadlineExceeded:
		msg = fmt.Sprintf("no answer from cctvd within %v (see --timeout)", r.opts.timeout)
	case codes.Unavailable:
		msg = "cctvd is not available: " + st.Message()
		if strings.Contains(st.Message(), "server preface") && r.security().caFile == "" {
			msg += " (if it serves TLS, pass --tls-ca)"
		}
	case codes.Unimplemented:
		msg = "cctvd does not support this request (is it older than cctvctl?)"
	case codes.PermissionDenied, codes.Unauthenticated:
		msg = "not allowed: " + st.Message()
	case codes.Canceled:
		msg = "interrupted"
	default:
		msg = fmt.Sprintf("%s (%s)", st.Message(), st.Code())
	}
	return fmt.Errorf("%s: %w", what, &rpcErr{msg: msg, err: err})
}

type rpcErr struct {
	msg string
	err error
}

func (e *rpcErr) Error() string { return e.msg }
func (e *rpcErr) Unwrap() error { return e.err }
