package web

import (
	"hash/fnv"
	"maps"
	"slices"

	"github.com/cctvd/cctvd/internal/day"
)

// retention is the camera's held days and why retention is blocked.
func (s *Server) retention() (map[day.Date]string, string) {
	if s.cfg.Retention == nil {
		return nil, ""
	}
	return s.cfg.Retention.HeldDays(), s.cfg.Retention.Blocked()
}

// retentionSig sums up the holds and the banner, so that a hold, a
// release or a change of the banner makes the page again.
func retentionSig(held map[day.Date]string, blocked string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(blocked + "\n"))
	for _, d := range slices.SortedFunc(maps.Keys(held), day.Date.Compare) {
		h.Write([]byte(d.String() + "\x00" + held[d] + "\n"))
	}
	return h.Sum64()
}
