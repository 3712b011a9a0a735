// Package daemon wires cctvd's components together and runs them until shutdown.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/demo"
	"github.com/cctvd/cctvd/internal/ts"
)

// Run serves the footage root until ctx ends.
func Run(ctx context.Context, cfg Config, log *slog.Logger) error {
	if cfg.Root == "" {
		return errors.New("no footage root: pass --root DIR")
	}
	if cfg.Demo {
		if err := os.MkdirAll(cfg.Root, 0o755); err != nil {
			return fmt.Errorf("demo root: %w", err)
		}
		log.Info("filling demo root with generated footage", "root", cfg.Root)
		if err := demo.Fill(ctx, cfg.Root, time.Now()); err != nil {
			return err
		}
		go func() {
			if err := demo.Camera(ctx, cfg.Root, time.Now); err != nil {
				log.Error("demo camera stopped", "err", err)
			}
		}()
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return fmt.Errorf("footage root: %w", err)
	}
	defer root.Close()
	entries, err := os.ReadDir(cfg.Root)
	if err != nil {
		return fmt.Errorf("footage root: %w", err)
	}
	for _, e := range entries {
		if _, err := day.Parse(e.Name()); err != nil || !e.IsDir() {
			continue
		}
		p, err := ts.PlanDir(root, e.Name())
		if err != nil {
			log.Warn("cannot plan day", "day", e.Name(), "err", err)
			continue
		}
		log.Info("day", "day", e.Name(), "segments", len(p.Segments), "frames", p.Frames(),
			"span", p.Span(), "bytes", p.Bytes(), "kept", len(p.Kept), "findings", len(p.Findings))
	}
	log.Info("cctvd running", "root", filepath.Clean(cfg.Root))
	<-ctx.Done()
	return nil
}
