package main

import (
	"fmt"
	"os"
	"strings"
	"time"
)

// printSummary prints the figures of the run so far: on success the
// proof, on failure how far it got.
func (h *harness) printSummary() {
	s := &h.stats
	var ph []string
	for _, p := range phases {
		if n := s.phases[p]; n > 0 {
			ph = append(ph, fmt.Sprintf("%s %d", p, n))
		}
	}
	var ev []string
	for _, m := range counted {
		if n := s.events[m]; n > 0 && m != "archiving day" && m != "day archived" {
			ev = append(ev, fmt.Sprintf("%q %d", m, n))
		}
	}
	kills := "none"
	if s.rounds > 0 {
		kills = fmt.Sprintf("%d (%d aimed at the commit window), after %.2f to %.2f s of running",
			s.rounds, s.aimed, s.shortestKill.Seconds(), s.longestKill.Seconds())
	}
	fmt.Printf(`summary (seed %d)
  kill -9 rounds      %s
  kills per phase     %s
  cctvd starts        %d (calibration, %d kill rounds, final run)
  cycles              %d (the root filled again once every day was archived)
  days archived       %d, each verified: sha512sum -c, HEVC, frames and duration of its segments
  segments            %d in, %d lost
  checksums           %d sha512sum -c passed, %d failed
  temporary files     %d after kills (cleared by the next start), %d left at the end
  recovery (log)      %s
  uninterrupted run   %.1f s (calibration); final run done after %.1f s; pace ×%.2f of the calibration (%d days)
  wall time           %s
`, h.o.seed, kills, orNone(ph), s.restarts, s.rounds, s.cycles, s.daysArchived, s.segmentsIn, s.segmentsLost,
		s.checksumsPassed, s.checksumFailures, s.tempsAfterKill, s.tempsLeft, orNone(ev),
		s.calibrationFull.Seconds(), s.finalRunToDone.Seconds(), h.pace, s.paced, time.Since(h.began).Round(time.Second))
}

func orNone(items []string) string {
	if len(items) == 0 {
		return "none"
	}
	return strings.Join(items, ", ")
}

// printLogTail prints the last n lines of cctvd's log.
func (h *harness) printLogTail(n int) {
	b, err := os.ReadFile(h.logPath)
	if err != nil {
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	fmt.Printf("last %d lines of cctvd's log:\n%s\n", min(n, len(lines)), strings.Join(lines[max(len(lines)-n, 0):], "\n"))
}
