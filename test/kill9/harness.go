package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/testbin"
)

// harness runs cctvd on a temporary root and keeps the figures.
type harness struct {
	o       options
	dir     string // the temporary folder; everything below is in it
	bin     string
	footage string // the recorded days, never touched by cctvd
	root    string
	state   string
	logPath string
	log     *os.File
	days    []*dayFootage
	rng     *rand.Rand
	began   time.Time

	// full is how long an uninterrupted run takes to archive every day;
	// startup how long of it passes before the first day begins.
	full, startup time.Duration
	// pace is how long days take now against the calibration run.
	pace float64
	// probed holds the SHA-512 sums of archives ffprobe has checked: once
	// sha512sum -c passes against one of them, the bytes are those checked.
	probed map[string]bool
	// refill says every day is archived: the next round starts a new cycle.
	refill bool

	stats stats
}

type stats struct {
	rounds, aimed, restarts, cycles int
	paced                           int
	phases                          map[string]int
	cams                            []camStats // by camera, the default one first
	events                          map[string]int
	shortestKill, longestKill       time.Duration
	calibrationFull, finalRunToDone time.Duration
}

// camStats are one camera's figures: every check holds per camera.
type camStats struct {
	daysArchived              int
	segmentsIn, segmentsLost  int
	checksumsPassed           int
	checksumFailures          int
	tempsAfterKill, tempsLeft int
}

// total adds up the cameras' figures.
func (s *stats) total() camStats {
	var t camStats
	for _, c := range s.cams {
		t.daysArchived += c.daysArchived
		t.segmentsIn += c.segmentsIn
		t.segmentsLost += c.segmentsLost
		t.checksumsPassed += c.checksumsPassed
		t.checksumFailures += c.checksumFailures
		t.tempsAfterKill += c.tempsAfterKill
		t.tempsLeft += c.tempsLeft
	}
	return t
}

func newHarness(o options) (*harness, error) {
	dir, err := os.MkdirTemp("", "cctvd-kill9-")
	if err != nil {
		return nil, fmt.Errorf("temporary folder: %w", err)
	}
	h := &harness{o: o, dir: dir, footage: filepath.Join(dir, "footage"),
		root: filepath.Join(dir, "root"), state: filepath.Join(dir, "state"), logPath: filepath.Join(dir, "cctvd.log"),
		rng:   rand.New(rand.NewPCG(uint64(o.seed), 0x6b696c6c39)),
		began: time.Now(), probed: map[string]bool{}, pace: 1,
		stats: stats{phases: map[string]int{}, events: map[string]int{}, cams: make([]camStats, o.cameras), shortestKill: time.Duration(1 << 62)}}
	if h.log, err = os.Create(h.logPath); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("cctvd log: %w", err)
	}
	return h, nil
}

// prepare builds cctvd and records the footage.
func (h *harness) prepare(ctx context.Context) error {
	bin, _, err := testbin.Build(ctx, h.dir)
	if err != nil {
		return err
	}
	h.bin = bin
	if h.days, err = recordDays(ctx, h.footage, h.o); err != nil {
		return err
	}
	var segs, chunks []string
	for _, d := range h.days {
		segs = append(segs, strconv.Itoa(len(d.segments)))
		chunks = append(chunks, strconv.Itoa(d.chunks))
	}
	fmt.Printf("footage: %d cameras × %d days, %s to %s, %s segments (%s chunks of ≤ %d), %dx%d at %d fps\n",
		h.o.cameras, h.o.days, h.days[0].name(), h.days[len(h.days)-1].name(), strings.Join(segs, "+"),
		strings.Join(chunks, "+"), h.o.chunkSegments, profile.Width, profile.Height, profile.FPS)
	return nil
}

// args are cctvd's flags: no HTTP (no port to pick), the socket in the
// state folder, days due at once, small chunks so that a day has several
// steps to interrupt, and ffmpeg not niced so that timings follow the
// machine rather than the other processes on it.
func (h *harness) args() []string {
	args := []string{"--root", h.root, "--state", h.state, "--http", "", "--settle", "0s",
		"--chunk-segments", strconv.Itoa(h.o.chunkSegments), "--nice", "0", "--log-format", "json"}
	if h.o.jobs > 0 {
		args = append(args, "--jobs", strconv.Itoa(h.o.jobs))
	}
	return args
}

// stateOf is camera c's state folder, as cctvd lays it out: the state
// folder itself for the default camera, STATE/cameras/NAME for the others.
func (h *harness) stateOf(c int) string {
	if name := cameraName(c); name != "" {
		return filepath.Join(h.state, "cameras", name)
	}
	return h.state
}

func (h *harness) start(label string) (*daemon, error) {
	fmt.Fprintf(h.log, "### %s\n", label)
	h.stats.restarts++
	return startDaemon(h.bin, h.args(), h.log)
}

// newCycle fills the root again with the recorded footage.
func (h *harness) newCycle() error {
	if err := fill(h.footage, h.root, h.state, h.days); err != nil {
		return err
	}
	h.stats.cycles++
	for _, d := range h.days {
		h.stats.cams[d.cam].segmentsIn += len(d.segments)
	}
	h.refill = false
	return nil
}

// finish lets cctvd run until every day is archived and checks the end
// state strictly.
func (h *harness) finish(ctx context.Context) error {
	d, err := h.start("final run")
	if err != nil {
		return err
	}
	took, err := h.runToDone(ctx, d, 3*h.full+time.Minute)
	if err != nil {
		return err
	}
	h.stats.finalRunToDone = took
	fmt.Printf("final run: every day archived %.1f s after start-up\n", took.Seconds())
	return h.stopAndCheck(ctx, d)
}

// runToDone waits, looking at the day folders, until every day is
// archived, and returns how long that took from cctvd's start.
func (h *harness) runToDone(ctx context.Context, d *daemon, limit time.Duration) (time.Duration, error) {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	for {
		states, err := h.inspect()
		if err != nil {
			d.cmd.Process.Kill()
			return 0, err
		}
		if phase, _ := phaseOf(states, true); phase == phaseAllDone {
			return time.Since(d.started), nil
		}
		select {
		case <-ctx.Done():
			d.cmd.Process.Kill()
			<-d.exited
			return 0, ctx.Err()
		case <-d.exited:
			_, errs, _ := d.log.snapshot()
			return 0, fmt.Errorf("cctvd exited by itself: %v: %w", d.err, logged(errs))
		case <-deadline.C:
			d.cmd.Process.Kill()
			<-d.exited
			phase, at := phaseOf(states, true)
			return 0, fmt.Errorf("days not archived after %v: %s at %s", limit, phase, at.d.name())
		case <-tick.C:
		}
	}
}

// stopAndCheck stops cctvd cleanly and checks the end of a cycle strictly.
func (h *harness) stopAndCheck(ctx context.Context, d *daemon) error {
	err := d.stop()
	events, errs, _ := d.log.snapshot()
	h.addEvents(events)
	if err := errors.Join(err, logged(errs)); err != nil {
		return err
	}
	states, err := h.inspect()
	if err != nil {
		return err
	}
	return h.endCycle(ctx, states, true)
}

// endCycle checks a root where every day should be archived: each archive
// verified, no segment left and, when strict (cctvd stopped cleanly), no
// temporary file in the state folder either. After a kill the state folder
// may hold what the next start clears, such as a half-written scan cache.
func (h *harness) endCycle(ctx context.Context, states []*dayState, strict bool) error {
	var errs []error
	for _, s := range states {
		lost, err := h.checkDay(ctx, s)
		cs := &h.stats.cams[s.d.cam]
		cs.segmentsLost += lost
		switch {
		case err != nil:
			errs = append(errs, err)
		case !s.done():
			phase, _ := phaseOf([]*dayState{s}, true)
			errs = append(errs, fmt.Errorf("%s is not archived: %s", s.d.name(), phase))
		case strict:
			// The index's record of the archive survives the kills too:
			// the runs the index page's timeline seeks with.
			if err := h.checkRuns(s.d); err != nil {
				errs = append(errs, err)
			}
			cs.daysArchived++
		default:
			cs.daysArchived++
		}
	}
	left, err := h.leftovers(states)
	if err != nil {
		return err
	}
	if !strict {
		left = slices.DeleteFunc(left, func(l leftover) bool { return strings.HasPrefix(l.path, "STATE") })
	}
	var paths []string
	for _, l := range left {
		h.stats.cams[l.cam].tempsLeft++
		paths = append(paths, l.path)
	}
	if len(left) > 0 {
		errs = append(errs, fmt.Errorf("left behind: %s", strings.Join(paths, ", ")))
	}
	h.refill = true
	return errors.Join(errs...)
}

// checkRuns wants the day's archive index to hold runs for its archive
// that start at the file's beginning and cover its footage: the kill-9
// days are one camera run each, so one run of the day's duration. Only a
// clean stop guarantees the index: after a kill the next start finishes it.
func (h *harness) checkRuns(d *dayFootage) error {
	b, err := os.ReadFile(filepath.Join(h.stateOf(d.cam), "archived", d.date.String()+".json"))
	if err != nil {
		return fmt.Errorf("%s: archive index: %w", d.name(), err)
	}
	var x struct {
		Archives []struct {
			File string
			Runs []struct{ Pos, Len time.Duration }
		}
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return fmt.Errorf("%s: archive index: %w", d.name(), err)
	}
	for _, a := range x.Archives {
		if a.File != videoName {
			continue
		}
		// Within two frames of ffprobe's duration, as verifyArchive allows.
		frame := time.Second / time.Duration(profile.FPS)
		if len(a.Runs) != 1 || a.Runs[0].Pos != 0 || (a.Runs[0].Len-d.duration).Abs() > 2*frame {
			return fmt.Errorf("%s: the index's runs of %s are %+v, want one of %v from 0", d.name(), videoName, a.Runs, d.duration)
		}
		return nil
	}
	return fmt.Errorf("%s: the archive index does not list %s", d.name(), videoName)
}

func (h *harness) addEvents(ev map[string]int) {
	for k, v := range ev {
		h.stats.events[k] += v
	}
}

// logged turns the error lines of cctvd's log into an error.
func logged(lines []string) error {
	if len(lines) == 0 {
		return nil
	}
	return fmt.Errorf("cctvd logged errors:\n%s", strings.Join(lines, "\n"))
}
