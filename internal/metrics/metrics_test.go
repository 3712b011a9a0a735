package metrics

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestMetrics(t *testing.T) {
	m := New()
	m.ReadStored(func() []Stored {
		return []Stored{
			{DaysByState: map[string]int{"archived": 3, "recording": 1}, Segments: 42, Bytes: 1 << 20, ArchiveBytes: 5000, Ingested: 7,
				LastSegment: time.Unix(1_700_000_000, 153192286)},
			{Camera: "front", DaysByState: map[string]int{"recording": 1}, Segments: 2, Silent: true},
		}
	})
	app := http.NewServeMux()
	app.HandleFunc("GET /playlist.m3u8", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "bad date", 400) })
	app.HandleFunc("PUT /{day}/{name}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) })
	app.HandleFunc("PUT /cameras/{camera}/{day}/{name}", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(401) })
	app.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "index") })
	srv := httptest.NewServer(m.Instrument(app))
	defer srv.Close()

	requests := []struct {
		method, path string
	}{
		{"GET", "/"},
		{"GET", "/playlist.m3u8?date=x"},
		{"PUT", "/2026-11-20/seg1.ts"},
		{"PUT", "/cameras/front/2026-11-20/seg1.ts"},
		{"GET", "/../../etc/passwd-" + strings.Repeat("x", 100)},
	}
	for _, r := range requests {
		req, _ := http.NewRequest(r.method, srv.URL+r.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	m.ArchiveRun("", "ok", 100*time.Second, 400*time.Second, 4000, 400, time.Unix(1_700_000_000, 0))
	m.ArchiveRun("front", "failed", 0, 0, 0, 0, time.Time{})

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	for _, want := range []string{
		`cctvd_http_requests_total{code="200",route="index"} 1`,
		`cctvd_http_requests_total{code="400",route="playlist"} 1`,
		`cctvd_http_requests_total{code="401",route="upload"} 2`,
		`cctvd_uploads_rejected_total{reason="unauthorized"} 2`,
		`cctvd_archive_runs_total{camera="",result="ok"} 1`,
		`cctvd_archive_runs_total{camera="front",result="failed"} 1`,
		`cctvd_encode_realtime_factor{camera=""} 4`,
		`cctvd_archive_output_bytes_total{camera=""} 400`,
		`cctvd_last_archive_success_timestamp_seconds{camera=""} 1.7e+09`,
		`cctvd_days{camera="",state="archived"} 3`,
		`cctvd_days{camera="front",state="recording"} 1`,
		`cctvd_segments_stored{camera=""} 42`,
		`cctvd_segments_stored{camera="front"} 2`,
		`cctvd_bytes_stored{camera="",kind="segments"} 1.048576e+06`,
		`cctvd_segments_ingested_total{camera=""} 7`,
		`cctvd_camera_last_segment_timestamp_seconds{camera=""} 1.7000000001531923e+09`,
		`cctvd_camera_silent{camera=""} 0`,
		`cctvd_camera_silent{camera="front"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(body, "passwd") {
		t.Error("a request path leaked into a label")
	}
}

// readFromRecorder is a ResponseWriter that, like net/http's own, takes
// bodies through ReadFrom (where the server uses sendfile).
type readFromRecorder struct {
	*httptest.ResponseRecorder
	readFroms int
}

func (r *readFromRecorder) ReadFrom(src io.Reader) (int64, error) {
	r.readFroms++
	return io.Copy(r.ResponseRecorder, src)
}

// TestInstrumentKeepsSendfile: a file served through the instrumented
// handler still reaches the connection's ReadFrom, whole or in a range,
// and its status is still counted.
func TestInstrumentKeepsSendfile(t *testing.T) {
	m := New()
	body := strings.Repeat("segment ", 10_000)
	h := m.Instrument(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "seg1.ts", time.Time{}, strings.NewReader(body))
	}))
	for _, tt := range []struct {
		name, rng  string
		code, size int
	}{
		{name: "whole", code: 200, size: len(body)},
		{name: "range", rng: "bytes=100-199", code: 206, size: 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &readFromRecorder{ResponseRecorder: httptest.NewRecorder()}
			req := httptest.NewRequest("GET", "/2026-11-20/seg1.ts", nil)
			if tt.rng != "" {
				req.Header.Set("Range", tt.rng)
			}
			h.ServeHTTP(rec, req)
			if rec.Code != tt.code || rec.Body.Len() != tt.size || rec.readFroms != 1 {
				t.Errorf("got %d, %d bytes, %d ReadFrom calls; want %d, %d bytes, 1 call", rec.Code, rec.Body.Len(), rec.readFroms, tt.code, tt.size)
			}
		})
	}
	out := httptest.NewRecorder()
	m.Handler().ServeHTTP(out, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`cctvd_http_requests_total{code="200",route="file"} 1`, `cctvd_http_requests_total{code="206",route="file"} 1`} {
		if !strings.Contains(out.Body.String(), want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}
