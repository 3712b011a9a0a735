package archive

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
)

// jobLocked returns date's job, made if needed. a.mu is held.
func (a *Archiver) jobLocked(date day.Date) *job {
	j := a.days[date]
	if j == nil {
		j = newJob(date)
		a.days[date] = j
	}
	return j
}

// update changes j's progress under the lock.
func (a *Archiver) update(j *job, f func(p *Progress)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	p := j.progress
	f(&p)
	j.publish(p, a.cfg.Now())
}

func (a *Archiver) setPhase(j *job, ph Phase) {
	a.update(j, func(p *Progress) { p.Phase, p.Speed, p.ETA = ph, 0, 0 })
}

// Convert queues a day for archiving now rather than when it is due, and
// returns at once; Watch follows it. force skips the settle time, nothing
// else: today is never archived and nothing is deleted unless the archive
// verified. With dryRun nothing is queued or changed: Convert returns the
// plan (it scans every file).
func (a *Archiver) Convert(ctx context.Context, date day.Date, force, dryRun bool) (*Plan, error) {
	l, err := a.listDay(date)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	if dryRun {
		return a.dryRun(ctx, date)
	}
	now := a.cfg.Now()
	hasWork := l.candidates > 0 || a.hasManifest(date)
	// An archived day says so before anything about its settle time:
	// force would not change that there is nothing left to do.
	archived := l.archives()
	switch {
	case !date.Before(a.today()):
		return nil, fmt.Errorf("convert %s: %w", date, ErrToday)
	case !hasWork && len(archived) > 0:
		return nil, archivedErr(date, archived)
	case !force && now.Before(a.due(date)):
		return nil, fmt.Errorf("convert %s: due at %s: %w", date, a.due(date).Format(time.RFC3339), ErrTooYoung)
	}
	early := force && now.Before(a.due(date))
	a.mu.Lock()
	defer a.mu.Unlock()
	j := a.days[date]
	switch {
	case j != nil && j.active():
		if early {
			a.markForced(date)
		}
		j.force = j.force || force
		return nil, nil
	case !hasWork, j.unchanged(l.sum):
		if len(archived) > 0 {
			return nil, archivedErr(date, archived)
		}
		return nil, fmt.Errorf("convert %s: %w", date, ErrNothingToDo)
	}
	if early {
		// Before it is queued, so that the job's end always finds it.
		a.markForced(date)
	}
	a.jobLocked(date).queue(force, a.cfg.Now())
	a.Kick()
	return nil, nil
}

// archivedErr is ErrArchived for date, naming its archives.
func archivedErr(date day.Date, archives []string) error {
	return fmt.Errorf("convert %s: %w in %s", date, ErrArchived, strings.Join(archives, ", "))
}

// dryRun plans a day and marks the chunks an interrupted run finished.
func (a *Archiver) dryRun(ctx context.Context, date day.Date) (*Plan, error) {
	p, err := a.planDay(ctx, date)
	if err != nil {
		return nil, fmt.Errorf("convert %s: %w", date, err)
	}
	m, err := readManifest(a.workDir(date))
	if err == nil && m != nil && m.fits(p, a.settingsID()) {
		done := m.matchingChunks(p.Chunks)
		for i := range p.Chunks {
			p.Chunks[i].Done = i < done
		}
	}
	return p, nil
}

// Watch follows a day's conversion. The channel receives its progress,
// skipping reports a slow reader missed, and is closed after the final
// one (done, failed or cancelled). For a day whose conversion already
// ended it delivers that conversion's final report. stop ends the watch.
func (a *Archiver) Watch(date day.Date) (ch <-chan Progress, stop func(), err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	j := a.days[date]
	if j == nil || j.progress.Phase == "" {
		return nil, nil, fmt.Errorf("watch %s: %w", date, ErrNotConverting)
	}
	w := newWatcher()
	w.send(j.progress)
	if !j.active() {
		close(w.ch)
		return w.ch, func() {}, nil
	}
	j.watchers[w] = struct{}{}
	return w.ch, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		if _, ok := j.watchers[w]; ok {
			delete(j.watchers, w)
			close(w.ch)
		}
	}, nil
}

// Cancelled describes a cancelled conversion.
type Cancelled struct {
	// Phase is where the conversion was when it was stopped.
	Phase Phase
	// Removed counts the work and temporary files removed.
	Removed int
}

// Cancel stops a day's conversion, queued or running: ffmpeg is killed and
// the work and temporary files are removed; the segments stay as they are.
// The day is not archived again until Convert asks for it (or cctvd
// restarts). It fails with ErrCommitting once the archive is being committed.
func (a *Archiver) Cancel(ctx context.Context, date day.Date) (Cancelled, error) {
	a.mu.Lock()
	j := a.days[date]
	switch {
	case j == nil || !j.active():
		a.mu.Unlock()
		return Cancelled{}, fmt.Errorf("cancel %s: %w", date, ErrNotConverting)
	case j.committing():
		a.mu.Unlock()
		return Cancelled{}, fmt.Errorf("cancel %s: %w", date, ErrCommitting)
	case j.state == StateQueued:
		a.unmarkForced(date)
		j.cancel(0, a.cfg.Now())
		a.mu.Unlock()
		return Cancelled{Phase: PhaseQueued}, nil
	}
	phase, done := j.progress.Phase, j.done
	j.stop(ErrCancelled)
	a.mu.Unlock()
	select {
	case <-done:
	case <-ctx.Done():
		return Cancelled{Phase: phase}, fmt.Errorf("cancel %s: %w", date, ctx.Err())
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if j.state != StateCancelled {
		// It ended another way first (committed, failed).
		return Cancelled{Phase: phase}, fmt.Errorf("cancel %s: ended %s: %w", date, j.progress.Phase, ErrNotConverting)
	}
	return Cancelled{Phase: phase, Removed: j.removed}, nil
}

// Status is what the archiver is doing and has done since it started.
type Status struct {
	// Days are the days queued, converting, failed, cancelled, archived or
	// found idle since start, oldest first.
	Days []DayStatus
}

// DayStatus is one day's state.
type DayStatus struct {
	Date  day.Date
	State State
	// Forced days skip the settle time.
	Forced bool
	// Progress is the current conversion's progress, or the last one's.
	Progress Progress
	// Err is the last failure, with ffmpeg's last stderr lines if it failed.
	Err        error
	StderrTail []string
	// Attempts counts failures in a row; NextAttempt is when a failed day is retried.
	Attempts    int
	NextAttempt time.Time
	// Kept and Findings are the last plan's files left out and what was wrong.
	Kept     []ts.Kept
	Findings []ts.Finding
}

// Status reports the days the archiver knows of.
func (a *Archiver) Status() Status {
	a.mu.Lock()
	defer a.mu.Unlock()
	var s Status
	for _, d := range slices.SortedFunc(maps.Keys(a.days), day.Date.Compare) {
		j := a.days[d]
		s.Days = append(s.Days, DayStatus{Date: d, State: j.state, Forced: j.force, Progress: j.progress,
			Err: j.err, StderrTail: j.stderr, Attempts: j.attempts, NextAttempt: j.nextAttempt,
			Kept: slices.Clone(j.kept), Findings: slices.Clone(j.findings)})
	}
	return s
}

// stderrTail is ffmpeg's last stderr lines, if err came from ffmpeg.
func stderrTail(err error) []string {
	var fe *encode.FFmpegError
	if errors.As(err, &fe) {
		return slices.Clone(fe.Stderr)
	}
	return nil
}
