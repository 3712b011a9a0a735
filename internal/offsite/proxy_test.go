package offsite

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

// proxy stands between Bucket and the gateway: it counts the parts sent
// and can corrupt or cut the body of a part.
type proxy struct {
	srv *httptest.Server

	mu        sync.Mutex
	parts     []int // part numbers of the UploadPart requests, in order
	partBytes int64 // bytes of the parts' bodies that reached the proxy
	puts      int   // single PUTs
	// spoil, when set, may corrupt or cut a part's body: it returns what
	// to do with this request.
	spoil func(part int) spoilage
}

type spoilage int

const (
	pass    spoilage = iota
	corrupt          // flip a byte in the middle of the body
	cut              // close the connection after half the body
	stall            // no answer until the client gives up
)

func newProxy(t testing.TB, backend string) *proxy {
	p := &proxy{}
	u, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if r.Method == http.MethodPut && q.Get("uploadId") != "" && q.Get("partNumber") != "" {
			n, _ := strconv.Atoi(q.Get("partNumber"))
			p.mu.Lock()
			p.parts = append(p.parts, n)
			p.partBytes += r.ContentLength
			s := pass
			if p.spoil != nil {
				s = p.spoil(n)
			}
			p.mu.Unlock()
			switch s {
			case corrupt:
				r.Body = &flipper{r: r.Body, at: r.ContentLength / 2}
			case cut:
				io.CopyN(io.Discard, r.Body, r.ContentLength/2)
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("hijack: %v", err)
					return
				}
				conn.Close()
				return
			case stall:
				// The whole body, so that the server notices the client
				// closing the connection; then no answer.
				io.Copy(io.Discard, r.Body)
				<-r.Context().Done()
				return
			}
		} else if r.Method == http.MethodPut && q.Get("uploadId") == "" {
			p.mu.Lock()
			p.puts++
			p.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxy) endpoint() string { return p.srv.URL }

// sent returns the parts sent and their bytes since the last call.
func (p *proxy) sent() ([]int, int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	parts, n := p.parts, p.partBytes
	p.parts, p.partBytes = nil, 0
	return parts, n
}

// putCount is the number of single PUTs so far.
func (p *proxy) putCount() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.puts
}

// flipper flips the bits of one byte of a body.
type flipper struct {
	r   io.ReadCloser
	at  int64
	off int64
}

func (f *flipper) Read(b []byte) (int, error) {
	n, err := f.r.Read(b)
	if f.at >= f.off && f.at < f.off+int64(n) {
		b[f.at-f.off] ^= 0xff
	}
	f.off += int64(n)
	return n, err
}

func (f *flipper) Close() error { return f.r.Close() }
