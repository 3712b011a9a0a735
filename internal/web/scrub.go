package web

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Scrub is what the last scrubs of a day's archives found.
type Scrub struct {
	// Last is the oldest of their last scrubs; zero when one was never
	// scrubbed.
	Last time.Time
	// Damaged names the damaged archives and why ("video.mp4: mismatch");
	// empty when none is.
	Damaged []string
}

// scrubText is a day's scrub on the page.
type scrubText struct {
	text    string
	damaged bool
}

// scrubTexts are the days' scrubs in words, at the server's now: "scrubbed
// 3 days ago: ok", or the damaged files.
func (s *Server) scrubTexts() map[day.Date]scrubText {
	if s.cfg.Scrubs == nil {
		return nil
	}
	now := s.cfg.Now()
	out := map[day.Date]scrubText{}
	for d, sc := range s.cfg.Scrubs() {
		switch {
		case len(sc.Damaged) > 0:
			out[d] = scrubText{text: strings.Join(sc.Damaged, ", ") + " (kept as it is; restore it from a copy)", damaged: true}
		case !sc.Last.IsZero():
			out[d] = scrubText{text: "scrubbed " + roughAgo(now.Sub(sc.Last)) + ": ok"}
		}
	}
	return out
}

// roughAgo is ago to the hour: "5 hours ago", "3 days ago". The index
// page is cached until its text changes, so it must not change each second.
func roughAgo(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "within the hour"
	case d < 2*time.Hour:
		return "1 hour ago"
	case d < 24*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d/time.Hour))
	case d < 48*time.Hour:
		return "1 day ago"
	}
	return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
}

// scrubsSig sums up the scrub texts, so that the page is made again when
// one changes (a new scrub, or another day gone by).
func scrubsSig(m map[day.Date]scrubText) uint64 {
	h := fnv.New64a()
	for _, d := range slices.SortedFunc(maps.Keys(m), day.Date.Compare) {
		fmt.Fprintf(h, "%s\x00%s\x00%v\n", d, m[d].text, m[d].damaged)
	}
	return h.Sum64()
}
