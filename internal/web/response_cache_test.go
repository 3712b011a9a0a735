package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
)

func TestResponse(t *testing.T) {
	body := bytes.Repeat([]byte("#EXTINF:10.000,\nseg.ts\n"), 50)
	zipped := newResponse(body, gzipped(body, gzip.DefaultCompression), "v1", http.Header{"Cache-Control": {"no-cache"}})
	plainOnly := newResponse(body, nil, "v1", http.Header{"Cache-Control": {"no-cache"}})
	tests := []struct {
		name     string
		p        *response
		method   string
		header   []string // request header name, value, …
		code     int
		etag     string
		encoding string
		bodyLen  int
	}{
		{name: "plain", p: zipped, method: "GET", code: 200, etag: `"v1"`, bodyLen: len(body)},
		{name: "gzip", p: zipped, method: "GET", header: []string{"Accept-Encoding", "br, gzip;q=0.8"},
			code: 200, etag: `"v1-gz"`, encoding: "gzip", bodyLen: len(zipped.gz.body)},
		{name: "gzip refused", p: zipped, method: "GET", header: []string{"Accept-Encoding", "gzip;q=0"},
			code: 200, etag: `"v1"`, bodyLen: len(body)},
		{name: "any coding", p: zipped, method: "GET", header: []string{"Accept-Encoding", "*"},
			code: 200, etag: `"v1-gz"`, encoding: "gzip", bodyLen: len(zipped.gz.body)},
		{name: "no gzipped variant", p: plainOnly, method: "GET", header: []string{"Accept-Encoding", "gzip"},
			code: 200, etag: `"v1"`, bodyLen: len(body)},
		{name: "HEAD", p: zipped, method: "HEAD", code: 200, etag: `"v1"`},
		{name: "held", p: zipped, method: "GET", header: []string{"If-None-Match", `"v0", W/"v1"`}, code: 304, etag: `"v1"`},
		{name: "held, any", p: zipped, method: "GET", header: []string{"If-None-Match", "*"}, code: 304, etag: `"v1"`},
		{name: "held gzipped", p: zipped, method: "GET", header: []string{"Accept-Encoding", "gzip", "If-None-Match", `"v1-gz"`},
			code: 304, etag: `"v1-gz"`},
		{name: "held the other variant", p: zipped, method: "GET", header: []string{"Accept-Encoding", "gzip", "If-None-Match", `"v1"`},
			code: 200, etag: `"v1-gz"`, encoding: "gzip", bodyLen: len(zipped.gz.body)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "/", nil)
			for i := 0; i+1 < len(tt.header); i += 2 {
				r.Header.Set(tt.header[i], tt.header[i+1])
			}
			w := httptest.NewRecorder()
			tt.p.serve(w, r)
			h := w.Header()
			if w.Code != tt.code || w.Body.Len() != tt.bodyLen {
				t.Fatalf("%d, %d bytes; want %d, %d bytes", w.Code, w.Body.Len(), tt.code, tt.bodyLen)
			}
			if h.Get("ETag") != tt.etag || h.Get("Content-Encoding") != tt.encoding {
				t.Errorf("ETag %q, Content-Encoding %q; want %q, %q", h.Get("ETag"), h.Get("Content-Encoding"), tt.etag, tt.encoding)
			}
			if h.Get("Vary") != "Accept-Encoding" || h.Get("Cache-Control") != "no-cache" {
				t.Errorf("Vary %q, Cache-Control %q", h.Get("Vary"), h.Get("Cache-Control"))
			}
			wantLen := ""
			if tt.code == 200 {
				wantLen = strconv.Itoa(len(tt.p.plain.body))
				if tt.encoding != "" {
					wantLen = strconv.Itoa(len(tt.p.gz.body))
				}
			}
			if h.Get("Content-Length") != wantLen {
				t.Errorf("Content-Length %q, want %q", h.Get("Content-Length"), wantLen)
			}
		})
	}
}

func TestResponseCache(t *testing.T) {
	var c responseCache[string]
	builds := 0
	build := func() *response { builds++; return newResponse([]byte("x"), nil, "x", nil) }
	t.Run("made once per signature", func(t *testing.T) {
		a, b := c.get("k", 1, build), c.get("k", 1, build)
		if a != b || builds != 1 {
			t.Errorf("%d builds, same response %v", builds, a == b)
		}
		if c.get("k", 2, build) == a || builds != 2 {
			t.Errorf("a new signature was served from the cache (%d builds)", builds)
		}
		if c.get("other", 2, build); builds != 3 {
			t.Errorf("another key shared the response (%d builds)", builds)
		}
	})
	t.Run("a failed build is not kept", func(t *testing.T) {
		if p := c.get("bad", 1, func() *response { return nil }); p != nil {
			t.Fatal("a failed build made a response")
		}
		if p := c.get("bad", 1, build); p == nil {
			t.Error("the failure was kept")
		}
	})
	t.Run("concurrent requests wait for one build", func(t *testing.T) {
		release := make(chan struct{})
		started := make(chan struct{}, 5) // one send per build
		slow := func() *response {
			started <- struct{}{}
			<-release
			return newResponse([]byte("y"), nil, "y", nil)
		}
		first := make(chan *response)
		go func() { first <- c.get("busy", 1, slow) }()
		<-started // the first request's entry is in place
		got := make(chan *response, 4)
		for range 4 {
			go func() { got <- c.get("busy", 1, slow) }()
		}
		close(release)
		p := <-first
		for range 4 {
			if q := <-got; q != p {
				t.Error("a concurrent request built its own response")
			}
		}
		if n := len(started); n != 0 {
			t.Errorf("%d more builds, want none", n)
		}
	})
}
