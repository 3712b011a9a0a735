// Command cctvd stores, serves and archives the footage of Raspberry Pi CCTV cameras.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/cctvd/cctvd/internal/daemon"
)

func main() {
	cfg, err := daemon.ParseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cctvd: %v\n", err)
		os.Exit(2)
	}
	if cfg.ShowVersion {
		fmt.Printf("cctvd %s (%s %s/%s)\n", daemon.Version(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return
	}
	if cfg.CheckConfig {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := cfg.Check(ctx, os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintf(os.Stderr, "cctvd: check config: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if cfg.PrintConfig {
		if err := cfg.WriteTOML(os.Stdout); err != nil {
			fmt.Fprintf(os.Stderr, "cctvd: %v\n", err)
			os.Exit(1)
		}
		return
	}
	log, err := cfg.Logger(os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cctvd: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = daemon.Run(ctx, cfg, log)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "cctvd: %v\n", err)
		os.Exit(1)
	}
}
