package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestExports runs -exports' worker against a server whose first export
// is a clip, the second cut short, the third refused with 500, and the
// fourth still under way when the window ends: one done, two errors, one
// cut short; every request asks for the range from the footage's start.
func TestExports(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		n := len(queries)
		mu.Unlock()
		switch n {
		case 1:
			w.Write(bytes.Repeat([]byte{'x'}, 1000))
		case 2:
			w.Header().Set("Content-Length", "2000")
			w.Write(bytes.Repeat([]byte{'x'}, 1000))
		case 3:
			http.Error(w, "export failed: boom", http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Length", "2000")
			w.Write([]byte("partial"))
			w.(http.Flusher).Flush()
			cancel() // the window ends while the clip is sent
			<-r.Context().Done()
		}
	}))
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/")
	e, done := startExports(ctx, 1, base, time.Hour)
	<-done

	if len(e.times) != 1 || e.bytes != 1000 || e.errs != 2 || e.cut != 1 {
		t.Errorf("%d done of %d bytes, %d errors, %d cut short; want 1 of 1000, 2, 1 (%v)", len(e.times), e.bytes, e.errs, e.cut, e.examples)
	}
	want := "/export.mp4?duration=1h0m0s&start=2026-01-01T08%3A00%3A00"
	for _, q := range queries {
		if q != want {
			t.Errorf("asked for %s, want %s", q, want)
		}
	}
	var out strings.Builder
	e.report(&out, 10*time.Second)
	if got := out.String(); !strings.HasPrefix(got, "exports: 1 done in 10.0 s, 1 at a time") || !strings.Contains(got, "1 cut short") ||
		!strings.Contains(got, "2 errors") || !strings.Contains(got, "status 500: export failed: boom") {
		t.Errorf("report:\n%s", got)
	}
}
