// Command cameras measures cctvd with many cameras under one root; see
// bench/cameras.sh and bench/jobs.sh, which run it.
//
//	go run ./bench/cameras [-cameras 16] [-segments 8640] [-fps 1] [-conns 32] [-duration 10s]
//	go run ./bench/cameras jobs [-cameras 3] [-days 2] [-minutes 2] [-jobs 1,2]
//
// The first measures start-up (cold and with the scan cache), the
// overview and a camera's page, and a playlist's requests/s, on a root of
// many cameras with a full day each; the second times the archiving of
// several cameras' due days at each --jobs, with the machine's CPU use and
// a playlist's latency meanwhile.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"github.com/cctvd/cctvd/internal/testbin"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var err error
	if len(os.Args) > 1 && os.Args[1] == "jobs" {
		err = runJobs(ctx, os.Args[2:])
	} else {
		err = runStart(ctx, os.Args[1:])
	}
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "cameras: %v\n", err)
		os.Exit(1)
	}
}

// build builds cctvd into dir.
func build(ctx context.Context, dir string) (string, error) {
	bin, _, err := testbin.Build(ctx, dir)
	return bin, err
}

// benchDir is the cache folder: $env, else name in the temporary folder.
func benchDir(env, name string) string {
	if d := os.Getenv(env); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), name)
}

func numCPU() int { return runtime.NumCPU() }

// children lists pid's child processes.
func children(pid int) []int {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/children")
	var out []int
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			if c, err := strconv.Atoi(f); err == nil {
				out = append(out, c)
			}
		}
	}
	return out
}
