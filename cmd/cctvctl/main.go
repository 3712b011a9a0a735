// Command cctvctl controls a running cctvd; see internal/ctl.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"

	"github.com/cctvd/cctvd/internal/ctl"
)

// version is set at link time: -ldflags "-X main.version=v1.2.3".
var version string

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	cli := &ctl.CLI{
		Stdout:     os.Stdout,
		Stderr:     os.Stderr,
		Env:        os.Getenv,
		IsTerminal: term.IsTerminal(int(os.Stdout.Fd())),
		Stdin:      os.Stdin,
		Version:    version,
	}
	if fd := int(os.Stdin.Fd()); term.IsTerminal(fd) {
		cli.ReadPassword = func() ([]byte, error) { return term.ReadPassword(fd) }
	}
	err := cli.Run(ctx, os.Args[1:])
	stop()
	if err != nil {
		cli.Report(err)
		os.Exit(ctl.ExitCode(err))
	}
}
