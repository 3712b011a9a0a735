package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/footage"
)

// startConfig is the start bench's command line.
type startConfig struct {
	cameras, segments int
	profile           footage.Profile
	dir               string
	conns             int
	duration          time.Duration
	pageRuns          int
	keep              bool
}

func parseStart(args []string) (startConfig, error) {
	c := startConfig{profile: footage.Profile{Width: 64, Height: 48}}
	fs := flag.NewFlagSet("cameras", flag.ContinueOnError)
	fs.IntVar(&c.cameras, "cameras", 16, "cameras in the root (ROOT/cam01/DATE …)")
	fs.IntVar(&c.segments, "segments", 8640, "10-s segments of each camera's day (8640: a full day)")
	fs.IntVar(&c.profile.FPS, "fps", 1, "frames a second of the filmed segments (the scan's cost grows with frames and bytes)")
	fs.StringVar(&c.dir, "dir", benchDir("CCTVD_CAMERAS_DIR", "cctvd-bench-cameras"), "footage is filmed and the root laid here once, and reused ($CCTVD_CAMERAS_DIR)")
	fs.IntVar(&c.conns, "conns", 32, "connections asking for the playlist at once")
	fs.DurationVar(&c.duration, "duration", 10*time.Second, "how long the playlist is asked for")
	fs.IntVar(&c.pageRuns, "page-runs", 20, "requests of each page after the first, for the median")
	fs.BoolVar(&c.keep, "keep", false, "keep cctvd's state and log")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.cameras < 1 || c.segments < 2 || c.profile.FPS < 1 || c.conns < 1 || c.duration <= 0:
		return c, errors.New("-cameras, -fps, -conns and -duration must be positive, -segments at least 2")
	}
	return c, nil
}

// started is what one start of cctvd on the root took.
type started struct {
	healthz, loaded, scanned time.Duration
	cpu                      time.Duration // cctvd's own, until scanned
	rss                      int64         // at scanned
}

// runStart measures cctvd on a root of many cameras, each with a full
// day: start-up without and with the scan cache, the overview and a
// camera's page, and a playlist's requests/s.
func runStart(ctx context.Context, args []string) error {
	c, err := parseStart(args)
	if err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "cctvd-cameras-run-")
	if err != nil {
		return err
	}
	logPath := filepath.Join(work, "cctvd.log")
	defer func() {
		if c.keep || err != nil {
			fmt.Printf("kept %s (cctvd's log: %s)\n", work, logPath)
			return
		}
		os.RemoveAll(work)
	}()
	bin, err := build(ctx, work)
	if err != nil {
		return err
	}
	base, names, err := makeBase(ctx, c.dir, c.segments, c.profile)
	if err != nil {
		return err
	}
	root, err := layRoot(c.dir, base, names, c.cameras)
	if err != nil {
		return err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return err
	}
	defer logFile.Close()
	// The state folder must be on the root's file system.
	state := filepath.Join(c.dir, "state")
	if err := os.RemoveAll(state); err != nil {
		return err
	}
	defer os.RemoveAll(state)
	args2 := []string{"--root", root, "--state", state, "--settle", "1000000h"}
	want := float64(c.cameras * c.segments)

	var runs []started
	var d *daemon
	for i, what := range []string{"cold (no state folder)", "with the scan cache"} {
		fmt.Fprintf(logFile, "### %s\n", what)
		if d, err = startDaemon(bin, logFile, args2...); err != nil {
			return err
		}
		s, err := measureStart(ctx, d, want)
		if err != nil {
			d.stop()
			return fmt.Errorf("%s start: %w", what, err)
		}
		runs = append(runs, s)
		fmt.Printf("start %s: /healthz %.2f s, catalogs loaded %.2f s, every segment scanned %.2f s, %.1f s CPU, %.0f MiB\n",
			what, s.healthz.Seconds(), s.loaded.Seconds(), s.scanned.Seconds(), s.cpu.Seconds(), float64(s.rss)/(1<<20))
		// Thumbnails and the scan cache's writes follow the scan: let
		// them end before the next start or the measurements.
		if err := waitIdle(ctx, d, 10*time.Minute); err != nil {
			d.stop()
			return err
		}
		if i == 0 {
			if err := d.stop(); err != nil {
				return err
			}
		}
	}
	defer d.stop()

	overview, err := measurePage(ctx, d.base+"/", c.pageRuns)
	if err != nil {
		return err
	}
	cam := d.base + "/cameras/" + camName(0) + "/"
	camPage, err := measurePage(ctx, cam, c.pageRuns)
	if err != nil {
		return err
	}
	playlist := cam + "playlist.m3u8?date=" + benchDay.String()
	pl, err := measurePage(ctx, playlist, c.pageRuns)
	if err != nil {
		return err
	}
	before := readProc(d.cmd.Process.Pid)
	busy0, total0 := machineCPU()
	hctx, cancel := context.WithTimeout(ctx, c.duration)
	l := hammer(hctx, playlist, c.conns, 0)
	cancel()
	busy1, total1 := machineCPU()
	after := readProc(d.cmd.Process.Pid)
	if errs := d.loggedErrors(); len(errs) > 0 {
		return fmt.Errorf("cctvd logged errors: %v", errs)
	}

	fmt.Printf("\n%d cameras × %d segments (%d files, %dx%d at %d fps), %s, GOMAXPROCS of cctvd: %d cores\n\n",
		c.cameras, c.segments, c.cameras*c.segments, c.profile.Width, c.profile.Height, c.profile.FPS,
		time.Now().Format("2006-01-02"), numCPU())
	fmt.Println("| start-up | /healthz answers | catalogs loaded | every segment scanned | cctvd CPU until then | RSS then |")
	fmt.Println("|---|---|---|---|---|---|")
	for i, what := range []string{"cold (no state folder)", "with the scan cache"} {
		s := runs[i]
		fmt.Printf("| %s | %.2f s | %.2f s | %.2f s | %.1f s | %.0f MiB |\n", what, s.healthz.Seconds(), s.loaded.Seconds(),
			s.scanned.Seconds(), s.cpu.Seconds(), float64(s.rss)/(1<<20))
	}
	fmt.Println()
	fmt.Println("| page | size (gzip) | size (plain) | first request | median of the next |")
	fmt.Println("|---|---|---|---|---|")
	for _, p := range []struct {
		what string
		p    page
	}{{"overview `/`", overview}, {"a camera's page `/cameras/" + camName(0) + "/`", camPage}, {"its day's playlist", pl}} {
		fmt.Printf("| %s | %s | %s | %.1f ms | %.1f ms |\n", p.what, kib(p.p.gzipped), kib(p.p.plain),
			ms(p.p.first), ms(p.p.median))
	}
	fmt.Printf("\nplaylist (gzip), %d connections for %v: %.0f requests/s, p50 %.1f ms, p99 %.1f ms, max %.1f ms, %d failed; "+
		"cctvd %.1f s CPU, machine busy %.0f %% (the client included)\n",
		c.conns, c.duration, l.perSecond(), ms(l.p50), ms(l.p99), ms(l.max), l.failed,
		(after.cpu - before.cpu).Seconds(), 100*float64(busy1-busy0)/float64(total1-total0))
	if l.failed > 0 {
		return fmt.Errorf("%d playlist requests failed", l.failed)
	}
	return nil
}

// measureStart times a start: until /healthz answers, until every
// camera's catalog is loaded (its folders listed, the cache read), and
// until every segment is scanned and in the playlists (the metric
// cctvd_segments_stored counts scanned segments).
func measureStart(ctx context.Context, d *daemon, want float64) (started, error) {
	var s started
	var err error
	if s.healthz, err = d.waitFor(ctx, 5*time.Millisecond, d.healthy); err != nil {
		return s, err
	}
	if s.scanned, err = d.waitFor(ctx, 50*time.Millisecond, func() bool {
		n, err := d.metric("cctvd_segments_stored")
		return err == nil && n >= want
	}); err != nil {
		return s, err
	}
	p := readProc(d.cmd.Process.Pid)
	s.cpu, s.rss = p.cpu, p.rss
	if loaded := d.logged("catalog loaded"); len(loaded) > 0 {
		s.loaded = slices.Max(loaded)
	}
	return s, nil
}

// waitIdle waits until cctvd and its children used under 2 % of a core
// over a second.
func waitIdle(ctx context.Context, d *daemon, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	last := readProc(d.cmd.Process.Pid)
	for time.Now().Before(deadline) {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.exited:
			return fmt.Errorf("cctvd exited: %v", d.err)
		case <-time.After(time.Second):
		}
		p := readProc(d.cmd.Process.Pid)
		used := p.cpu + p.childCPU - last.cpu - last.childCPU
		last = p
		if used < 20*time.Millisecond && len(children(d.cmd.Process.Pid)) == 0 {
			return nil
		}
	}
	return fmt.Errorf("cctvd still busy after %v", limit)
}

func kib(n int64) string { return fmt.Sprintf("%.1f KiB", float64(n)/1024) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
