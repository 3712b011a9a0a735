package offsite

import (
	"crypto/sha256"
	"os"
	"runtime"

	"github.com/cctvd/cctvd/internal/scrub"
)

// idleReader reads a local file on its own thread at idle I/O priority
// (scrub.IdleIO), so that uploads do not slow down recording or playback.
// It hashes what it reads there too: an upload hashes and reads the next
// part while it sends one.
type idleReader struct {
	f    *os.File
	reqs chan readReq
}

type readReq struct {
	off  int64
	p    []byte
	done chan readDone
}

// readDone is a finished read: the SHA-256 of what it read, or why not.
type readDone struct {
	sum [sha256.Size]byte
	err error
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
			q.done <- r.do(q)
		}
	}()
	return r
}

func (r *idleReader) do(q readReq) readDone {
	if err := readPart(r.f, q.off, q.p); err != nil {
		return readDone{err: err}
	}
	return readDone{sum: sha256.Sum256(q.p)}
}

// read fills p from the file at off and returns its SHA-256.
func (r *idleReader) read(off int64, p []byte) ([sha256.Size]byte, error) {
	d := <-r.start(off, p)
	return d.sum, d.err
}

// start starts filling p from the file at off; the channel tells when it
// is done.
func (r *idleReader) start(off int64, p []byte) <-chan readDone {
	done := make(chan readDone, 1)
	r.reqs <- readReq{off: off, p: p, done: done}
	return done
}

// close ends the reader's thread; the file's pages are not wanted in the
// cache any more (the file stays open: the caller closes it).
func (r *idleReader) close() {
	close(r.reqs)
	scrub.DropCache(r.f)
}
