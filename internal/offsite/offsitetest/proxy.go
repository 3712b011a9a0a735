package offsitetest

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
)

// Proxy stands between the code under test and the server: it counts the
// bytes of the request bodies that reach it, tells of each part upload
// the server accepted, and can refuse requests.
type Proxy struct {
	// URL is the proxy's endpoint, http://127.0.0.1:PORT.
	URL string

	mu     sync.Mutex
	sent   int64
	refuse func(r *http.Request) int
	parts  chan int
}

// NewProxy starts a proxy to the server's endpoint, closed when the test ends.
func NewProxy(t testing.TB, endpoint string) *Proxy {
	u, err := url.Parse(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{parts: make(chan int, 10000)}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse != nil {
			if code := refuse(r); code != 0 {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(code)
				io.WriteString(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidRequest</Code><Message>refused by the test</Message></Error>`)
				return
			}
		}
		r.Body = &counted{r: r.Body, p: p}
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		rp.ServeHTTP(sw, r)
		q := r.URL.Query()
		if r.Method == http.MethodPut && q.Get("uploadId") != "" && sw.code == http.StatusOK {
			if n, err := strconv.Atoi(q.Get("partNumber")); err == nil {
				select {
				case p.parts <- n:
				default:
				}
			}
		}
	}))
	t.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

// Refuse has the proxy answer a request with the status f returns, as an
// S3 error; 0 passes it on. Nil passes every request.
func (p *Proxy) Refuse(f func(r *http.Request) int) {
	p.mu.Lock()
	p.refuse = f
	p.mu.Unlock()
}

// Sent is the request body bytes that reached the proxy so far.
func (p *Proxy) Sent() int64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.sent
}

// Parts tells the number of each part upload the server accepted.
func (p *Proxy) Parts() <-chan int { return p.parts }

type counted struct {
	r io.ReadCloser
	p *Proxy
}

func (c *counted) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.p.mu.Lock()
	c.p.sent += int64(n)
	c.p.mu.Unlock()
	return n, err
}

func (c *counted) Close() error { return c.r.Close() }

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 { // not 100 Continue: the answer follows
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
