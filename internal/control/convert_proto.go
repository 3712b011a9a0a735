package control

import (
	"time"

	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// Conversions shared by the messages: unset rather than zero where the
// API says "if known".

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

// errText is err's message, or "" for nil.
func errText(err error) string {
	if err == nil {
		return ""
	}
	return lowerFirst(err.Error())
}

var phases = map[Phase]cctvv1.ConversionPhase{
	PhaseQueued:       cctvv1.ConversionPhase_CONVERSION_PHASE_QUEUED,
	PhasePlanning:     cctvv1.ConversionPhase_CONVERSION_PHASE_PLANNING,
	PhaseEncoding:     cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING,
	PhaseJoining:      cctvv1.ConversionPhase_CONVERSION_PHASE_JOINING,
	PhaseVerifying:    cctvv1.ConversionPhase_CONVERSION_PHASE_VERIFYING,
	PhaseChecksumming: cctvv1.ConversionPhase_CONVERSION_PHASE_CHECKSUMMING,
	PhaseCommitting:   cctvv1.ConversionPhase_CONVERSION_PHASE_COMMITTING,
	PhaseDone:         cctvv1.ConversionPhase_CONVERSION_PHASE_DONE,
	PhaseFailed:       cctvv1.ConversionPhase_CONVERSION_PHASE_FAILED,
	PhaseCancelled:    cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED,
}

// phaseProto is p's enum value; UNSPECIFIED for a phase this API lacks.
func phaseProto(p Phase) cctvv1.ConversionPhase { return phases[p] }

func progressProto(p *Progress) *cctvv1.ConversionProgress {
	return &cctvv1.ConversionProgress{
		Date:         p.Date.String(),
		Phase:        phaseProto(p.Phase),
		Chunk:        int32(p.Chunk),
		ChunkCount:   int32(p.Chunks),
		Frames:       p.Frames,
		TotalFrames:  p.TotalFrames,
		OutTime:      durProto(p.OutTime),
		TotalTime:    durProto(p.TotalTime),
		Speed:        p.Speed,
		Eta:          optDurProto(p.ETA),
		StartTime:    timeProto(p.Started),
		UpdateTime:   timeProto(p.Updated),
		Error:        errText(p.Err),
		StderrTail:   p.StderrTail,
		ArchiveFile:  p.Archive,
		ArchiveBytes: p.ArchiveBytes,
		Sha512:       p.SHA512,
	}
}

func progressMsg(p *Progress) *cctvv1.ConvertDayResponse {
	return &cctvv1.ConvertDayResponse{Event: &cctvv1.ConvertDayResponse_Progress{Progress: progressProto(p)}}
}

func planMsg(p *Plan) *cctvv1.ConvertDayResponse {
	return &cctvv1.ConvertDayResponse{Event: &cctvv1.ConvertDayResponse_Plan{Plan: planProto(p)}}
}
