package archive

import (
	"context"
	"errors"
	"io/fs"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Run resolves what an earlier run left behind, then archives due days,
// oldest first, Config.Jobs at a time, until ctx ends. It looks again every
// Config.Rescan, on Kick, when a job ends and when a failed day's retry is
// due. When ctx ends it stops ffmpeg and waits for the jobs to wind down;
// finished chunks stay for the next run.
func (a *Archiver) Run(ctx context.Context) error {
	a.mu.Lock()
	if a.runCtx != nil {
		a.mu.Unlock()
		return errors.New("archive: already running")
	}
	a.runCtx = ctx
	a.mu.Unlock()

	a.recover(ctx)
	timer := time.NewTimer(a.cfg.Rescan)
	defer timer.Stop()
	for {
		wake := a.schedule(ctx)
		timer.Reset(wake)
		select {
		case <-ctx.Done():
			a.wg.Wait()
			return nil
		case <-a.kick:
		case <-a.finished:
		case <-timer.C:
		}
	}
}

// schedule queues the due days that have work, starts jobs, and says when
// to look again.
func (a *Archiver) schedule(ctx context.Context) time.Duration {
	now := a.cfg.Now()
	wake := a.cfg.Rescan
	later := func(t time.Time) {
		if d := t.Sub(now); d < wake {
			wake = max(d, time.Second)
		}
	}
	today := a.today()
	for _, d := range a.listDays() {
		if !d.Before(today) {
			continue
		}
		due := a.due(d)
		a.mu.Lock()
		j := a.days[d]
		var skip bool
		switch {
		case j != nil && (j.active() || j.state == StateCancelled):
			skip = true
		case j != nil && j.state == StateFailed:
			skip = now.Before(j.nextAttempt)
			later(j.nextAttempt)
		case now.Before(due):
			skip = true
			later(due)
		}
		a.mu.Unlock()
		if !skip {
			a.queueIfWork(d)
		}
	}
	if ctx.Err() != nil {
		return wake
	}
	a.startJobs()
	return wake
}

// queueIfWork queues a day whose folder holds files that may be segments,
// unless it looks as it did when it was last found to hold none.
func (a *Archiver) queueIfWork(d day.Date) {
	l, err := a.listDay(d)
	if err != nil {
		a.log.Warn("cannot list day", "day", d.String(), "err", err)
		return
	}
	manifest := a.hasManifest(d)
	a.mu.Lock()
	defer a.mu.Unlock()
	j := a.days[d]
	if l.candidates == 0 && !manifest || j.unchanged(l.sum) {
		return
	}
	// A failed day keeps its force for the retry.
	j = a.jobLocked(d)
	j.queue(j.force, a.cfg.Now())
}

// listDays lists the root's day folders, oldest first.
func (a *Archiver) listDays() []day.Date {
	entries, err := fs.ReadDir(a.root.FS(), ".")
	if err != nil {
		a.log.Error("cannot list root", "err", err)
		return nil
	}
	var dates []day.Date
	for _, e := range entries {
		if d, err := day.Parse(e.Name()); err == nil && e.IsDir() {
			dates = append(dates, d)
		}
	}
	slices.SortFunc(dates, day.Date.Compare)
	return dates
}

// startJobs starts queued days, oldest first, while there are free slots,
// and reports an idle archiver to the test hook.
func (a *Archiver) startJobs() {
	a.mu.Lock()
	dates := slices.SortedFunc(maps.Keys(a.days), day.Date.Compare)
	running, queued := 0, 0
	for _, j := range a.days {
		if j.state == StateConverting {
			running++
		}
	}
	for _, d := range dates {
		j := a.days[d]
		if j.state != StateQueued {
			continue
		}
		if running >= a.cfg.Jobs || a.cfg.Slots != nil && !a.cfg.Slots.take(a) {
			queued++
			continue
		}
		ctx := a.startLocked(j, PhasePlanning)
		running++
		a.wg.Add(1)
		go a.runJob(ctx, j)
	}
	idle := running == 0 && queued == 0
	a.mu.Unlock()
	if queued == 0 && a.cfg.Slots != nil {
		a.cfg.Slots.leave(a)
	}
	if idle {
		a.step(day.Date{}, StepIdle, 0)
	}
}

// startLocked starts a run of j at phase and returns its context; the
// run ends in endJob. a.mu is held.
func (a *Archiver) startLocked(j *job, phase Phase) context.Context {
	ctx, stop := context.WithCancelCause(a.runCtx)
	j.start(stop, phase, a.cfg.Now())
	return ctx
}

// runJob archives one day and records how it went.
func (a *Archiver) runJob(ctx context.Context, j *job) {
	defer a.wg.Done()
	if a.cfg.Slots != nil {
		defer a.cfg.Slots.release()
	}
	log := a.log.With("day", j.date.String())
	log.Info("archiving day")
	before, _ := a.listDay(j.date)
	res, err := a.convert(ctx, j)
	removed := 0
	if err != nil {
		removed = a.cleanUp(j, err, errors.Is(context.Cause(ctx), ErrCancelled))
	}
	a.endJob(ctx, j, res, err, removed, before)
	a.step(j.date, StepDone, 0)
	select {
	case a.finished <- struct{}{}:
	default:
	}
}

// result is a committed archive.
type result struct {
	output      string
	sha512      string
	bytes       int64
	sourceBytes int64 // of the segments that went in
}

// RunEnd is how an archive run ended, for metrics (Config.OnRunEnd).
type RunEnd struct {
	Date day.Date
	// Result is "ok", "failed" or "cancelled".
	Result string
	// Elapsed is the run's wall-clock time; Footage the time of footage it archived.
	Elapsed, Footage time.Duration
	// BytesIn went in (segments), BytesOut came out (the archive).
	BytesIn, BytesOut int64
}

// endJob ends j's run the way it went: archived, idle, cancelled,
// interrupted by shutdown, or failed. before is the day folder as the run
// began.
func (a *Archiver) endJob(ctx context.Context, j *job, res *result, err error, removed int, before dayListing) {
	log := a.log.With("day", j.date.String())
	listing := uint64(0)
	if err == nil || errors.Is(err, ErrNothingToDo) {
		// The folder as it is now says the day is done, unless a segment
		// arrived (or changed) while the run encoded for hours: that one
		// is in no archive, so the day must not look settled with it.
		if l, lerr := a.listDay(j.date); lerr == nil {
			if news := l.newSince(before); len(news) > 0 {
				log.Info("segments arrived while the day was archived; they go into the next archive", "segments", news)
			} else {
				listing = l.sum
			}
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.cfg.Now()
	switch {
	case err == nil:
		elapsed := now.Sub(j.progress.Started)
		log.Info("day archived", "file", res.output, "bytes_in", res.sourceBytes, "bytes_out", res.bytes,
			"ratio", ratio(res.bytes, res.sourceBytes), "took", elapsed.Round(time.Second),
			"speed", ratio(int64(j.progress.TotalTime), int64(elapsed)), "sha512", res.sha512)
		a.runEnd(RunEnd{Date: j.date, Result: "ok", Elapsed: elapsed, Footage: j.progress.TotalTime,
			BytesIn: res.sourceBytes, BytesOut: res.bytes})
		a.unmarkForced(j.date)
		j.archived(res, listing, now)
	case errors.Is(err, ErrNothingToDo):
		log.Info("nothing to archive")
		a.unmarkForced(j.date)
		j.idle(err, listing, now)
	case errors.Is(context.Cause(ctx), ErrCancelled):
		log.Info("archiving cancelled", "removed", removed)
		a.runEnd(RunEnd{Date: j.date, Result: "cancelled", Elapsed: now.Sub(j.progress.Started)})
		a.unmarkForced(j.date)
		j.cancel(removed, now)
	case a.runCtx.Err() != nil:
		// A forced day's record stays: the next start takes it up again.
		log.Info("archiving stopped by shutdown; it resumes at the next start", "err", err, "forced", j.force)
		j.interrupt(err, now)
	default:
		a.runEnd(RunEnd{Date: j.date, Result: "failed", Elapsed: now.Sub(j.progress.Started)})
		j.fail(err, a.backoff, now)
		log.Error("archiving failed; the segments are intact", "err", err, "attempt", j.attempts,
			"retry", j.nextAttempt, "stderr", j.stderr)
	}
}

func (a *Archiver) runEnd(e RunEnd) {
	if a.cfg.OnRunEnd != nil {
		a.cfg.OnRunEnd(e)
	}
}

// ratio is a/b rounded to 3 decimals, 0 when b is 0.
func ratio(a, b int64) float64 {
	if b == 0 {
		return 0
	}
	return math.Round(float64(a)/float64(b)*1000) / 1000
}

// backoff is the wait before attempt n+1 after n failures in a row.
func (a *Archiver) backoff(n int) time.Duration {
	d := a.cfg.RetryMin
	for i := 1; i < n && d < a.cfg.RetryMax; i++ {
		d *= 2
	}
	return min(d, a.cfg.RetryMax)
}
