package access

import (
	"sync"
	"time"
)

// Failed logins from one address are a token bucket: LoginBurst tries at
// once, then one every LoginEvery. A guesser gets 5 passwords a minute,
// a person who mistyped a few times waits seconds.
const (
	LoginBurst = 5
	LoginEvery = 12 * time.Second
)

// limiter counts failed logins per address. It lives in memory: a restart
// forgives, which costs a guesser a restart of cctvd it cannot cause.
type limiter struct {
	now func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// maxBuckets bounds the map: past it, the buckets that have refilled are
// dropped (they are the same as none).
const maxBuckets = 10000

func newLimiter(now func() time.Time) *limiter {
	return &limiter{now: now, buckets: map[string]*bucket{}}
}

// refill brings b up to now and returns it; nil b is a full one.
func (l *limiter) refill(addr string, now time.Time) *bucket {
	b := l.buckets[addr]
	if b == nil {
		return &bucket{tokens: LoginBurst, at: now}
	}
	if d := now.Sub(b.at); d > 0 {
		b.tokens = min(LoginBurst, b.tokens+float64(d)/float64(LoginEvery))
		b.at = now
	}
	return b
}

// wait is how long addr must wait before it may try a password; 0: now.
func (l *limiter) wait(addr string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(addr, now)
	if b.tokens >= 1 {
		return 0
	}
	return time.Duration((1 - b.tokens) * float64(LoginEvery))
}

// failed takes a try from addr's bucket.
func (l *limiter) failed(addr string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	b := l.refill(addr, now)
	b.tokens = max(0, b.tokens-1)
	if len(l.buckets) >= maxBuckets {
		for a := range l.buckets {
			if l.refill(a, now).tokens >= LoginBurst {
				delete(l.buckets, a)
			}
		}
	}
	l.buckets[addr] = b
}
