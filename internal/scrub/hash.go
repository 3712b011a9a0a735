package scrub

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
	"time"
)

// chunk is how much is read between two looks at the rate limit and the
// context: small enough to keep the rate smooth, big enough for the disk.
const chunk = 1 << 20

// limiter spaces reads so that all of them together read at most rate
// bytes a second: each read is charged to a virtual clock that advances
// by n/rate, and the reader waits until the real clock has caught up.
// Idle time earns no credit beyond one chunk, so a pause is never
// followed by a burst.
type limiter struct {
	rate  int64
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error

	mu   sync.Mutex
	next time.Time // when the bytes charged so far are paid for
}

// wait charges n bytes and waits until they are paid for.
func (l *limiter) wait(ctx context.Context, n int) error {
	if l.rate <= 0 {
		return ctx.Err()
	}
	l.mu.Lock()
	now := l.now()
	if burst := now.Add(-time.Duration(chunk) * time.Second / time.Duration(l.rate)); l.next.Before(burst) {
		l.next = burst
	}
	l.next = l.next.Add(time.Duration(n) * time.Second / time.Duration(l.rate))
	d := l.next.Sub(now)
	l.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	return l.sleep(ctx, d)
}

// hashed is what hashing an archive found.
type hashed struct {
	sum   string
	bytes int64
}

// hashFile is the SHA-512 (hex) of name inside root, read within the rate
// limit on a thread at idle I/O priority. progress is told of each read.
//
// The reads run on a goroutine locked to its own OS thread, which is set
// to IOPRIO_CLASS_IDLE and never unlocked, so the thread ends with the
// goroutine and no other goroutine ever runs at idle priority. Reads of a
// regular file are plain read(2) calls on the calling thread, so the
// priority applies to them (with the BFQ or CFQ I/O schedulers; others
// ignore it, and the rate limit alone keeps playback fast).
func (s *Scrubber) hashFile(ctx context.Context, root *os.Root, name string, progress func(n int64)) (hashed, error) {
	type answer struct {
		h   hashed
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		if err := idleIO(); err != nil && !s.warnedIdle.Swap(true) {
			s.log.Warn("scrub reads at normal I/O priority", "err", err)
		}
		h, err := s.hash(ctx, root, name, progress)
		ch <- answer{h, err}
	}()
	a := <-ch
	return a.h, a.err
}

func (s *Scrubber) hash(ctx context.Context, root *os.Root, name string, progress func(n int64)) (hashed, error) {
	f, err := root.Open(name)
	if err != nil {
		return hashed{}, err
	}
	defer f.Close()
	defer dropCache(f) // a scrub must not push playback's pages out of the cache
	h := sha512.New()
	buf := make([]byte, chunk)
	var total int64
	for {
		n, err := f.Read(buf)
		// Charged after the read, for what it read: the limit holds for
		// the bytes the disk gave, however short the reads.
		if werr := s.lim.wait(ctx, n); werr != nil {
			return hashed{}, werr
		}
		h.Write(buf[:n])
		total += int64(n)
		if n > 0 && progress != nil {
			progress(int64(n))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return hashed{bytes: total}, fmt.Errorf("%w: %w", errRead, err)
		}
	}
	return hashed{sum: hex.EncodeToString(h.Sum(nil)), bytes: total}, nil
}

// errRead marks a failure to read an archive that was opened: damage, not
// an error of the scrub.
var errRead = errors.New("read")
