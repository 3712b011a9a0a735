package archive

import (
	"slices"
	"sync"
)

// Slots are the archive jobs several archivers (one per camera) share.
// A freed slot goes to the archiver that has waited longest, so a camera
// with many due days cannot take every slot again the moment it frees
// one: cameras take turns, a day each.
type Slots struct {
	mu      sync.Mutex
	free    int
	waiting []*Archiver // in the order they asked
}

// NewSlots makes n shared slots.
func NewSlots(n int) *Slots { return &Slots{free: max(n, 1)} }

// take gives a a slot if one is free and no archiver that asked before
// is still waiting for it; otherwise it puts a in line.
func (s *Slots) take(a *Archiver) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.Index(s.waiting, a)
	if s.free > 0 && (len(s.waiting) == 0 || i == 0) {
		s.free--
		if i == 0 {
			s.waiting = s.waiting[1:]
		}
		s.handOn()
		return true
	}
	if i < 0 {
		s.waiting = append(s.waiting, a)
	}
	return false
}

// leave takes a out of line: it has nothing queued any more.
func (s *Slots) leave(a *Archiver) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if i := slices.Index(s.waiting, a); i >= 0 {
		s.waiting = slices.Delete(s.waiting, i, i+1)
		s.handOn()
	}
}

// release frees a slot and wakes the archiver first in line.
func (s *Slots) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.free++
	s.handOn()
}

// handOn wakes the first in line while a slot is free; s.mu is held.
func (s *Slots) handOn() {
	if s.free > 0 && len(s.waiting) > 0 {
		s.waiting[0].Kick()
	}
}
