package control

import (
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// Phase is the step a conversion is at; they follow in the order below.
type Phase string

// Phases. PhaseDone, PhaseFailed and PhaseCancelled end a conversion.
const (
	PhaseQueued       Phase = "queued"
	PhasePlanning     Phase = "planning"
	PhaseEncoding     Phase = "encoding"
	PhaseJoining      Phase = "joining"
	PhaseVerifying    Phase = "verifying"
	PhaseChecksumming Phase = "checksumming"
	PhaseCommitting   Phase = "committing"
	PhaseDone         Phase = "done"
	PhaseFailed       Phase = "failed"
	PhaseCancelled    Phase = "cancelled"
)

// final reports whether p ends a conversion.
func (p Phase) final() bool {
	return p == PhaseDone || p == PhaseFailed || p == PhaseCancelled
}

// Progress is a conversion's state at one moment.
type Progress struct {
	Date  day.Date
	Phase Phase
	// Chunk is the chunk being encoded, 1-based, of Chunks.
	Chunk, Chunks int
	// Frames encoded so far over the whole day, of TotalFrames.
	Frames, TotalFrames int64
	// OutTime is the footage time encoded so far, of TotalTime.
	OutTime, TotalTime time.Duration
	// Speed is the encoding speed as a multiple of real time; 0 when not encoding.
	Speed float64
	// ETA is the estimated time left; 0 when unknown.
	ETA time.Duration
	// Started is when the conversion started, Updated when this was measured.
	Started, Updated time.Time
	// Err is why it failed or was cancelled; StderrTail is the encoder's
	// last lines when the encoder failed.
	Err        error
	StderrTail []string
	// Archive, ArchiveBytes and SHA512 describe the archive written (PhaseDone).
	Archive      string
	ArchiveBytes int64
	SHA512       string
}

// JobState is where a day is for the archiver.
type JobState string

// Job states.
const (
	JobQueued     JobState = "queued"
	JobConverting JobState = "converting"
	JobFailed     JobState = "failed"    // retried at Job.NextAttempt
	JobCancelled  JobState = "cancelled" // waits for a Convert
	JobArchived   JobState = "archived"
	JobIdle       JobState = "idle" // nothing to archive, only kept files
)

// Pending is a day's unfinished conversion work kept on disk: interrupted
// (its finished chunks are reused) or forced and not done yet (a restart
// takes it up even before the day is due).
type Pending struct {
	Date   day.Date
	Forced bool
	// ChunksDone of Chunks are encoded; Chunks is 0 when not planned yet.
	ChunksDone, Chunks int
	// Committing: the archive is verified and being put in place.
	Committing bool
}

// Job is one day the archiver knows of.
type Job struct {
	Date  day.Date
	State JobState
	// Progress is the current conversion's, or the last one's.
	Progress Progress
	// Err is the last failure; NextAttempt is when a failed day is retried.
	Err         error
	NextAttempt time.Time
}

// active reports a job queued or converting.
func (j *Job) active() bool { return j.State == JobQueued || j.State == JobConverting }

// Cancelled describes a cancelled conversion.
type Cancelled struct {
	// Phase is where it was when it was stopped.
	Phase Phase
	// Removed counts the temporary files removed.
	Removed int
}

// Plan is what converting a day does, or would do.
type Plan struct {
	Date day.Date
	// Output is the archive to write, e.g. video.mp4.
	Output string
	// Plan orders the segments that go in and names the files that stay
	// out, with the findings.
	ts.Plan
	// Chunks split the segments into the pieces encoded one by one.
	Chunks []Chunk
	// Due reports whether the settle time has passed.
	Due bool
	// EncoderArgs is the encoder's command line for one chunk, if known.
	EncoderArgs []string
}

// Chunk is a run of consecutive segments encoded into one file.
type Chunk struct {
	// Index is the chunk's 1-based position in the day.
	Index int
	// First and Count select Plan.Segments[First:First+Count].
	First, Count int
	Frames       int64
	Duration     time.Duration
	// Done reports a chunk finished by an earlier, interrupted run.
	Done bool
}
