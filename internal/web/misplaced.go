package web

import (
	"hash/fnv"

	"github.com/cctvd/cctvd/internal/catalog"
)

// misplacedLister is the catalog's list of footage in the wrong place
// under the root; a day index without one has none.
type misplacedLister interface {
	Misplaced() []catalog.Misplaced
}

func (s *Server) misplaced() []catalog.Misplaced {
	if m, ok := s.cat.(misplacedLister); ok {
		return m.Misplaced()
	}
	return nil
}

// misplacedSig changes whenever the list does, so the page is made again.
func misplacedSig(ms []catalog.Misplaced) uint64 {
	h := fnv.New64a()
	for _, m := range ms {
		h.Write([]byte(m.Name + "\x00" + string(m.Kind) + "\x00" + m.Detail + "\n"))
	}
	return h.Sum64()
}
