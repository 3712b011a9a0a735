// Package control serves the gRPC control API of cctvd.
//
// The service (cctv.v1.CctvService) reads what the catalog knows of each
// day and asks the archiver to convert, cancel and verify days. It depends
// only on the small interfaces declared here, Days and Archiver, in terms
// of this package's plain types (DayInfo, Job, Progress, Plan, Report);
// adapt.go fits the real catalog and archiver to them. Domain errors are
// turned into gRPC status codes once, by toStatus, at the edge.
//
// A Server listens on a unix socket (mode 0660) or on TCP. TCP on an
// address that is not loopback needs TLS and a bearer token, checked on
// every call. Next to CctvService it serves the standard health service
// and server reflection, so grpcurl and health probes work.
package control

import (
	"context"

	"github.com/cctvd/cctvd/internal/day"
)

// Days is what the control plane reads of the day folders: the catalog.
type Days interface {
	// Days lists every day folder the root has, in any order.
	Days() []DayInfo
	// Day is what is known of one day folder, if the root has it.
	Day(d day.Date) (DayInfo, bool)
}

// Archiver is what the control plane asks of the archiver.
type Archiver interface {
	// Convert queues d now (force skips the settle time, nothing else) and
	// returns at once; if d is already queued or converting it does
	// nothing. With dryRun it queues and changes nothing and returns the
	// plan.
	Convert(ctx context.Context, d day.Date, force, dryRun bool) (*Plan, error)
	// Watch follows d's conversion: the channel receives its progress (a
	// slow reader may miss reports but always gets the last) and is closed
	// after the final one. stop ends the watch early.
	Watch(d day.Date) (ch <-chan Progress, stop func(), err error)
	// Cancel stops d's conversion, queued or running, and removes its
	// temporary files; the segments stay as they are.
	Cancel(ctx context.Context, d day.Date) (Cancelled, error)
	// Status lists the days the archiver knows of: queued, converting,
	// failed, cancelled and done.
	Status() []Job
	// Pending lists the unfinished conversion work kept on disk.
	Pending() []Pending
	// Verify checks d now: archives re-hashed and probed, the remaining
	// files scanned. It changes nothing.
	Verify(ctx context.Context, d day.Date) (*Report, error)
}
