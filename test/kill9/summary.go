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
	t := s.total()
	fmt.Printf(`summary (seed %d)
  kill -9 rounds      %s
  kills per phase     %s
  cctvd starts        %d (calibration, %d kill rounds, final run)
  cycles              %d (the root filled again once every day was archived)
  days archived       %d, each verified: sha512sum -c, HEVC, frames and duration of its segments
  segments            %d in, %d lost
  checksums           %d sha512sum -c passed, %d failed
  temporary files     %d after kills (cleared by the next start), %d left at the end
`, h.o.seed, kills, orNone(ph), s.restarts, s.rounds, s.cycles, t.daysArchived, t.segmentsIn, t.segmentsLost,
		t.checksumsPassed, t.checksumFailures, t.tempsAfterKill, t.tempsLeft)
	for c, cs := range s.cams {
		where := "ROOT/DATE, STATE"
		if name := cameraName(c); name != "" {
			where = fmt.Sprintf("ROOT/%s/DATE, STATE/cameras/%s", name, name)
		}
		fmt.Printf("  camera %-12s %d days archived, segments %d in / %d lost, checksums %d passed / %d failed, temporary files %d after kills / %d left (%s)\n",
			orDefault(cameraName(c)), cs.daysArchived, cs.segmentsIn, cs.segmentsLost, cs.checksumsPassed, cs.checksumFailures,
			cs.tempsAfterKill, cs.tempsLeft, where)
	}
	fmt.Printf(`  recovery (log)      %s
  uninterrupted run   %.1f s (calibration); final run done after %.1f s; pace ×%.2f of the calibration (%d days)
  wall time           %s
`, orNone(ev), s.calibrationFull.Seconds(), s.finalRunToDone.Seconds(), h.pace, s.paced, time.Since(h.began).Round(time.Second))
}

func orDefault(camera string) string {
	if camera == "" {
		return "(default)"
	}
	return camera
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
