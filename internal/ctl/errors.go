package ctl

import (
	"context"
	"encoding/json"
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

// Report prints Run's error on Stderr as "cctvctl: <err>", unless Run
// already printed it (as JSON, with --json); nil prints nothing.
func (c *CLI) Report(err error) {
	var done *reportedError
	if err == nil || errors.As(err, &done) {
		return
	}
	fmt.Fprintf(c.Stderr, "cctvctl: %v\n", err)
}

// reportedError is an error Run already printed.
type reportedError struct{ err error }

func (e *reportedError) Error() string { return e.err.Error() }
func (e *reportedError) Unwrap() error { return e.err }

// jsonError is how an error reads with --json: one line on stderr, so that
// a script reading stdout as JSON is never handed plain text, and one
// reading stderr can tell errors apart without parsing English.
type jsonError struct {
	Error    string `json:"error"`
	ExitCode int    `json:"exit_code"`
	// GRPCCode is the daemon's status code, when it answered with one.
	GRPCCode string `json:"grpc_code,omitempty"`
}

// reportJSON prints err as a jsonError and marks it printed; the exit code
// stays what it was.
func (r *runner) reportJSON(err error) error {
	je := jsonError{Error: err.Error(), ExitCode: ExitCode(err)}
	if st, ok := status.FromError(err); ok && st.Code() != codes.OK && st.Code() != codes.Unknown {
		je.GRPCCode = st.Code().String()
	}
	b, jerr := json.Marshal(je)
	if jerr != nil {
		return err
	}
	if _, werr := fmt.Fprintf(r.Stderr, "%s\n", b); werr != nil {
		return err
	}
	return &reportedError{err: err}
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
	text := withoutContext(st.Message(), what)
	switch st.Code() {
	case codes.NotFound:
		msg = "not found: " + text
	case codes.InvalidArgument, codes.FailedPrecondition, codes.AlreadyExists, codes.Aborted:
		msg = text
	case codes.DeadlineExceeded:
		msg = fmt.Sprintf("no answer from cctvd within %v (see --timeout)", r.opts.timeout)
	case codes.Unavailable:
		if answersHTTP1(r.target, r.opts.timeout) {
			msg = fmt.Sprintf("%s answers in HTTP/1, not gRPC: that is a web server, such as cctvd's HTTP port (--http); "+
				"give --addr cctvd's control address (its --grpc, by default the unix socket)", r.target)
			break
		}
		msg = "cctvd is not available: " + st.Message()
		if strings.Contains(st.Message(), "server preface") && r.security().caFile == "" {
			msg += " (if it serves TLS, pass --tls-ca)"
		}
	case codes.Unimplemented:
		msg = "cctvd does not support this request (is it older than cctvctl?)"
	case codes.PermissionDenied, codes.Unauthenticated:
		msg = "not allowed: " + text
	case codes.Canceled:
		msg = "interrupted"
	default:
		msg = fmt.Sprintf("%s (%s)", text, st.Code())
	}
	return fmt.Errorf("%s: %w", what, &rpcErr{msg: msg, err: err})
}

// withoutContext drops from a daemon's message the context cctvctl puts
// before it anyway: cctvd says "convert 2026-11-29: day is still being
// recorded" (or "convert: day 2026-11-29: unknown day") so that its log and
// other clients know what failed, and what is "convert 2026-11-29".
//
// For another camera's day, what is "convert front/2026-11-29" while the
// camera's archiver says "convert 2026-11-29: …".
func withoutContext(msg, what string) string {
	if rest, ok := strings.CutPrefix(msg, what+": "); ok {
		return rest
	}
	verb, arg, _ := strings.Cut(what, " ")
	if _, date, ok := strings.Cut(arg, "/"); ok {
		if rest, ok := strings.CutPrefix(msg, verb+" "+date+": "); ok {
			return rest
		}
	}
	if rest, ok := strings.CutPrefix(msg, verb+": "); ok {
		return rest
	}
	return msg
}

type rpcErr struct {
	msg string
	err error
}

func (e *rpcErr) Error() string { return e.msg }
func (e *rpcErr) Unwrap() error { return e.err }
