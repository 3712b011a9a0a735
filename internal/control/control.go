// Package control serves the gRPC control API of cctvd.
//
// The service (cctv.v1.CctvService) serves the cameras Deps.Cameras lists,
// each with its own catalog and archiver (camera.go): it reads what a
// camera's catalog knows of each day and asks the camera's archiver to
// convert, cancel and verify days. A request without a camera is the
// default camera's (ROOT/YYYY-MM-DD), so clients older than cameras work
// on as before; ListDays without one lists every camera's days. It speaks
// the archiver's own types (archive.Plan, archive.Progress, archive.Report)
// through Archiver, a consumer-side interface that *archive.Archiver
// satisfies; Days fits the catalog to DayInfo (days.go). Each RPC has a
// file, rpc_NAME.go, with its handler and the builders of its messages.
// Errors are turned into gRPC status codes once, by toStatus, at the edge
// (errors.go).
//
// A Server listens on a unix socket (mode 0660) or on TCP. TCP on an
// address that is not loopback needs TLS and a bearer token, checked on
// every call. Next to CctvService it serves the standard health service
// and server reflection, so grpcurl and health probes work.
package control

import (
	"context"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
)

// Archiver is what the control plane asks of the archiver: *archive.Archiver.
type Archiver interface {
	// Convert queues d now (force skips the settle time, nothing else) and
	// returns at once; with dryRun it queues and changes nothing and
	// returns the plan.
	Convert(ctx context.Context, d day.Date, force, dryRun bool) (*archive.Plan, error)
	// Watch follows d's conversion until its final report; stop ends the
	// watch early.
	Watch(d day.Date) (ch <-chan archive.Progress, stop func(), err error)
	// Cancel stops d's conversion, queued or running.
	Cancel(ctx context.Context, d day.Date) (archive.Cancelled, error)
	// Status lists the days the archiver knows of.
	Status() archive.Status
	// Pending lists the unfinished conversion work kept on disk.
	Pending() []archive.Pending
	// Verify checks d now and changes nothing.
	Verify(ctx context.Context, d day.Date) (*archive.Report, error)
}

var _ Archiver = (*archive.Archiver)(nil)
