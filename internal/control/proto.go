package control

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// Builders of the well-known types every message uses: unset rather than
// zero where the API says "if known".

// timeProto is t, or unset for the zero time.
func timeProto(t time.Time) *timestamppb.Timestamp {
	if t.IsZero() {
		return nil
	}
	// A folder named 9999-12-31 (a camera clock gone wild) is due in the
	// year 10000, which a Timestamp cannot hold: leave such a time unset
	// rather than fail the whole answer.
	ts := timestamppb.New(t)
	if ts.CheckValid() != nil {
		return nil
	}
	return ts
}

// durProto is d, always set.
func durProto(d time.Duration) *durationpb.Duration { return durationpb.New(d) }

// optDurProto is d, or unset for 0 (unknown, or no length).
func optDurProto(d time.Duration) *durationpb.Duration {
	if d == 0 {
		return nil
	}
	return durationpb.New(d)
}
