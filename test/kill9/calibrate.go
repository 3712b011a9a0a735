package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// calibrate times an uninterrupted run over the whole root and each day's
// steps, the scale of the kill moments, and checks it like the final run.
func (h *harness) calibrate(ctx context.Context) error {
	if err := h.newCycle(); err != nil {
		return err
	}
	d, err := h.start("calibration")
	if err != nil {
		return err
	}
	wctx, stopWatch := context.WithCancel(ctx)
	timed := make(chan struct{})
	go func() { h.timeDays(wctx); close(timed) }()
	full, err := h.runToDone(ctx, d, 10*time.Minute)
	stopWatch()
	<-timed
	if err != nil {
		return fmt.Errorf("calibration: %w", err)
	}
	_, _, h.startup = d.log.snapshot()
	h.full, h.stats.calibrationFull = full, full
	if err := h.stopAndCheck(ctx, d); err != nil {
		return fmt.Errorf("calibration: %w", err)
	}
	cpu := d.cmd.ProcessState.UserTime() + d.cmd.ProcessState.SystemTime()
	fmt.Printf("calibration: an uninterrupted run archives every day in %.1f s, %.1f s CPU with ffmpeg; first day begins at %.1f s\n",
		full.Seconds(), cpu.Seconds(), h.startup.Seconds())
	for _, d := range h.days {
		if d.tail == 0 {
			// The encoding slipped between two looks (it cannot, at this
			// size); rounds fall back on shares of the whole run.
			fmt.Printf("  %s: steps not timed\n", d.name())
			continue
		}
		fmt.Printf("  %s: encoding %.1f s, join to end %.1f s, of which the commit %.2f s\n",
			d.name(), d.encoding.Seconds(), d.tail.Seconds(), d.commit.Seconds())
	}
	return nil
}

// timeDays follows an uninterrupted run, looking every 2 ms at every
// day's work folder, manifest and temporary mp4 (the cameras take turns,
// and with more than one job days run side by side), and records how long
// the day's steps took (dayFootage.encoding, tail, commit).
func (h *harness) timeDays(ctx context.Context) {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	type watch struct {
		begun, encoded, verified time.Time
		done                     bool
	}
	watches := make([]watch, len(h.days))
	finished := 0
	for finished < len(h.days) {
		for i, d := range h.days {
			w := &watches[i]
			if w.done {
				continue
			}
			now := time.Now()
			_, werr := os.Lstat(h.workDir(d))
			_, terr := os.Lstat(filepath.Join(h.dayDir(d), tempPrefix+videoName+".tmp"))
			m := h.inspectWork(d)
			switch {
			case w.begun.IsZero():
				if werr == nil {
					w.begun = now
				}
			case errors.Is(werr, fs.ErrNotExist):
				if !w.encoded.IsZero() {
					if w.verified.IsZero() {
						w.verified = now // the commit slipped between two looks
					}
					d.encoding, d.tail, d.commit = w.encoded.Sub(w.begun), now.Sub(w.encoded), now.Sub(w.verified)
				}
				w.done = true
				finished++
			case w.encoded.IsZero():
				if terr == nil || (m != nil && m.chunks >= d.chunks) {
					w.encoded = now
				}
			case w.verified.IsZero() && m != nil && m.manifest && m.phase != "encoding":
				w.verified = now
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// remaining bounds a round's kill moment: the start-up, what is left of
// the day under way and a quarter of the next day (or of an idle day after
// the last), as the calibration run timed them and scaled to the pace
// seen since, so that kills fall anywhere in a day's pipeline and between
// days, and a round costs less than a day's work.
func (h *harness) remaining(states []*dayState) time.Duration {
	// cur is the day under way (or first due), next the first other day due.
	_, cur := phaseOf(states, true)
	var next *dayState
	for _, s := range states {
		if !s.done() && s != cur && next == nil {
			next = s
		}
	}
	left := h.startup + h.dayTime(nil)/4
	if cur != nil {
		d := cur.d
		left = h.startup + h.dayTime(d)
		switch {
		case cur.work == nil || !cur.work.manifest || d.tail == 0:
		case cur.work.phase == "encoding":
			// A restart plans the day again and joins from the start.
			left = h.startup + time.Duration(float64(d.encoding)*(1-float64(cur.work.chunks)/float64(d.chunks))) + d.tail
		default:
			left = h.startup + d.commit
		}
		if next != nil {
			left += h.dayTime(next.d) / 4
		} else {
			left += h.dayTime(nil) / 4
		}
	}
	return max(time.Duration(float64(left)*h.pace), 10*time.Millisecond)
}

// dayTime is how long archiving d took in the calibration run; for nil, or
// a day whose steps slipped between two looks, the average day.
func (h *harness) dayTime(d *dayFootage) time.Duration {
	if d == nil || d.tail == 0 {
		return (h.full - h.startup) / time.Duration(len(h.days))
	}
	return d.encoding + d.tail
}

// learnPace compares the days a run archived from scratch with the
// calibration run: other work on the machine comes and goes, and kill
// moments scaled to a stale pace bunch up or overshoot the day.
func (h *harness) learnPace(d *daemon) {
	for name, took := range d.log.freshDays() {
		for _, day := range h.days {
			if day.name() == name && day.tail != 0 {
				h.pace = (h.pace + float64(took)/float64(h.dayTime(day))) / 2
				h.stats.paced++
			}
		}
	}
}
