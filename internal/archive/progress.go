package archive

import (
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Phase is how far a run is (job.go); phases follow in this order.
type Phase string

// Phases. Done, Failed and Cancelled end a conversion.
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

// Final reports whether the phase ends a conversion.
func (p Phase) Final() bool {
	return p == PhaseDone || p == PhaseFailed || p == PhaseCancelled
}

// Progress is a conversion's state at one moment.
type Progress struct {
	Date  day.Date
	Phase Phase
	// Chunk is the chunk being encoded, 1-based, of Chunks.
	Chunk, Chunks int
	// Frames encoded so far over the whole day, finished chunks included,
	// of TotalFrames.
	Frames, TotalFrames int64
	// OutTime is the footage time encoded so far, of TotalTime.
	OutTime, TotalTime time.Duration
	// Speed is the encoder's speed as a multiple of real time; 0 when not encoding.
	Speed float64
	// ETA is the estimated time left; 0 when unknown.
	ETA time.Duration
	// Started is when the conversion started; Updated when this was measured.
	Started, Updated time.Time
	// Err is why the conversion failed or was cancelled; StderrTail holds
	// ffmpeg's last lines when ffmpeg failed.
	Err        error
	StderrTail []string
	// Archive, ArchiveBytes and SHA512 describe the archive written (PhaseDone).
	Archive      string
	ArchiveBytes int64
	SHA512       string
}

// watcher receives a conversion's progress. Its channel holds the latest
// report only: a slow reader skips reports but always sees the last one.
type watcher struct{ ch chan Progress }

func newWatcher() *watcher { return &watcher{ch: make(chan Progress, 1)} }

// send replaces any unread report by p. Sends are serialised by the caller.
func (w *watcher) send(p Progress) {
	select {
	case <-w.ch:
	default:
	}
	w.ch <- p
}
