package offsite

import (
	"os"
	"runtime"

	"github.com/cctvd/cctvd/internal/scrub"
)

// idleReader reads a local file on its own thread at idle I/O priority
// (scrub.IdleIO), so that uploads do not slow down recording or playback.
type idleReader struct {
	f    *os.File
	reqs chan readReq
}

type readReq struct {
	off  int64
	p    []byte
	done chan error
}

func (b *Bucket) newIdleReader(f *os.File) *idleReader {
	r := &idleReader{f: f, reqs: make(chan readReq)}
	go func() {
		// Never unlocked: the thread ends with the goroutine, so no other
		// goroutine ever runs at idle priority.
		runtime.LockOSThread()
		if err := scrub.IdleIO(); err != nil && !b.warnedIdle.Swap(true) {
			b.log.Warn("off-site uploads read at normal I/O priority", "err", err)
		}
		for q := range r.reqs {
			q.done <- readPart(r.f, q.off, q.p)
		}
	}()
	return r
}

// read fills p from the file at off.
func (r *idleReader) read(off int64, p []byte) error { return <-r.start(off, p) }

// start starts filling p from the file at off; the channel tells when it
// is done. An upload reads the next part while it sends one.
func (r *idleReader) start(off int64, p []byte) <-chan error {
	done := make(chan error, 1)
	r.reqs <- readReq{off: off, p: p, done: done}
	return done
}

// close ends the reader's thread; the file's pages are not wanted in the
// cache any more (the file stays open: the caller closes it).
func (r *idleReader) close() {
	close(r.reqs)
	scrub.DropCache(r.f)
}
