package offsite

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/fakeclock"
)

// fakeSleeper is a sleep func that moves a fake clock instead of waiting.
type fakeSleeper struct {
	clk   *fakeclock.Clock
	mu    sync.Mutex
	slept time.Duration
}

func (s *fakeSleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	s.slept += d
	s.mu.Unlock()
	s.clk.Advance(d)
	return ctx.Err()
}

func TestLimiter(t *testing.T) {
	for _, tc := range []struct {
		name  string
		rate  int64
		takes []int
	}{
		{name: "small takes", rate: 100 << 10, takes: repeat(1000, 1<<10)},
		{name: "burst-sized takes", rate: 1 << 20, takes: repeat(100, 104857)},
		{name: "slow", rate: 1000, takes: repeat(50, 1000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := fakeclock.New(time.Date(2026, 11, 29, 0, 0, 0, 153192286, time.UTC))
			s := &fakeSleeper{clk: clk}
			l := newLimiter(tc.rate, clk.Now, s.sleep)
			var n int
			for _, k := range tc.takes {
				if err := l.take(t.Context(), k); err != nil {
					t.Fatal(err)
				}
				n += k
			}
			min := time.Duration(float64(n-l.burst) / float64(tc.rate) * float64(time.Second))
			max := time.Duration(float64(n) / float64(tc.rate) * float64(time.Second))
			if s.slept < min-time.Millisecond || s.slept > max+time.Millisecond {
				t.Errorf("%d bytes at %d B/s took %v, want %v to %v", n, tc.rate, s.slept, min, max)
			}
		})
	}
}

func repeat(n, v int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// TestUploadRate uploads at a limited rate: the upload takes at least
// size/rate on the limiter's (fake) clock, and at most that: every byte
// is read and sent once.
func TestUploadRate(t *testing.T) {
	g := startGateway(t, t.TempDir())
	for _, tc := range []struct {
		name string
		size int
		rate int64
	}{
		{name: "multipart", size: 12 << 20, rate: 1 << 20},
		{name: "one PUT", size: 3 << 20, rate: 256 << 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, g.endpoint())
			cfg.Rate = tc.rate
			b := openTest(t, "", cfg, nil)
			clk := fakeclock.New(time.Date(2026, 11, 29, 0, 0, 0, 153192286, time.UTC))
			s := &fakeSleeper{clk: clk}
			b.limit = newLimiter(tc.rate, clk.Now, s.sleep)
			video, _ := localFile(t, t.TempDir(), "video.mp4", tc.size)
			if _, err := b.Upload(t.Context(), "", "2026-11-27", []LocalFile{video}); err != nil {
				t.Fatal(err)
			}
			min := time.Duration(float64(tc.size-b.limit.burst) / float64(tc.rate) * float64(time.Second))
			max := time.Duration(float64(tc.size) / float64(tc.rate) * float64(time.Second))
			if s.slept < min-time.Millisecond || s.slept > max+time.Millisecond {
				t.Errorf("%d bytes at %d B/s took %v, want %v to %v", tc.size, tc.rate, s.slept, min, max)
			}
		})
	}
	t.Run("real clock", func(t *testing.T) {
		cfg := testConfig(t, g.endpoint())
		cfg.Rate = 4 << 20
		b := openTest(t, "", cfg, nil)
		const size = 2 << 20
		video, _ := localFile(t, t.TempDir(), "video.mp4", size)
		start := time.Now()
		if _, err := b.Upload(t.Context(), "real", "2026-11-27", []LocalFile{video}); err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		if min := time.Duration(float64(size-b.limit.burst) / float64(cfg.Rate) * float64(time.Second)); took < min {
			t.Errorf("%d bytes at %d B/s took %v, want at least %v", size, cfg.Rate, took, min)
		}
	})
}
