// Command cctvd stores, serves and archives the footage of Raspberry Pi CCTV cameras.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/cctvd/cctvd/internal/daemon"
)

func main() {
	cfg, err := daemon.ParseFlags(os.Args[1:], os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cctvd: %v\n", err)
		os.Exit(2)
	}
	log, err := cfg.Logger(os.Stderr)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cctvd: %v\n", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := daemon.Run(ctx, cfg, log); err != nil {
		log.Error("cctvd stopped", "err", err)
		fmt.Fprintf(os.Stderr, "cctvd: %v\n", err)
		stop()
		os.Exit(1)
	}
}
