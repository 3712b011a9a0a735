package scrub

import (
	"hash/fnv"
	"slices"
	"time"
)

// phase is where in each period archive k of camera falls due: a hash of
// its name, so that the archives spread evenly over the period and each
// keeps its place across restarts without anything being stored.
func phase(camera string, k key, every time.Duration) time.Duration {
	h := fnv.New64a()
	h.Write([]byte(camera + "\x00" + k.String()))
	return time.Duration(h.Sum64() % uint64(every))
}

// slot is the first of the archive's due times (the Unix epoch plus whole
// periods plus its phase) at or after t.
func slot(ph, every time.Duration, t time.Time) time.Time {
	since := t.Sub(time.Unix(0, 0)) - ph
	n := since / every // rounds towards zero: up for a negative since
	if since > 0 && since%every != 0 {
		n++
	}
	return time.Unix(0, 0).Add(ph + n*every)
}

// due is when archive k is next due. Never scrubbed: at its first slot
// after it was first seen, so a root of old archives is not read all at
// once on the first start. Scrubbed: at its first slot at least half a
// period after the scrub, so an archive scrubbed late (cctvd was down, or
// a scrub by hand) goes back to its place in the period rather than
// bunching up with others scrubbed late; it is never scrubbed again on
// schedule less than half a period later, nor more than one and a half.
func due(camera string, k key, e *entry, every time.Duration) time.Time {
	ph := phase(camera, k, every)
	if e.Last.IsZero() {
		return slot(ph, every, e.Seen)
	}
	return slot(ph, every, e.Last.Add(every/2))
}

// dueArchive is an archive due for a scrub.
type dueArchive struct {
	camera string
	key    key
	due    time.Time
}

// dueAt lists the archives due at now, the longest due first, and tells
// when the next one not due yet will be (zero: none).
func (s *Scrubber) dueAt(now time.Time) (list []dueArchive, next time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range s.cams {
		for k, e := range c.archives {
			d := due(c.Name, k, e, s.cfg.Every)
			if d.After(now) {
				if next.IsZero() || d.Before(next) {
					next = d
				}
				continue
			}
			list = append(list, dueArchive{camera: c.Name, key: k, due: d})
		}
	}
	sortDue(list)
	return list, next
}

// sortDue orders archives by due time, then camera, day and name.
func sortDue(list []dueArchive) {
	slices.SortFunc(list, func(a, b dueArchive) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		if a.camera != b.camera {
			return cmpString(a.camera, b.camera)
		}
		if c := a.key.Date.Compare(b.key.Date); c != 0 {
			return c
		}
		return archiveOrder(a.key.File, b.key.File)
	})
}

func sortedStrings(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
