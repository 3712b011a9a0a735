package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"

	"github.com/cctvd/cctvd/internal/metrics"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/viewer"
	"github.com/cctvd/cctvd/internal/web"
)

// viewConfig is view mode's part of Config: `cctvd --view s3://BUCKET/PREFIX`
// serves every site under the prefix, read-only, with no local cameras.
type viewConfig struct {
	// View is the bucket; how to reach it is Config.OffsiteTable, the
	// config file's [offsite] table, the same one the uploader reads.
	View string
}

func (c *Config) viewFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.View, "view", "", "serve the off-site bucket s3://BUCKET[/PREFIX] read-only: every site in it, no local cameras (no --root; the config file's [offsite] table says how to reach it)")
}

// fillView checks a view mode's configuration: no footage root, a bucket
// and the way to reach it, and the same access rule as the site's.
func (c *Config) fillView() error {
	if c.Root != "" || c.Demo {
		return errors.New("--view serves a bucket read-only, with no local cameras: drop --root and --demo")
	}
	if _, err := offsite.ParseTarget(c.View); err != nil {
		return fmt.Errorf("--view: %w", err)
	}
	if c.HTTP == "" {
		return errors.New("--view needs --http: the viewer is a web site")
	}
	if c.OffsiteTable.Endpoint == "" || c.OffsiteTable.CredentialsFile == "" {
		return errors.New("--view needs the bucket's server: a --config file with an [offsite] table of endpoint and credentials-file (and region, path-style if needed)")
	}
	if c.UsersFile != "" && c.StateDir == "" {
		return errors.New("--view with --users-file needs --state: the login sessions' key is kept there")
	}
	return c.checkAccess()
}

// openView opens the bucket for reading only: no state folder, so nothing
// can be uploaded through it.
func openView(ctx context.Context, cfg Config, log *slog.Logger) (*offsite.Bucket, error) {
	t, err := offsite.ParseTarget(cfg.View)
	if err != nil {
		return nil, fmt.Errorf("--view: %w", err)
	}
	b, err := offsite.Open(ctx, t, cfg.OffsiteTable.reach(), nil, log)
	if err != nil {
		return nil, fmt.Errorf("--view: %w", err)
	}
	return b, nil
}

// runView serves the bucket's sites read-only until ctx ends: the viewer
// behind the same access gate, TLS and metrics as the site; no control
// plane, archiver, uploads or writes.
func runView(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.StateDir != "" {
		if err := os.MkdirAll(cfg.StateDir, 0o750); err != nil {
			return fmt.Errorf("state folder: %w", err)
		}
	}
	b, err := openView(ctx, cfg, log)
	if err != nil {
		return err
	}
	c := &components{cfg: cfg, log: log, met: metrics.New()}
	if c.httpLn, c.metricsLn, err = listenHTTP(cfg); err != nil {
		return err
	}
	if err := c.buildAccess(); err != nil {
		closeListeners(c.httpLn, c.metricsLn)
		return err
	}
	v := viewer.New(viewer.Config{Bucket: b, Logout: logoutURL(cfg)}, log)
	defer v.Close()

	g := &group{}
	ctx = g.init(ctx)
	h := c.met.Instrument(c.guard(withMetrics(v, c.met, cfg.Metrics == "")))
	g.run(func(ctx context.Context) error { return web.Serve(ctx, c.httpLn, h, log.With("component", "http")) })
	if c.metricsLn != nil {
		g.run(func(ctx context.Context) error {
			return web.Serve(ctx, c.metricsLn, c.met.Handler(), log.With("component", "metrics"))
		})
	}
	g.run(c.reloadOnHUP)
	log.Info("cctvd viewing, read-only", "target", b.Target().String(), "version", Version())
	if err := notify("READY=1"); err != nil {
		log.Warn("cannot tell systemd cctvd is ready", "err", err)
	}
	return g.wait()
}

// checkView is --check-config's for view mode: it opens the bucket and
// lists it, as a start would.
func (c Config) checkView(ctx context.Context, w io.Writer) error {
	if _, err := c.Logger(io.Discard); err != nil {
		return err
	}
	b, err := openView(ctx, c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		return err
	}
	l, err := b.List(ctx)
	if err != nil {
		return fmt.Errorf("--view: %w", err)
	}
	if _, err := fmt.Fprintf(w, "configuration from %s: every key known, every value valid\nview    %s: read-only, %d sites (endpoint %s)\nhttp    %s\n",
		c.ConfigFile, b.Target(), len(l.Sites), c.OffsiteTable.Endpoint, c.HTTP); err != nil {
		return err
	}
	return c.checkAccessFiles(w)
}
