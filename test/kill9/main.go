// Command kill9 proves that archiving survives kill -9: it runs the real
// cctvd binary on a temporary root of a few short past days of two
// cameras (the default one in ROOT/DATE and cam2 in ROOT/cam2/DATE, each
// with its own state in STATE and STATE/cameras/cam2), SIGKILLs it at
// random moments of the archive pipeline, and after every kill checks, with
// cctvd stopped, that each day of each camera holds all its segments byte
// for byte or a verified archive. A last uninterrupted run must then
// archive every day with no segment lost, every checksum passing and no
// temporary file left in either camera's folders.
//
//	go run ./test/kill9 [-rounds 20] [-cameras 2] [-days 2] [-jobs N] [-seed N] [-keep] [-retention=false] [-retention-rounds 40]
//
// A first uninterrupted run times each day's steps; a round's kill moment
// is drawn from the start-up plus what is left of the day under way and a
// little of the next, so that kills fall all along a day's pipeline. Every
// fourth round waits for a day's archive to be verified and kills within
// the few milliseconds of its commit, which moments drawn from seconds
// seldom hit. When every day is archived, the root is filled again from
// the recorded footage (a new cycle), so that kills keep landing inside
// archive runs instead of on an idle daemon.
//
// Then the retention phase (retention.go, -retention=false skips it) kills
// cctvd while it deletes archived days from a small tmpfs and checks that
// each day is whole or has its delete intent in the ledger.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the command line's.
type options struct {
	rounds        int
	aimEvery      int
	cameras       int
	days          int
	jobs          int
	segments      int
	chunkSegments int
	seed          int64
	keep          bool
	timeout       time.Duration
	// retention runs the retention phase after the archive rounds.
	retention       bool
	retentionRounds int
}

func main() {
	var o options
	flag.IntVar(&o.rounds, "rounds", 20, "kills, each after a random moment of archiving")
	flag.IntVar(&o.aimEvery, "aim-every", 4, "every Nth round kills inside the short commit window (0: never)")
	flag.IntVar(&o.cameras, "cameras", 2, "cameras in the root: the default one (ROOT/DATE), then cam2, cam3, … (ROOT/camN/DATE)")
	flag.IntVar(&o.days, "days", 2, "days of footage of each camera")
	flag.IntVar(&o.jobs, "jobs", 0, "cctvd's --jobs, days archived at a time over all cameras (0: cctvd's default)")
	flag.IntVar(&o.segments, "segments", 4, "10-second segments of the shortest day (the others have up to 2 more)")
	flag.IntVar(&o.chunkSegments, "chunk-segments", 2, "cctvd's --chunk-segments: small, so that a day has several chunks to interrupt")
	flag.Int64Var(&o.seed, "seed", 0, "seed of the kill moments (default: from the clock; printed, to repeat a run)")
	flag.BoolVar(&o.keep, "keep", false, "keep the temporary folder (footage, root, state, cctvd's log)")
	flag.BoolVar(&o.retention, "retention", true, "then kill cctvd while retention deletes archived days from a small tmpfs (needs root)")
	flag.IntVar(&o.retentionRounds, "retention-rounds", 40, "kills of the retention phase")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "kill9: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if o.seed == 0 {
		o.seed = time.Now().UnixNano()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, o)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "kill9: %v\n", err)
		os.Exit(1)
	}
}

// run builds cctvd, records the footage, times one uninterrupted archive
// run, kills cctvd o.rounds times, lets a last run finish, and prints the
// figures. Any broken invariant ends it with an error.
func run(ctx context.Context, o options) (err error) {
	if o.rounds < 0 || o.retentionRounds < 0 || o.aimEvery < 0 || o.jobs < 0 || o.cameras < 1 || o.days < 1 || o.segments < 1 || o.chunkSegments < 1 {
		return fmt.Errorf("-rounds, -retention-rounds, -aim-every and -jobs must not be negative, -cameras, -days, -segments and -chunk-segments must be positive")
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	h, err := newHarness(o)
	if err != nil {
		return err
	}
	defer func() {
		h.log.Close()
		if err != nil {
			// CI keeps only the output: show the end of cctvd's log.
			h.printLogTail(40)
		}
		// A failed run keeps its folder: the log and the day folders are
		// the evidence.
		if o.keep || err != nil {
			fmt.Printf("kept %s (cctvd's log: %s)\n", h.dir, h.logPath)
			return
		}
		os.RemoveAll(h.dir)
	}()
	fmt.Printf("kill9: seed %d; %s\n", o.seed, h.dir)
	defer h.printSummary()
	if err := h.prepare(ctx); err != nil {
		return err
	}
	if err := h.calibrate(ctx); err != nil {
		return err
	}
	for n := 1; n <= o.rounds; n++ {
		if err := h.round(ctx, n); err != nil {
			return fmt.Errorf("round %d (seed %d): %w", n, o.seed, err)
		}
	}
	if err := h.finish(ctx); err != nil {
		return fmt.Errorf("final run (seed %d): %w", o.seed, err)
	}
	if o.retention {
		return h.retention(ctx)
	}
	return nil
}
