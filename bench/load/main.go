// Command load puts cctvd under the load of many HLS players while it
// archives a day, and prints what they saw.
//
//	go run ./bench/load [-clients 200] [-duration 60s] [-speed 1] [-dir DIR] [-exports N]
//
// It builds cctvd, lays a root of hard links to footage filmed once into
// DIR (closed days, today with a camera delivering into it, an archived
// day, and an old day that cctvd is made to archive with ffmpeg/x265),
// waits until the encoder runs, then lets the players loose for the
// window. With -exports, evidence exports run back to back during the
// window too. It exits 1 on any error a player (or an export) saw; a
// missed latency goal is only reported, since the machine may be shared.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/testbin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
		os.Exit(1)
	}
}

// config is the command line.
type config struct {
	clients  int
	duration time.Duration
	speed    float64
	ramp     time.Duration
	dir      string
	segments int
	goal     time.Duration
	keep     bool
	// scrubMiB, if set, lays archives of this size for a scrub to read
	// (cctvctl scrub --all, over and over) during the window, at
	// scrubRate (cctvd's --scrub-rate).
	scrubMiB  int
	scrubRate string
	// exports, if set, runs this many exports at a time, back to back,
	// during the window: /export.mp4 of exportRange from the start of a
	// day of the cached footage.
	exports     int
	exportRange time.Duration
}

func parseFlags(args []string) (config, error) {
	var c config
	dir := os.Getenv("CCTVD_LOAD_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "cctvd-load")
	}
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.IntVar(&c.clients, "clients", 200, "concurrent HLS players")
	fs.DurationVar(&c.duration, "duration", 60*time.Second, "how long the players play")
	fs.Float64Var(&c.speed, "speed", 1, "playback speed: players take a 10-s segment every 10s/speed and the camera delivers one as often; 0: players do not wait at all")
	fs.DurationVar(&c.ramp, "ramp", 0, "players start evenly spread over this time (default: a segment duration at -speed, at least 2s), as players arrive at random moments, not all at once")
	fs.StringVar(&c.dir, "dir", dir, "footage is filmed here once and reused; each run's root is hard links below it ($CCTVD_LOAD_DIR)")
	fs.IntVar(&c.segments, "segments", 180, "10-s segments in each past day, the archived one included; the archive must outlast the window")
	fs.DurationVar(&c.goal, "goal", 50*time.Millisecond, "p99 playlist latency goal")
	fs.BoolVar(&c.keep, "keep", false, "keep the run's root, state and log")
	fs.IntVar(&c.scrubMiB, "scrub-mib", 0, "lay this many MiB of archives and scrub them again and again during the window (0: no scrub)")
	fs.StringVar(&c.scrubRate, "scrub-rate", "20MiB", "cctvd's --scrub-rate for -scrub-mib")
	fs.IntVar(&c.exports, "exports", 0, "run this many evidence exports at a time, back to back, during the window (0: none)")
	fs.DurationVar(&c.exportRange, "export-range", time.Hour, "each export's range, from the start of a day of all the footage (-segments × 10 s of it)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	case c.clients < 1:
		return c, fmt.Errorf("-clients %d: want at least 1", c.clients)
	case c.duration <= 0:
		return c, fmt.Errorf("-duration %v: want more than 0", c.duration)
	case c.speed < 0:
		return c, fmt.Errorf("-speed %v: want 0 or more", c.speed)
	case c.segments < 2*liveStart:
		return c, fmt.Errorf("-segments %d: want at least %d", c.segments, 2*liveStart)
	case c.exports < 0:
		return c, fmt.Errorf("-exports %d: want 0 or more", c.exports)
	case c.exportRange <= 0 || c.exportRange > 24*time.Hour:
		return c, fmt.Errorf("-export-range %v: want more than 0, at most cctvd's --export-max of 24h", c.exportRange)
	}
	return c, nil
}

// waitPastMidnight returns at once unless midnight is less than need
// away; then it waits until just past it. The root's days are laid out
// from today's date, and a run that crossed midnight would see today's
// folder become yesterday's mid-window: its EVENT playlist closes and the
// players report errors that are the clock's, not cctvd's.
func waitPastMidnight(ctx context.Context, now time.Time, need time.Duration) error {
	y, m, dd := now.Date()
	midnight := time.Date(y, m, dd+1, 0, 0, 0, 0, now.Location())
	if midnight.Sub(now) >= need {
		return nil
	}
	wait := midnight.Sub(now) + 5*time.Second
	fmt.Printf("midnight is %v away and a run needs %v: waiting %v for the new day\n",
		midnight.Sub(now).Round(time.Second), need, wait.Round(time.Second))
	select {
	case <-time.After(wait):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// liveStart is how many segments today has when the window opens.
const liveStart = 30

func run(ctx context.Context, args []string) error {
	cfg, err := parseFlags(args)
	if err != nil {
		return err
	}
	var setup []string // what setup took, step by step
	step := func(what string, since time.Time) {
		setup = append(setup, fmt.Sprintf("%s %.1f s", what, time.Since(since).Seconds()))
	}
	t0 := time.Now()

	t := time.Now()
	made := !complete(filepath.Join(cfg.dir, "src"), cfg.segments)
	if made {
		fmt.Printf("filming %d segments of %dx%d footage into %s (once) …\n", cfg.segments, profile.Width, profile.Height, cfg.dir)
	}
	c, err := makeCache(ctx, cfg.dir, cfg.segments)
	if err != nil {
		return err
	}
	if made {
		step("footage filmed", t)
	}
	work, err := os.MkdirTemp(cfg.dir, "run-")
	if err != nil {
		return fmt.Errorf("work folder: %w", err)
	}
	if cfg.keep {
		fmt.Printf("keeping %s\n", work)
	} else {
		defer os.RemoveAll(work)
	}
	t = time.Now()
	bin, _, err := testbin.Build(ctx, work)
	if err != nil {
		return err
	}
	step("build", t)

	if err := waitPastMidnight(ctx, time.Now(), cfg.duration+5*time.Minute); err != nil {
		return err
	}
	t = time.Now()
	root := filepath.Join(work, "root")
	d := newDays(time.Now())
	if err := layRoot(c, root, d, liveStart); err != nil {
		return err
	}
	daemonArgs := []string{"--settle", "1000000h", "--jobs", "1"}
	if cfg.scrubMiB > 0 {
		if err := layScrub(cfg.dir, root, d.today, cfg.scrubMiB); err != nil {
			return fmt.Errorf("scrub archives: %w", err)
		}
		daemonArgs = append(daemonArgs, "--scrub-rate", cfg.scrubRate)
	}
	scanned := map[string]int{}
	if cfg.exports > 0 {
		if err := layExportDay(c, root, d); err != nil {
			return err
		}
		scanned[exportDay().String()] = len(c.segments)
		// cctvd refuses exports beyond --export-jobs (2) with 429.
		daemonArgs = append(daemonArgs, "--export-jobs", strconv.Itoa(max(cfg.exports, 2)))
	}
	// The log is kept beside the footage, so it outlives the run's folder.
	logPath := filepath.Join(cfg.dir, "cctvd-last.log")
	// A settle time longer than any day keeps cctvd from archiving on its
	// own: the bench decides which day is archived, and when.
	dmn, err := startDaemon(ctx, bin, root, logPath, daemonArgs...)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			dmn.stop()
		}
	}()
	base := &url.URL{Scheme: "http", Host: dmn.addr, Path: "/"}
	hc := newHTTPClient(cfg.clients)
	if err := waitScanned(ctx, hc, base, d, cfg.segments, scanned); err != nil {
		return fmt.Errorf("%w (log: %s)", err, logPath)
	}
	step("cctvd up and scanned", t)

	t = time.Now()
	arc, err := startArchive(ctx, dmn.sock, d.archiving.String())
	if err != nil {
		return err
	}
	if err := arc.waitEncoding(ctx, 2*time.Minute); err != nil {
		return err
	}
	step("archive encoding", t)

	tick := time.Duration(0)
	if cfg.speed > 0 {
		tick = time.Duration(float64(footage.SegmentDuration) / cfg.speed)
	}
	camEvery := tick
	if camEvery == 0 {
		camEvery = time.Second // unpaced players; the camera still delivers
	}
	if cfg.ramp == 0 {
		cfg.ramp = max(tick, 2*time.Second)
	}
	fmt.Printf("cctvd load: %d players for %v at %gx speed (a segment every %v), starting over %v; camera every %v; %d cores, load average %s\n",
		cfg.clients, cfg.duration, cfg.speed, tick, cfg.ramp, camEvery, runtime.NumCPU(), loadAvg())
	fmt.Printf("setup %.1f s: %s\n", time.Since(t0).Seconds(), strings.Join(setup, ", "))

	b := &bench{cfg: cfg, hc: hc, base: base, days: d, cache: c, dmn: dmn, arc: arc, today: filepath.Join(root, d.today.String()),
		tick: tick, camEvery: camEvery}
	var scr *scrubber
	if cfg.scrubMiB > 0 {
		// Cancelled, not a deadline: gRPC's own timer may end a stream
		// with DeadlineExceeded before the context reports it, which the
		// scrubber then took for a failed pass.
		sctx, stopScrub := context.WithCancel(ctx)
		defer stopScrub()
		time.AfterFunc(cfg.duration, stopScrub)
		if scr, err = startScrub(sctx, dmn.sock); err != nil {
			return err
		}
	}
	res := b.window(ctx)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if scr != nil {
		fmt.Println(scr.report(res.elapsed))
	}
	res.serverErrors, res.serverErrorLines, res.serverErr = server5xx(ctx, hc, base)
	if err := arc.cancel(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "load: %v\n", err)
	}
	res.logged = dmn.logged()
	stopped = true
	if err := dmn.stop(); err != nil {
		res.stopErr = err
	}
	return res.report(os.Stdout, cfg, logPath)
}

// loadAvg is the machine's 1, 5 and 15-minute load average: how shared it is.
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func newHTTPClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	// One connection per player, kept: a player keeps its connection alive.
	tr.MaxIdleConns = clients + 16
	tr.MaxIdleConnsPerHost = clients + 16
	// Players send Accept-Encoding: gzip themselves (see fetch) and the
	// bench reads what was sent, gunzipping playlists on its own.
	tr.DisableCompression = true
	return &http.Client{
		Transport: tr,
		// Redirects are followed by hand, so that each hop is timed and checked.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// waitScanned waits until cctvd lists every segment of the root (and
// the segments of more days, by date): the catalog scans in the
// background after start-up.
func waitScanned(ctx context.Context, hc *http.Client, base *url.URL, d days, n int, more map[string]int) error {
	v := &viewer{hc: hc, base: base, buf: make([]byte, 64<<10)}
	want := map[string]int{d.today.String(): liveStart, d.archiving.String(): n}
	for _, c := range d.closed {
		want[c.String()] = n
	}
	maps.Copy(want, more)
	deadline := time.Now().Add(2 * time.Minute)
	for date, count := range want {
		for {
			u, _ := base.Parse("/playlist.m3u8?date=" + date)
			l, ok := v.load(ctx, u)
			if ok && len(l.pl.uris) == count {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("cctvd did not list the %d segments of %s within 2 minutes: %d", count, date, len(l.pl.uris))
			}
			if !sleep(ctx, 100*time.Millisecond) {
				return ctx.Err()
			}
		}
	}
	return nil
}

// result is what the window measured.
type result struct {
	tally
	elapsed          time.Duration
	cpu              cpuSample
	archiveStart     progress
	archiveEnd       progress
	archiveEnded     bool
	archiveHow       string
	archiveFailed    error
	statusErr        error
	delivered        int
	cameraErr        error
	serverErrors     int
	serverErrorLines []string
	serverErr        error
	logged           []string
	stopErr          error
	exports          *exports // nil without -exports
}

// bench is a run, set up.
type bench struct {
	cfg      config
	hc       *http.Client
	base     *url.URL
	days     days
	cache    cache
	dmn      *daemon
	arc      *archive
	today    string        // today's folder, where the camera delivers
	tick     time.Duration // a segment's duration at the players' speed
	camEvery time.Duration
}

// window runs the players and the camera for cfg.duration and measures.
func (b *bench) window(ctx context.Context) *result {
	cfg, arc, dmn := b.cfg, b.arc, b.dmn
	res := &result{}
	var err error
	if res.archiveStart, err = arc.now(ctx); err != nil {
		res.statusErr = err
	}
	wctx, cancel := context.WithTimeout(ctx, cfg.duration)
	defer cancel()
	cpu0 := sampleCPU(dmn.cmd.Process.Pid)
	start := time.Now()

	closed := make(chan struct{})
	close(closed)
	var exportsDone <-chan struct{} = closed
	if cfg.exports > 0 {
		res.exports, exportsDone = startExports(wctx, cfg.exports, b.base, cfg.exportRange)
	}
	camDone := make(chan struct{})
	go func() {
		defer close(camDone)
		res.delivered, res.cameraErr = camera(wctx, b.cache, b.today, liveStart, b.camEvery)
	}()
	viewers := make([]*viewer, cfg.clients)
	var wg sync.WaitGroup
	for i := range viewers {
		v := &viewer{hc: b.hc, base: b.base, days: b.days, tick: b.tick, closedN: len(b.cache.segments),
			rng: rand.New(rand.NewPCG(uint64(i), uint64(start.UnixNano()))), buf: make([]byte, 64<<10)}
		viewers[i] = v
		delay := cfg.ramp * time.Duration(i) / time.Duration(cfg.clients)
		wg.Go(func() {
			if sleep(wctx, delay) {
				v.run(wctx)
			}
		})
	}
	wg.Wait()
	<-camDone
	<-exportsDone
	end := time.Now()
	res.elapsed = end.Sub(start)
	res.cpu = sampleCPU(dmn.cmd.Process.Pid).sub(cpu0)
	if res.archiveEnd, err = arc.now(ctx); err != nil && res.statusErr == nil {
		res.statusErr = err
	}
	res.archiveEnded, res.archiveHow = arc.endedBefore(end)
	res.archiveFailed = arc.failed()
	for _, v := range viewers {
		res.merge(&v.t)
	}
	return res
}

func (r *result) merge(t *tally) {
	for k := range t.lat {
		r.lat[k] = append(r.lat[k], t.lat[k]...)
	}
	r.requests += t.requests
	r.bytes += t.bytes
	r.gone += t.gone
	for class, n := range t.errs {
		if r.errs == nil {
			r.errs = map[string]int{}
		}
		r.errs[class] += n
	}
	for _, e := range t.examples {
		if len(r.examples) < 10 {
			r.examples = append(r.examples, e)
		}
	}
}
