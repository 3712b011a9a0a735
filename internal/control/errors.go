package control

import "errors"

// Errors of the domain that the control plane tells apart. The archiver
// adapter (adapt.go) marks the domain's own errors with them, keeping the
// original error and its message; toStatus turns them into status codes.
var (
	// ErrUnknownDay reports a well-formed date the root has no folder for.
	ErrUnknownDay = errors.New("unknown day")
	// ErrToday reports today or a later day: it is still being recorded.
	ErrToday = errors.New("day is still being recorded")
	// ErrTooYoung reports a day still settling, converted without force.
	ErrTooYoung = errors.New("day is still settling")
	// ErrNothingToDo reports a day with no segments left to archive.
	ErrNothingToDo = errors.New("nothing to archive")
	// ErrArchived reports a day whose footage is all archived already.
	ErrArchived = errors.New("already archived")
	// ErrNotConverting reports a cancel of a day that is not queued or converting.
	ErrNotConverting = errors.New("day is not being converted")
	// ErrCommitting reports a cancel that came too late: the verified
	// archive is being committed.
	ErrCommitting = errors.New("archive is being committed")
	// ErrNoEncoder reports that the encoder (ffmpeg) cannot be run.
	ErrNoEncoder = errors.New("encoder missing")
	// ErrShuttingDown ends the calls still running when the server stops.
	ErrShuttingDown = errors.New("cctvd is shutting down")

	// errInvalid marks a request the API does not allow.
	errInvalid = errors.New("invalid request")
)

// kindError marks err with one of the errors above, so that errors.Is
// finds both; its message is err's.
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
