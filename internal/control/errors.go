package control

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/retention"
	"github.com/cctvd/cctvd/internal/scrub"
)

var (
	// ErrShuttingDown ends the calls still running when the server stops.
	ErrShuttingDown = errors.New("cctvd is shutting down")

	// errInvalid marks a request the API does not allow.
	errInvalid = errors.New("invalid request")
	// errNoPlan reports an archiver that answered a dry run without a plan.
	errNoPlan = errors.New("dry run gave no plan")
	// errNoExports reports a camera served without an exporter.
	errNoExports = errors.New("exports are off")
)

// codes of the errors the domain reports, first match wins. The
// archiver's and the encoder's sentinels are mapped here, and only here.
var errorCodes = []struct {
	err  error
	code codes.Code
}{
	{day.ErrBadDate, codes.InvalidArgument},
	{errInvalid, codes.InvalidArgument},
	{archive.ErrUnknownDay, codes.NotFound},
	{errNoCamera, codes.NotFound},
	{archive.ErrToday, codes.FailedPrecondition},
	{archive.ErrTooYoung, codes.FailedPrecondition},
	{archive.ErrNothingToDo, codes.FailedPrecondition},
	{archive.ErrArchived, codes.AlreadyExists},
	{archive.ErrNotConverting, codes.FailedPrecondition},
	{archive.ErrCommitting, codes.FailedPrecondition},
	{retention.ErrNotHeld, codes.NotFound},
	{retention.ErrNoReason, codes.InvalidArgument},
	{errNoRetention, codes.FailedPrecondition},
	{encode.ErrFFmpegMissing, codes.FailedPrecondition},
	{encode.ErrNoX265, codes.FailedPrecondition},
	{scrub.ErrNoArchive, codes.FailedPrecondition},
	{scrub.ErrBusy, codes.FailedPrecondition},
	{scrub.ErrUnknownCamera, codes.NotFound},
	{errNoScrub, codes.FailedPrecondition},
	{export.ErrBadRange, codes.InvalidArgument},
	{export.ErrTooLong, codes.OutOfRange},
	{export.ErrNoFootage, codes.NotFound},
	{export.ErrBusy, codes.ResourceExhausted},
	{export.ErrArchived, codes.Unimplemented},
	{ErrShuttingDown, codes.Unavailable},
	{context.Canceled, codes.Canceled},
	{context.DeadlineExceeded, codes.DeadlineExceeded},
}

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

func codeOf(err error) codes.Code {
	for _, e := range errorCodes {
		if errors.Is(err, e.err) {
			return e.code
		}
	}
	return codes.Internal
}

// kindError marks err with kind, so that errors.Is finds both; its
// message is err's.
type kindError struct {
	kind, err error
}

func (e *kindError) Error() string   { return e.err.Error() }
func (e *kindError) Unwrap() []error { return []error{e.err, e.kind} }

// markAs marks err with kind; nil stays nil.
func markAs(err, kind error) error {
	if err == nil {
		return nil
	}
	return &kindError{kind: kind, err: err}
}

// errText is err's message as a message field carries it, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return lowerFirst(err.Error())
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
