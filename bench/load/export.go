package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// exportDay is the folder -exports lays: the cached footage's own date.
// The cache's files have one modification time whatever folder links
// them, so only in a folder of that date does their footage lie in its
// day for an export's range to find; the bench's other days are dated
// from today.
func exportDay() day.Date { return day.Of(sourceStart) }

// layExportDay links all the cached segments into the export day's folder.
func layExportDay(c cache, root string, d days) error {
	e := exportDay()
	if slices.Contains(append([]day.Date{d.today, d.archiving, d.archived}, d.closed...), e) {
		return fmt.Errorf("-exports: the footage's own day %s is one of the run's days: run on another day", e)
	}
	dir := filepath.Join(root, e.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("lay export day: %w", err)
	}
	for _, n := range c.segments {
		if err := os.Link(filepath.Join(c.src(), n), filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("lay export day: %w", err)
		}
	}
	return nil
}

// exports runs exports over HTTP back to back, n at a time, as the page's
// download button fetches them: GET /export.mp4 of rng from the export
// day's first footage, every byte read. It times each from the request to
// the last byte.
type exports struct {
	workers int
	query   string

	mu       sync.Mutex
	times    []time.Duration
	bytes    int64
	busy     int // refused with 429: more at once than cctvd's --export-jobs
	cut      int // under way when the window ended
	errs     int
	examples []string
}

func startExports(ctx context.Context, n int, base *url.URL, rng time.Duration) (*exports, <-chan struct{}) {
	q := url.Values{"start": {sourceStart.Format("2006-01-02T15:04:05")}, "duration": {rng.String()}}
	e := &exports{workers: n, query: q.Encode()}
	u, _ := base.Parse("/export.mp4?" + e.query)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DisableCompression = true
	hc := &http.Client{Transport: tr}
	done := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for ctx.Err() == nil {
				e.one(ctx, hc, u.String())
			}
		})
	}
	go func() {
		wg.Wait()
		tr.CloseIdleConnections()
		close(done)
	}()
	return e, done
}

func (e *exports) one(ctx context.Context, hc *http.Client, u string) {
	t0 := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		e.fail("request: %v", err)
		return
	}
	resp, err := hc.Do(req)
	if err != nil {
		e.failOrCut(ctx, "%v", err)
		return
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusTooManyRequests:
		io.Copy(io.Discard, resp.Body)
		e.mu.Lock()
		e.busy++
		e.mu.Unlock()
		wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		sleep(ctx, time.Duration(max(min(wait, 5), 1))*time.Second)
		return
	default:
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		e.fail("status %d: %s", resp.StatusCode, strings.TrimSpace(string(b)))
		sleep(ctx, time.Second) // a broken export must not spin
		return
	}
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		e.failOrCut(ctx, "reading the clip: %v", err)
		return
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength {
		e.fail("clip of %d bytes, Content-Length %d", n, resp.ContentLength)
		return
	}
	took := time.Since(t0)
	e.mu.Lock()
	e.times = append(e.times, took)
	e.bytes += n
	e.mu.Unlock()
}

// failOrCut counts an export the window's end cut short, or a failure.
func (e *exports) failOrCut(ctx context.Context, format string, args ...any) {
	if ctx.Err() != nil {
		e.mu.Lock()
		e.cut++
		e.mu.Unlock()
		return
	}
	e.fail(format, args...)
}

func (e *exports) fail(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.errs++
	if len(e.examples) < 3 {
		e.examples = append(e.examples, fmt.Sprintf(format, args...))
	}
}

// report says what the exports did in the window: how many finished,
// how long each took, and what went wrong.
func (e *exports) report(w io.Writer, elapsed time.Duration) {
	e.mu.Lock()
	defer e.mu.Unlock()
	d := slices.Sorted(slices.Values(e.times))
	fmt.Fprintf(w, "exports: %d done in %.1f s, %d at a time back to back (/export.mp4?%s)", len(d), elapsed.Seconds(), e.workers, e.query)
	if len(d) > 0 {
		var sum time.Duration
		for _, t := range d {
			sum += t
		}
		fmt.Fprintf(w, ": %.1f MB each, took min %.1f s, p50 %.1f s, max %.1f s, mean %.1f s; %.1f MB/s over the window",
			float64(e.bytes)/float64(len(d))/1e6, d[0].Seconds(), quantile(d, 0.5).Seconds(), d[len(d)-1].Seconds(),
			(sum / time.Duration(len(d))).Seconds(), float64(e.bytes)/elapsed.Seconds()/1e6)
	}
	fmt.Fprintf(w, "; %d cut short by the window's end, %d refused busy (429), %d errors\n", e.cut, e.busy, e.errs)
	for _, x := range e.examples {
		fmt.Fprintf(w, "  e.g. %s\n", x)
	}
}
