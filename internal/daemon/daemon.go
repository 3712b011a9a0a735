// Package daemon wires cctvd's components together and runs them until shutdown.
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/camera"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/control"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/demo"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/logring"
	"github.com/cctvd/cctvd/internal/metrics"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/retention"
	"github.com/cctvd/cctvd/internal/scrub"
	"github.com/cctvd/cctvd/internal/ts"
	"github.com/cctvd/cctvd/internal/uploader"
	"github.com/cctvd/cctvd/internal/web"
)

// Run serves the footage root until ctx ends: it builds the components,
// runs them, and closes them in reverse order.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	errlog := logring.New(log.Handler(), 20)
	log = slog.New(errlog)
	if cfg.View != "" {
		return runView(ctx, cfg, log)
	}
	if cfg.Demo {
		if err := fillDemo(ctx, cfg, log); err != nil {
			return err
		}
	}
	c, err := build(cfg, log, errlog)
	if err != nil {
		return err
	}
	defer c.close()
	return c.run(ctx)
}

// components are cctvd's parts, built and wired but not running.
type components struct {
	cfg   Config
	log   *slog.Logger
	met   *metrics.Metrics
	cal   day.Calendar
	slots *archive.Slots
	ret   *retention.Retention
	// exports bound the exports of every camera and know the days they
	// read (Pool.InUse), which retention must leave alone.
	exports *export.Pool
	// offsite is the off-site bucket as pages and exports read it; nil
	// without one. Each camera's days whose local archives are gone are
	// listed, played and exported from there.
	offsite *offsiteSource
	cams    cameras
	// def is the default camera's stack: the root's own day folders.
	def    *stack
	finder *camera.Finder
	site   *web.Site
	ctl    *control.Server
	scrub  *scrub.Scrubber
	// up copies archived days off-site; nil without --offsite.
	// offsiteState is STATE/offsite (receipts, unfinished uploads), and
	// openBucket opens the bucket with the daemon's settings and it, for
	// whatever else reads the bucket; both nil without --offsite.
	up           *uploader.Uploader
	offsiteState *os.Root
	openBucket   func(ctx context.Context) (*offsite.Bucket, error)
	// httpLn and metricsLn are nil where no address is asked for.
	httpLn, metricsLn net.Listener
	// access guards httpLn; siteHandler is what it guards.
	access      httpAccess
	siteHandler http.Handler
	// closers close what was built, in the order built; ctl and the
	// listeners are not among them: run hands them to what serves them.
	closers []func() error

	// started is set once run has started the stacks; a camera found
	// later is run in g.
	mu      sync.Mutex
	started bool
	g       *group
}

// build makes the components in order, each from the ones before, and
// binds the listeners; on an error it closes what it made.
func build(cfg Config, log *slog.Logger, errlog *logring.Handler) (*components, error) {
	c := &components{cfg: cfg, log: log}
	if err := c.build(errlog); err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

func (c *components) build(errlog *logring.Handler) error {
	cfg, log := c.cfg, c.log
	if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
		return fmt.Errorf("state folder: %w", err)
	}
	// Metrics come first so that the archivers can report their runs to
	// them; what they read of the root is attached once the control plane
	// that counts days by state exists.
	c.met = metrics.New()
	// One calendar for the archivers and the control plane: they must
	// agree on when a day ends and when it is due.
	c.cal = day.Calendar{Location: time.Local, Settle: cfg.Settle}
	// One set of job slots for every camera's archiver, taken in turns.
	c.slots = archive.NewSlots(cfg.Jobs)
	// The export pool comes before retention, which asks it which days
	// exports are reading (those it leaves alone until they end).
	c.exports = export.NewPool(cfg.ExportJobs)
	// The scrubber comes before retention, which asks it which days are
	// damaged (those it never deletes).
	c.scrub = newScrubber(cfg, c.met, log)
	// The uploader comes before retention, which asks it which days are
	// verified off-site (--keep-local), and before the stacks, whose
	// archivers kick it.
	if err := c.buildOffsite(); err != nil {
		return err
	}
	// Retention comes before the stacks: it finishes a deletion a crash
	// interrupted before any catalog reads the folders, and the sites
	// show its holds.
	if err := c.buildRetention(); err != nil {
		return err
	}
	def, err := c.buildStack(camera.Default)
	if err != nil {
		return err
	}
	c.def, c.closers = def, append(c.closers, func() error { def.close(); return nil })
	c.cams.add(def)
	if err := c.findCameras(); err != nil {
		return err
	}
	c.site = &web.Site{Default: def.site, Cameras: c.siteCameras, Now: time.Now, Blocked: c.ret.Blocked}
	ctl, err := control.New(control.Config{
		Addr: cfg.GRPC, TLSCert: cfg.GRPCTLSCert, TLSKey: cfg.GRPCTLSKey, TokenFile: cfg.GRPCTokenFile,
		Version: Version(), Root: cfg.Root, Calendar: c.cal,
	}, control.Deps{Cameras: c.controlCameras, Errors: errlog, Retention: c.ret, Scrub: c.scrubber(), Offsite: c.offsiteStatus()}, log)
	if err != nil {
		return err
	}
	c.ctl = ctl
	c.met.ReadStored(c.stored)

	// Listeners are bound before anything runs: a taken port fails start-up
	// at once, and systemd hears READY only when cctvd answers.
	if c.httpLn, c.metricsLn, err = listenHTTP(cfg); err != nil {
		ctl.Close()
		return err
	}
	if err := c.buildAccess(); err != nil {
		closeListeners(c.httpLn, c.metricsLn)
		ctl.Close()
		return err
	}
	return nil
}

// findCameras makes the folders of the configured cameras, builds the
// stacks of the camera folders there are, and readies the watch for more.
func (c *components) findCameras() error {
	for name := range c.cfg.Cameras {
		if err := os.MkdirAll(filepath.Join(c.cfg.Root, name), 0o755); err != nil {
			return fmt.Errorf("camera %q: %w", name, err)
		}
	}
	f, err := camera.NewFinder(c.cfg.Root, c.ownFolder, c.addCamera, c.log.With("component", "cameras"))
	if err != nil {
		return err
	}
	c.finder, c.closers = f, append(c.closers, f.Close)
	f.Scan()
	return nil
}

// ownFolder tells the state folder, when it is in the root, from a camera.
func (c *components) ownFolder(name string) bool {
	state, err1 := filepath.Abs(c.cfg.StateDir)
	own, err2 := filepath.Abs(filepath.Join(c.cfg.Root, name))
	return err1 != nil || err2 != nil || state == own
}

// addCamera builds and, once cctvd runs, starts camera name's stack; it
// reports whether the camera is taken (false: tried again later).
func (c *components) addCamera(name string) bool {
	s, err := c.buildStack(name)
	if err != nil {
		c.log.Error("camera cannot start; tried again at the next scan", "camera", name, "err", err)
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closers = append(c.closers, func() error { s.close(); return nil })
	c.cams.add(s)
	if c.started {
		s.run(c.g)
	}
	c.log.Info("camera found", "camera", name, "folder", filepath.Join(c.cfg.Root, name))
	return true
}

// siteCameras are the cameras as the site shows them.
func (c *components) siteCameras() []web.Camera {
	list := c.cams.shown()
	out := make([]web.Camera, 0, len(list))
	for _, s := range list {
		out = append(out, web.Camera{Name: s.name, Title: s.title, Server: s.site, LastSegment: s.lastSegment(), Silent: s.silent.Load()})
	}
	return out
}

// stored is what every camera's folders hold, for the metrics.
func (c *components) stored() []metrics.Stored {
	var out []metrics.Stored
	for _, s := range c.cams.all() {
		st := s.stored(c.ctl.DayStatesOf(s.name))
		if c.scrub != nil {
			st.OldestScrub = c.scrub.Oldest(s.name)
		}
		out = append(out, st)
	}
	return out
}

// controlCameras are every camera as the control plane serves them; the
// default one always, so that requests without a camera keep working.
func (c *components) controlCameras() []control.Camera {
	list := c.cams.all()
	out := make([]control.Camera, 0, len(list))
	for _, s := range list {
		out = append(out, control.Camera{Name: s.name, Title: s.title,
			Days: control.FromCatalog(s.cat, s.arc), Archiver: s.arc, Misplaced: s.cat,
			LastSegment: s.lastSegment, Silent: s.silent.Load, Exporter: s.exp})
	}
	return out
}

// close closes what build made, in reverse order.
func (c *components) close() {
	c.mu.Lock()
	closers := c.closers
	c.mu.Unlock()
	for i := len(closers) - 1; i >= 0; i-- {
		closers[i]()
	}
}

// run runs the components until ctx ends or one of them fails.
func (c *components) run(ctx context.Context) error {
	cfg, log := c.cfg, c.log
	g := &group{}
	ctx = g.init(ctx)
	c.mu.Lock()
	c.g, c.started = g, true
	for _, s := range c.cams.all() {
		s.run(g)
	}
	c.mu.Unlock()
	g.run(c.finder.Run)
	g.run(c.ret.Run)
	g.run(func(ctx context.Context) error {
		return watchSilence(ctx, &c.cams, cfg.SilentAfter, silenceCheckEvery, time.Now, log.With("component", "cameras"))
	})
	g.run(c.ctl.Serve)
	g.run(c.reloadOnHUP)
	if c.scrubbing() {
		g.run(c.scrub.Run)
	}
	if c.up != nil {
		g.run(c.up.Run)
	}
	if c.httpLn != nil {
		h := c.met.Instrument(c.guard(withMetrics(c.site, c.met, cfg.Metrics == "")))
		g.run(func(ctx context.Context) error { return web.Serve(ctx, c.httpLn, h, log.With("component", "http")) })
	}
	if c.metricsLn != nil {
		g.run(func(ctx context.Context) error {
			return web.Serve(ctx, c.metricsLn, c.met.Handler(), log.With("component", "metrics"))
		})
	}
	log.Info("cctvd running", "root", cfg.Root, "state", cfg.StateDir, "grpc", cfg.GRPC, "cameras", len(c.cams.all()), "version", Version())
	if cfg.Demo && cfg.HTTP != "" {
		log.Info("demo ready: open http://" + cfg.HTTP + "/ in a browser")
	}
	if err := notify("READY=1"); err != nil {
		log.Warn("cannot tell systemd cctvd is ready", "err", err)
	}
	g.run(func(ctx context.Context) error {
		<-ctx.Done()
		if err := notify("STOPPING=1"); err != nil {
			log.Warn("cannot tell systemd cctvd is stopping", "err", err)
		}
		return nil
	})
	return g.wait()
}

// silenceCheckEvery is how often cameras are checked for silence: well
// within a segment's length, so that silence is reported promptly.
const silenceCheckEvery = 5 * time.Second

// listenHTTP binds the HTTP and metrics addresses that are asked for; a
// nil listener is one that is not.
func listenHTTP(cfg Config) (site, metrics net.Listener, err error) {
	if cfg.HTTP != "" {
		if site, err = net.Listen("tcp", cfg.HTTP); err != nil {
			return nil, nil, fmt.Errorf("http: %w", err)
		}
	}
	if cfg.Metrics != "" {
		if metrics, err = net.Listen("tcp", cfg.Metrics); err != nil {
			if site != nil {
				site.Close()
			}
			return nil, nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return site, metrics, nil
}

func fillDemo(ctx context.Context, cfg Config, log *slog.Logger) error {
	if err := os.MkdirAll(cfg.Root, 0o755); err != nil {
		return fmt.Errorf("demo root: %w", err)
	}
	log.Info("filling the demo root with generated footage (about a minute the first time)", "root", cfg.Root)
	if err := demo.Fill(ctx, cfg.Root, time.Now()); err != nil {
		return err
	}
	go func() {
		if err := demo.Camera(ctx, cfg.Root, time.Now); err != nil {
			log.Error("demo camera stopped", "err", err)
		}
	}()
	return nil
}

// archivedIn is the archiver's index as the catalog and uploads ask it.
func archivedIn(arc *archive.Archiver) func(day.Date, *ts.Report) (string, string, bool) {
	return func(d day.Date, r *ts.Report) (string, string, bool) {
		h, ok := arc.Holds(d, r)
		return h.Archive, h.Name, ok
	}
}

// kickOnChange tells the archiver to look again whenever the catalog
// changes, so a day that becomes due or gets late files is seen at once;
// and the off-site uploader, which sees a new archive only once the
// catalog does.
func kickOnChange(ctx context.Context, cat *catalog.Catalog, arc *archive.Archiver, kickOffsite func()) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-cat.Changed():
			arc.Kick()
			kickOffsite()
		}
	}
}

// withMetrics serves /metrics beside the site when no separate address is asked for.
func withMetrics(site http.Handler, met *metrics.Metrics, on bool) http.Handler {
	if !on {
		return site
	}
	mh := met.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/metrics" && r.Method == http.MethodGet {
			mh.ServeHTTP(w, r)
			return
		}
		site.ServeHTTP(w, r)
	})
}
