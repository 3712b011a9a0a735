package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// round starts cctvd, kills it at a random moment, and checks every day.
func (h *harness) round(ctx context.Context, n int) error {
	if h.refill {
		if err := h.newCycle(); err != nil {
			return err
		}
		fmt.Printf("cycle %d: every day archived; the root is filled again\n", h.stats.cycles)
	}
	states, err := h.inspect()
	if err != nil {
		return err
	}
	k, err := h.kill(ctx, n, h.planKill(n, states))
	if err != nil {
		return err
	}
	return h.checkKill(ctx, n, k)
}

// killPlan is when a round kills cctvd: delay after its start, or after
// the aimed day's archive is verified; budget is what delay was drawn from.
type killPlan struct {
	delay, budget time.Duration
	aim           *dayFootage
}

// planKill draws the kill moment. Every o.aimEvery-th round aims at the
// commit: it will wait for the current day's manifest to record the
// verified archive and kill at a random moment of the commit (rename,
// checksum file, index, segment deletion): a window of some milliseconds
// that moments drawn from seconds seldom hit.
func (h *harness) planKill(n int, states []*dayState) killPlan {
	p := killPlan{budget: h.remaining(states)}
	_, cur := phaseOf(states, true)
	// A day verified already is committed by the start-up recovery:
	// there is no verification to wait for.
	if h.o.aimEvery > 0 && n%h.o.aimEvery == 0 && cur != nil && !cur.tempVideo && !cur.video &&
		!cur.checksum && (cur.work == nil || cur.work.phase == "encoding") {
		p.aim = cur.d
		p.budget = max(time.Duration(float64(cur.d.commit)*1.2*h.pace), 10*time.Millisecond)
	}
	p.delay = time.Duration(h.rng.Int64N(int64(p.budget)))
	return p
}

// killed is how a round's kill went.
type killed struct {
	plan   killPlan
	after  time.Duration // from the start, or from verification when aimed
	alive  time.Duration // from the start
	begun  bool          // cctvd had begun a day's run
	errors []string      // the error lines cctvd logged
}

// kill runs cctvd and SIGKILLs it as planned, and waits for its ffmpeg
// children to be gone.
func (h *harness) kill(ctx context.Context, n int, p killPlan) (killed, error) {
	label := fmt.Sprintf("round %d: kill after %v", n, p.delay)
	if p.aim != nil {
		label = fmt.Sprintf("round %d: kill %v after %s's manifest records the verified archive", n, p.delay, p.aim.name())
	}
	d, err := h.start(label)
	if err != nil {
		return killed{}, err
	}
	if p.aim != nil {
		if err := h.waitVerified(ctx, d, p.aim); err != nil {
			return killed{}, err
		}
	}
	from := time.Now()
	timer := time.NewTimer(p.delay)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		d.cmd.Process.Kill()
		<-d.exited
		return killed{}, ctx.Err()
	case <-d.exited:
		return killed{}, fmt.Errorf("cctvd exited by itself after %v: %v", time.Since(d.started).Round(time.Millisecond), d.err)
	case <-timer.C:
	}
	k := killed{plan: p, after: time.Since(from), alive: time.Since(d.started)}
	if err := d.kill(); err != nil {
		return killed{}, err
	}
	if err := waitOrphans(h.dir); err != nil {
		return killed{}, err
	}
	events, logErrs, firstJob := d.log.snapshot()
	k.begun, k.errors = firstJob != 0, logErrs
	h.addEvents(events)
	h.learnPace(d)
	h.stats.rounds++
	if p.aim != nil {
		h.stats.aimed++
	}
	h.stats.shortestKill, h.stats.longestKill = min(h.stats.shortestKill, k.alive), max(h.stats.longestKill, k.alive)
	return k, nil
}

// checkKill names where the kill landed and checks every day; once every
// day is archived, it checks the end of the cycle.
func (h *harness) checkKill(ctx context.Context, n int, k killed) error {
	states, err := h.inspect()
	if err != nil {
		return err
	}
	phase, at := phaseOf(states, k.begun)
	h.stats.phases[phase]++
	where := ""
	if at != nil {
		where = fmt.Sprintf(" (%s", at.d.name())
		if at.work != nil && at.work.manifest {
			where += fmt.Sprintf(", %d/%d chunks", at.work.chunks, at.d.chunks)
		}
		where += ")"
	}
	archived := 0
	for _, s := range states {
		if s.done() {
			archived++
		}
		h.stats.cams[s.d.cam].tempsAfterKill += len(s.temps)
	}
	from := "start"
	if k.plan.aim != nil {
		from = "verification"
	}
	fmt.Printf("round %2d: killed %5.2f s after %-12s (of ≤ %5.2f, pace ×%.2f): %s%s; %d/%d days archived\n",
		n, k.after.Seconds(), from, k.plan.budget.Seconds(), h.pace, phase, where, archived, len(states))
	if phase == phaseAllDone {
		return errors.Join(logged(k.errors), h.endCycle(ctx, states, false))
	}
	errs := []error{logged(k.errors)}
	for _, s := range states {
		lost, err := h.checkDay(ctx, s)
		h.stats.cams[s.d.cam].segmentsLost += lost
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// waitVerified waits, looking every 2 ms, for the day's manifest to be
// past encoding: the archive is verified and the commit begins.
func (h *harness) waitVerified(ctx context.Context, d *daemon, day *dayFootage) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	limit := 3*h.full + time.Minute
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	// The commit may take only milliseconds: a look that comes after it
	// finds video.mp4 in place, and the kill then lands just after.
	video := filepath.Join(h.root, filepath.FromSlash(day.name()), videoName)
	for {
		if w := h.inspectWork(day); w != nil && w.manifest && w.phase != "encoding" {
			return nil
		}
		if _, err := os.Lstat(video); err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			d.cmd.Process.Kill()
			<-d.exited
			return ctx.Err()
		case <-d.exited:
			return fmt.Errorf("cctvd exited by itself after %v: %v", time.Since(d.started).Round(time.Millisecond), d.err)
		case <-deadline.C:
			d.cmd.Process.Kill()
			<-d.exited
			return fmt.Errorf("%s: the archive was not verified within %v", day.name(), limit)
		case <-tick.C:
		}
	}
}
