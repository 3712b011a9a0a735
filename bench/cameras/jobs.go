package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// jobsConfig is the jobs bench's command line.
type jobsConfig struct {
	cameras, days, minutes int
	jobs                   []int
	nice                   int
	dir                    string
	keep                   bool
}

func parseJobs(args []string) (jobsConfig, error) {
	var c jobsConfig
	var jobs string
	fs := flag.NewFlagSet("cameras jobs", flag.ContinueOnError)
	fs.IntVar(&c.cameras, "cameras", 3, "cameras with due days")
	fs.IntVar(&c.days, "days", 2, "due days of each camera")
	fs.IntVar(&c.minutes, "minutes", 2, "minutes of 720p25 ~2 Mbit/s CCTV-like footage in each day")
	fs.StringVar(&jobs, "jobs", "1,2", "cctvd's --jobs values to run, in turn")
	fs.IntVar(&c.nice, "nice", 10, "cctvd's --nice for ffmpeg (10 is cctvd's default)")
	fs.StringVar(&c.dir, "dir", benchDir("CCTVD_JOBS_DIR", "cctvd-bench-jobs"), "footage is filmed here once and reused ($CCTVD_JOBS_DIR)")
	fs.BoolVar(&c.keep, "keep", false, "keep the runs' roots, state and logs")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	for _, j := range strings.Split(jobs, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(j))
		if err != nil || n < 1 {
			return c, fmt.Errorf("-jobs %q: want positive numbers, comma-separated", jobs)
		}
		c.jobs = append(c.jobs, n)
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.cameras < 1 || c.days < 1 || c.minutes < 1:
		return c, errors.New("-cameras, -days and -minutes must be positive")
	}
	return c, nil
}

// jobsRun is what archiving every due day took at one --jobs.
type jobsRun struct {
	jobs              int
	wall              time.Duration // from cctvd's start to the last checksum file
	cpu               time.Duration // cctvd and its ffmpeg
	busy, bothBusy    float64       // the machine's mean busy share; share of seconds both cores were ≥ 90 % busy
	during, idle      load          // the playlist probe while archiving and after
	footage           time.Duration
	realtime, perHour float64 // footage seconds per second; camera-days of 24 h per hour
}

// runJobs archives several cameras' due days with the real cctvd at
// each --jobs in turn and prints how fast, how busy the machine was, and
// how a playlist answered meanwhile.
func runJobs(ctx context.Context, args []string) error {
	c, err := parseJobs(args)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp(filepath.Dir(c.dir), "cctvd-jobs-run-")
	if err != nil {
		return err
	}
	defer func() {
		if c.keep || err != nil {
			fmt.Printf("kept %s\n", work)
			return
		}
		os.RemoveAll(work)
	}()
	bin, err := build(ctx, work)
	if err != nil {
		return err
	}
	src, err := filmCCTV(ctx, c.dir, c.minutes*6)
	if err != nil {
		return err
	}
	var runs []jobsRun
	for _, jobs := range c.jobs {
		r, err := archiveAll(ctx, c, bin, src, filepath.Join(work, "jobs-"+strconv.Itoa(jobs)), jobs)
		if err != nil {
			return fmt.Errorf("--jobs %d: %w", jobs, err)
		}
		runs = append(runs, r)
		fmt.Printf("--jobs %d: %.1f s, %.2f× realtime, %.0f %% busy\n", jobs, r.wall.Seconds(), r.realtime, 100*r.busy)
	}
	fmt.Printf("\n%d cameras × %d due days × %d min of 720p25 ~2 Mbit/s CCTV footage, --nice %d, %s, %d cores\n\n",
		c.cameras, c.days, c.minutes, c.nice, time.Now().Format("2006-01-02"), numCPU())
	fmt.Println("| --jobs | all archived after | × realtime | camera-days (24 h) per hour | CPU of cctvd + ffmpeg (share of the cores) | machine busy | seconds with both cores ≥ 90 % busy | playlist p50 / p99 / max while archiving | idle after |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|")
	for _, r := range runs {
		fmt.Printf("| %d | %.1f s | %.2f× | %.3f | %.0f s (%.0f %%) | %.0f %% | %.0f %% | %.1f / %.1f / %.1f ms (%d requests, %d failed) | %.1f / %.1f / %.1f ms |\n",
			r.jobs, r.wall.Seconds(), r.realtime, r.perHour, r.cpu.Seconds(), 100*r.cpu.Seconds()/r.wall.Seconds()/float64(numCPU()),
			100*r.busy, 100*r.bothBusy,
			ms(r.during.p50), ms(r.during.p99), ms(r.during.max), r.during.requests, r.during.failed,
			ms(r.idle.p50), ms(r.idle.p99), ms(r.idle.max))
	}
	return nil
}

// filmCCTV films the bench's footage once into dir/src: segments of
// footage.CCTV, the profile of bench/archive.sh.
func filmCCTV(ctx context.Context, dir string, segments int) ([]string, error) {
	src := filepath.Join(dir, "src")
	stamp := filepath.Join(dir, "src.complete")
	want := fmt.Sprintf("%d segments %dx%d %d fps %s\n", segments, footage.CCTV.Width, footage.CCTV.Height, footage.CCTV.FPS, footage.CCTV.Bitrate)
	var paths []string
	for i := range segments {
		paths = append(paths, filepath.Join(src, fmt.Sprintf("seg%d.ts", i+1)))
	}
	if b, err := os.ReadFile(stamp); err == nil && string(b) == want {
		return paths, nil
	}
	fmt.Printf("filming %s into %s (once) …\n", strings.TrimSpace(want), src)
	t := time.Now()
	os.Remove(stamp)
	if err := os.RemoveAll(src); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		return nil, err
	}
	if _, err := footage.Record(ctx, footage.Run{Dir: src, Profile: footage.CCTV, Segments: segments, First: 1}); err != nil {
		return nil, err
	}
	fmt.Printf("filmed in %.0f s\n", time.Since(t).Seconds())
	return paths, os.WriteFile(stamp, []byte(want), 0o644)
}

// archiveAll lays a root of the cameras' due days under dir (and a
// today's day of the first camera, which is not due, for the playlist
// probe), runs cctvd with --settle 1s --jobs jobs until every due day
// has its checksum file, and measures.
func archiveAll(ctx context.Context, c jobsConfig, bin string, src []string, dir string, jobs int) (jobsRun, error) {
	r := jobsRun{jobs: jobs}
	root, state := filepath.Join(dir, "root"), filepath.Join(dir, "state")
	today := day.Of(time.Now())
	var due []string // day folders
	for cam := range c.cameras {
		for i := range c.days {
			d := today.AddDays(i - c.days - 2)
			folder := filepath.Join(root, camName(cam), d.String())
			// Each camera films from 08:00 on, its own offset and fractions.
			start := d.Start(time.Local).Add(8*time.Hour + time.Duration(cam)*1300*time.Millisecond + 153192286*time.Nanosecond)
			if err := lay(src, folder, start); err != nil {
				return r, err
			}
			due = append(due, folder)
			r.footage += time.Duration(len(src)) * footage.SegmentDuration
		}
	}
	// Today's segments ended in the last minutes.
	probeDay := filepath.Join(root, camName(0), today.String())
	start := time.Now().Add(-time.Duration(len(src)+1)*footage.SegmentDuration - 153192286*time.Nanosecond)
	if start.Before(today.Start(time.Local)) {
		start = today.Start(time.Local).Add(153192286 * time.Nanosecond)
	}
	if err := lay(src, probeDay, start); err != nil {
		return r, err
	}
	logFile, err := os.Create(filepath.Join(dir, "cctvd.log"))
	if err != nil {
		return r, err
	}
	defer logFile.Close()
	d, err := startDaemon(bin, logFile, "--root", root, "--state", state, "--settle", "1s",
		"--jobs", strconv.Itoa(jobs), "--nice", strconv.Itoa(c.nice))
	if err != nil {
		return r, err
	}
	defer d.stop()
	if _, err := d.waitFor(ctx, 5*time.Millisecond, d.healthy); err != nil {
		return r, err
	}
	playlist := d.base + "/cameras/" + camName(0) + "/playlist.m3u8?date=" + today.String()

	// The probe: 4 players asking for the playlist 20 times a second each,
	// from start-up until every day is archived.
	pctx, stopProbe := context.WithCancel(ctx)
	probed := make(chan load, 1)
	go func() { probed <- hammer(pctx, playlist, 4, 50*time.Millisecond) }()
	// The machine's CPU, second by second.
	sctx, stopSampling := context.WithCancel(ctx)
	var samples []float64
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		samples = sampleBusy(sctx, time.Second)
	}()
	r.wall, err = d.waitFor(ctx, 100*time.Millisecond, func() bool {
		for _, f := range due {
			if _, err := os.Stat(filepath.Join(f, "video.mp4.sha512sum")); err != nil {
				return false
			}
		}
		return true
	})
	stopProbe()
	stopSampling()
	wg.Wait()
	r.during = <-probed
	if err != nil {
		return r, err
	}
	p := readProc(d.cmd.Process.Pid)
	r.cpu = p.cpu + p.childCPU
	var both int
	for _, s := range samples {
		r.busy += s
		if s >= 0.9 {
			both++
		}
	}
	if len(samples) > 0 {
		r.busy /= float64(len(samples))
		r.bothBusy = float64(both) / float64(len(samples))
	}
	r.realtime = r.footage.Seconds() / r.wall.Seconds()
	r.perHour = r.realtime / 24
	if err := waitIdle(ctx, d, 2*time.Minute); err != nil {
		return r, err
	}
	ictx, cancel := context.WithTimeout(ctx, 5*time.Second)
	r.idle = hammer(ictx, playlist, 4, 50*time.Millisecond)
	cancel()
	if errs := d.loggedErrors(); len(errs) > 0 {
		return r, fmt.Errorf("cctvd logged errors: %v", errs)
	}
	if r.during.failed+r.idle.failed > 0 {
		return r, fmt.Errorf("%d playlist requests failed", r.during.failed+r.idle.failed)
	}
	return r, nil
}

// lay copies the segments into folder, segment i ending at start+(i+1)×10 s.
func lay(src []string, folder string, start time.Time) error {
	if err := os.MkdirAll(folder, 0o755); err != nil {
		return err
	}
	for i, s := range src {
		end := start.Add(time.Duration(i+1) * footage.SegmentDuration)
		if err := copyFile(s, filepath.Join(folder, filepath.Base(s)), end); err != nil {
			return fmt.Errorf("lay %s: %w", folder, err)
		}
	}
	return nil
}

// sampleBusy returns the machine's busy share (all cores) of each
// interval until ctx ends.
func sampleBusy(ctx context.Context, every time.Duration) []float64 {
	var out []float64
	b0, t0 := machineCPU()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return out
		case <-t.C:
		}
		b1, t1 := machineCPU()
		if t1 > t0 {
			out = append(out, float64(b1-b0)/float64(t1-t0))
		}
		b0, t0 = b1, t1
	}
}
