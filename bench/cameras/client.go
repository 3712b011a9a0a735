package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// client asks as players and browsers do: keep-alive, gzip asked for,
// every body read to its end. The transport does not decompress, so sizes
// are what crossed the wire.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, DisableCompression: true}}

// fetch GETs url and returns the status, the body's size and how long
// the whole answer took.
func fetch(ctx context.Context, url string, gzip bool) (int, int64, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, 0, err
	}
	if gzip {
		req.Header.Set("Accept-Encoding", "gzip")
	}
	t := time.Now()
	res, err := client.Do(req)
	if err != nil {
		return 0, 0, 0, err
	}
	n, err := io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, n, time.Since(t), err
}

// page is a page's size (plain and gzipped) and its times: the first
// request's and the median of the next.
type page struct {
	plain, gzipped int64
	first, median  time.Duration
}

// measurePage GETs url once, then n times more (gzip), and once plain.
func measurePage(ctx context.Context, url string, n int) (page, error) {
	var p page
	code, size, took, err := fetch(ctx, url, true)
	if err != nil || code != http.StatusOK {
		return p, fmt.Errorf("GET %s: %d %v", url, code, err)
	}
	p.gzipped, p.first = size, took
	var times []time.Duration
	for range n {
		_, _, took, err := fetch(ctx, url, true)
		if err != nil {
			return p, err
		}
		times = append(times, took)
	}
	p.median = quantile(times, 0.5)
	if _, p.plain, _, err = fetch(ctx, url, false); err != nil {
		return p, err
	}
	return p, nil
}

// load is what a window of requests saw.
type load struct {
	requests, failed int
	window           time.Duration
	p50, p99, max    time.Duration
}

func (l load) perSecond() float64 { return float64(l.requests) / l.window.Seconds() }

// hammer GETs url (gzip) from conns connections as fast as they answer
// until ctx ends. With every > 0 each connection waits that long between
// requests: a probe of latency rather than of throughput.
func hammer(ctx context.Context, url string, conns int, every time.Duration) load {
	var mu sync.Mutex
	var all []time.Duration
	failed := 0
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			bad := 0
			for ctx.Err() == nil {
				code, _, took, err := fetch(ctx, url, true)
				switch {
				case ctx.Err() != nil:
				case err != nil || code != http.StatusOK:
					bad++
				default:
					mine = append(mine, took)
				}
				if every > 0 {
					select {
					case <-ctx.Done():
					case <-time.After(every):
					}
				}
			}
			mu.Lock()
			all, failed = append(all, mine...), failed+bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return load{requests: len(all), failed: failed, window: time.Since(start),
		p50: quantile(all, 0.5), p99: quantile(all, 0.99), max: quantile(all, 1)}
}

func quantile(d []time.Duration, q float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return s[min(int(q*float64(len(s))), len(s)-1)]
}
