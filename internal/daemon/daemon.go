// Package daemon wires cctvd's components together and runs them until shutdown.
package daemon

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/control"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/demo"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/logring"
	"github.com/cctvd/cctvd/internal/metrics"
	"github.com/cctvd/cctvd/internal/thumbs"
	"github.com/cctvd/cctvd/internal/ts"
	"github.com/cctvd/cctvd/internal/web"
)

// Run serves the footage root until ctx ends: it builds the components,
// runs them, and closes them in reverse order.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	errlog := logring.New(log.Handler(), 20)
	log = slog.New(errlog)
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
	cfg  Config
	log  *slog.Logger
	met  *metrics.Metrics
	cat  *catalog.Catalog
	arc  *archive.Archiver
	th   *thumbs.Thumbs
	site *web.Server
	ctl  *control.Server
	// httpLn and metricsLn are nil where no address is asked for.
	httpLn, metricsLn net.Listener
	// closers close what was built, in the order built; ctl and the
	// listeners are not among them: run hands them to what serves them.
	closers []func() error
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
	// Metrics come first so that the archiver can report its runs to them;
	// what they read of the root is attached once the control plane that
	// counts days by state exists.
	met := metrics.New()
	c.met = met
	// One calendar for the archiver and the control plane: they must agree
	// on when a day ends and when it is due.
	cal := day.Calendar{Location: time.Local, Settle: cfg.Settle}
	arc, err := archive.New(archive.Config{
		OnRunEnd: func(e archive.RunEnd) {
			met.ArchiveRun(e.Result, e.Elapsed, e.Footage, e.BytesIn, e.BytesOut, time.Now())
		},
		Root: cfg.Root, State: cfg.StateDir, Calendar: cal, Jobs: cfg.Jobs, ChunkSegments: cfg.ChunkSegments,
		Encode: encode.Settings{FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe, Preset: cfg.Preset, CRF: cfg.CRF,
			X265Params: cfg.X265Params, Nice: cfg.Nice},
	}, log)
	if err != nil {
		return err
	}
	c.arc, c.closers = arc, append(c.closers, arc.Close)
	// The catalog asks the archiver's index which files are copies of
	// archived footage, so the archiver comes first.
	cat, err := catalog.New(catalog.Config{Root: cfg.Root, StateDir: cfg.StateDir, Archived: archivedIn(arc)}, log)
	if err != nil {
		return err
	}
	c.cat, c.closers = cat, append(c.closers, cat.Close)
	th, err := thumbs.New(thumbs.Config{Root: cfg.Root, StateDir: cfg.StateDir, Catalog: cat, FFmpeg: cfg.FFmpeg, Nice: cfg.Nice}, log)
	if err != nil {
		return err
	}
	c.th, c.closers = th, append(c.closers, th.Close)
	site, err := web.New(web.Config{Root: cfg.Root, UploadTokenFile: cfg.UploadTokenFile, UploadMaxBytes: cfg.UploadMaxBytes,
		Thumbs: th, ArchiveRuns: arc.Runs, Archived: archivedIn(arc), Failures: failures(arc)}, log, cat)
	if err != nil {
		return err
	}
	c.site, c.closers = site, append(c.closers, site.Close)
	ctl, err := control.New(control.Config{
		Addr: cfg.GRPC, TLSCert: cfg.GRPCTLSCert, TLSKey: cfg.GRPCTLSKey, TokenFile: cfg.GRPCTokenFile,
		Version: Version(), Root: cfg.Root, Calendar: cal,
	}, control.Deps{Cameras: control.OneCamera(control.FromCatalog(cat, arc), arc, cat), Errors: errlog}, log)
	if err != nil {
		return err
	}
	c.ctl = ctl
	met.ReadStored(func() metrics.Stored { return stored(cat, ctl) })

	// Listeners are bound before anything runs: a taken port fails start-up
	// at once, and systemd hears READY only when cctvd answers.
	if c.httpLn, c.metricsLn, err = listenHTTP(cfg); err != nil {
		ctl.Close()
		return err
	}
	return nil
}

// close closes what build made, in reverse order.
func (c *components) close() {
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i]()
	}
}

// run runs the components until ctx ends or one of them fails.
func (c *components) run(ctx context.Context) error {
	cfg, log := c.cfg, c.log
	var g group
	ctx = g.init(ctx)
	g.run(c.cat.Run)
	g.run(c.arc.Run)
	g.run(c.th.Run)
	g.run(c.ctl.Serve)
	g.run(func(ctx context.Context) error { return kickOnChange(ctx, c.cat, c.arc) })
	if c.httpLn != nil {
		h := c.met.Instrument(withMetrics(c.site, c.met, cfg.Metrics == ""))
		g.run(func(ctx context.Context) error { return web.Serve(ctx, c.httpLn, h, log.With("component", "http")) })
	}
	if c.metricsLn != nil {
		g.run(func(ctx context.Context) error {
			return web.Serve(ctx, c.metricsLn, c.met.Handler(), log.With("component", "metrics"))
		})
	}
	log.Info("cctvd running", "root", cfg.Root, "state", cfg.StateDir, "grpc", cfg.GRPC, "version", Version())
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
// changes, so a day that becomes due or gets late files is seen at once.
func kickOnChange(ctx context.Context, cat *catalog.Catalog, arc *archive.Archiver) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-cat.Changed():
			arc.Kick()
		}
	}
}

func stored(cat *catalog.Catalog, ctl *control.Server) metrics.Stored {
	s := metrics.Stored{DaysByState: ctl.DayStates(), Ingested: cat.Ingested()}
	for _, v := range cat.Days() {
		s.Segments += v.Totals.Segments
		s.Bytes += v.Totals.Bytes
		for _, a := range v.Archives {
			s.ArchiveBytes += a.Size
		}
	}
	return s
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
