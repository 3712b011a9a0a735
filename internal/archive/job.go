package archive

import (
	"context"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// Where a day is has four names, one for each reader, and no other:
//
//   - State is the day in this process: what Status reports and what the
//     scheduler decides on. It lives in memory only; a restart rebuilds
//     it from the disk (recover, the forced records, the day folders).
//   - Phase is how far a run is: what Watch streams (Progress.Phase).
//     While the state is converting it says where (planning …
//     committing); each run's last report has a final phase (done,
//     failed, cancelled). Committing also says that Cancel is too late.
//   - The manifest phase (encoding, verified, committed; manifest.go) is
//     the run on disk, all of it that survives a crash: recovery resumes
//     from it, and segments are deleted only once it is committed.
//   - Step is no state but a point the pipeline just passed, told to
//     Config.AfterStep so that tests can kill or stop the process there.
//
// A job's state, progress and bookkeeping change together, only through
// the transition methods below, each called with a.mu held:
//
//	(new), archived, idle, cancelled, failed ──queue──▶ queued
//	queued ──start──▶ converting      (recovery: an unfinished commit ──start──▶ converting)
//	queued ──cancel──▶ cancelled
//	converting ──archived──▶ archived       ──idle──▶ idle
//	converting ──fail──▶ failed             ──cancel──▶ cancelled
//	converting ──interrupt (shutdown)──▶ queued   ──queue (join again)──▶ queued
//
// Leaving converting ends the run: its context is released and done is
// closed. What is not the job's stays with the Archiver: the run's
// goroutine, the forced record on disk (pending.go), logs and metrics.

// State is where a day is in this process (see above).
type State string

// States.
const (
	StateQueued     State = "queued"
	StateConverting State = "converting"
	// StateFailed days are retried at DayStatus.NextAttempt.
	StateFailed State = "failed"
	// StateCancelled days wait for Convert (or a restart of cctvd).
	StateCancelled State = "cancelled"
	// StateArchived days were archived by this process; kept files may remain.
	StateArchived State = "archived"
	// StateIdle days have no segments to archive, only kept files.
	StateIdle State = "idle"
)

// job is a day the archiver has dealt with.
type job struct {
	date  day.Date
	state State
	// force says the conversion was asked for before the day was due; it
	// lasts until the conversion ends (archived, idle or cancelled).
	force bool
	// attempts counts failures in a row; nextAttempt is set while failed.
	attempts    int
	nextAttempt time.Time
	// err and stderr are the last failure's, kept until a run succeeds.
	err      error
	stderr   []string
	progress Progress
	kept     []ts.Kept
	findings []ts.Finding
	// listing is the folder's fingerprint when the day was last found
	// archived or idle: the same folder needs no new look.
	listing uint64

	// stop, done and removed belong to the current or last run: stop ends
	// it, done is closed when it ended, removed counts the files a cancel
	// removed.
	stop     context.CancelCauseFunc
	done     chan struct{}
	removed  int
	watchers map[*watcher]struct{}
}

func newJob(date day.Date) *job {
	return &job{date: date, watchers: map[*watcher]struct{}{}}
}

func (j *job) active() bool { return j.state == StateQueued || j.state == StateConverting }

// committing reports a run past the point where Cancel could stop it.
func (j *job) committing() bool { return j.progress.Phase == PhaseCommitting }

// unchanged reports a day found archived or idle whose folder still looks
// as it did then (fingerprint sum): nothing new to archive.
func (j *job) unchanged(sum uint64) bool {
	return j != nil && (j.state == StateIdle || j.state == StateArchived) && j.listing == sum
}

// enter moves j to state s; leaving converting ends the run.
func (j *job) enter(s State) {
	if j.state == StateConverting && s != StateConverting {
		j.stop(nil)
		close(j.done)
	}
	j.state = s
}

// queue makes the day wait for a free slot. A failed day keeps its
// attempts, so that the backoff goes on, and its last error.
func (j *job) queue(force bool, now time.Time) {
	j.enter(StateQueued)
	j.force, j.nextAttempt = force, time.Time{}
	j.publish(Progress{Phase: PhaseQueued, Started: now}, now)
}

// start begins a run at phase, which stop ends: planning for a queued
// day, committing for one recovery found in the middle of its commit.
func (j *job) start(stop context.CancelCauseFunc, phase Phase, now time.Time) {
	j.enter(StateConverting)
	j.stop, j.done, j.removed = stop, make(chan struct{}), 0
	j.publish(Progress{Phase: phase, Started: now}, now)
}

// planned records what the run's plan left out and why.
func (j *job) planned(p *Plan) {
	j.kept, j.findings = p.Kept, p.Findings
}

// archived ends a run that committed res; listing is the folder after it.
func (j *job) archived(res *result, listing uint64, now time.Time) {
	j.settle(StateArchived, listing)
	p := j.progress
	j.publish(Progress{Phase: PhaseDone, Frames: p.TotalFrames, TotalFrames: p.TotalFrames,
		OutTime: p.TotalTime, TotalTime: p.TotalTime, Chunk: p.Chunks, Chunks: p.Chunks,
		Archive: res.output, ArchiveBytes: res.bytes, SHA512: res.sha512}, now)
}

// idle ends a run that found nothing to archive (why).
func (j *job) idle(why error, listing uint64, now time.Time) {
	j.settle(StateIdle, listing)
	j.publish(Progress{Phase: PhaseDone, Err: why}, now)
}

// settle ends the day's conversion well: whatever failed before is over.
func (j *job) settle(s State, listing uint64) {
	j.enter(s)
	j.listing, j.attempts, j.nextAttempt, j.err, j.stderr, j.force = listing, 0, time.Time{}, nil, nil, false
}

// fail ends a failed run; the day is tried again backoff(n) after its
// n-th failure in a row.
func (j *job) fail(err error, backoff func(failures int) time.Duration, now time.Time) {
	j.enter(StateFailed)
	j.attempts++
	j.err, j.stderr = err, stderrTail(err)
	j.nextAttempt = now.Add(backoff(j.attempts))
	p := j.progress
	j.publish(Progress{Phase: PhaseFailed, Err: err, StderrTail: j.stderr, Chunk: p.Chunk, Chunks: p.Chunks,
		Frames: p.Frames, TotalFrames: p.TotalFrames, TotalTime: p.TotalTime}, now)
}

// cancel ends a queued day's wait or a run stopped by Cancel, which
// removed that many work and temporary files.
func (j *job) cancel(removed int, now time.Time) {
	j.enter(StateCancelled)
	j.removed, j.force = removed, false
	j.publish(Progress{Phase: PhaseCancelled, Err: ErrCancelled}, now)
}

// interrupt ends a run stopped by shutdown (err): the day stays queued,
// forced or not, and the next start takes it up again.
func (j *job) interrupt(err error, now time.Time) {
	j.enter(StateQueued)
	j.publish(Progress{Phase: PhaseCancelled, Err: err}, now)
}

// publish records p as j's progress and passes it to the watchers; a
// final phase closes them.
func (j *job) publish(p Progress, now time.Time) {
	p.Date = j.date
	p.Updated = now
	if p.Started.IsZero() {
		p.Started = j.progress.Started
	}
	j.progress = p
	for w := range j.watchers {
		w.send(p)
		if p.Phase.Final() {
			close(w.ch)
			delete(j.watchers, w)
		}
	}
}
