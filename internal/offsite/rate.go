package offsite

import (
	"context"
	"io"
	"sync"
	"time"
)

// limiter is a token bucket of bytes shared by all uploads of a Bucket.
type limiter struct {
	rate  float64 // bytes a second
	burst int     // the largest single take
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newLimiter(rate int64, now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	// A tenth of a second's worth, at least 1 KiB and at most 256 KiB:
	// small enough to keep the rate smooth, large enough for few wakeups.
	burst := min(max(int(rate/10), 1<<10), 256<<10)
	return &limiter{rate: float64(rate), burst: burst, now: now, sleep: sleep, tokens: float64(burst), last: now()}
}

// take waits until n bytes (n ≤ burst) may be sent. It reserves them at
// once, so concurrent takers queue in order.
func (l *limiter) take(ctx context.Context, n int) error {
	l.mu.Lock()
	now := l.now()
	l.tokens = min(l.tokens+now.Sub(l.last).Seconds()*l.rate, float64(l.burst))
	l.last = now
	l.tokens -= float64(n)
	debt := l.tokens
	l.mu.Unlock()
	if debt >= 0 {
		return nil
	}
	return l.sleep(ctx, time.Duration(-debt/l.rate*float64(time.Second)))
}

// body is a part's body: it reads at the limiter's rate and can seek, as
// the SDK wants to rewind a body it sends again.
type body struct {
	ctx context.Context
	r   io.ReadSeeker
	l   *limiter // nil: no limit
}

func (b *body) Read(p []byte) (int, error) {
	if b.l == nil {
		return b.r.Read(p)
	}
	if len(p) > b.l.burst {
		p = p[:b.l.burst]
	}
	n, err := b.r.Read(p)
	if n > 0 {
		if werr := b.l.take(b.ctx, n); werr != nil {
			return n, werr
		}
	}
	return n, err
}

func (b *body) Seek(off int64, whence int) (int64, error) { return b.r.Seek(off, whence) }
