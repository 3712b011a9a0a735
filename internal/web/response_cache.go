package web

import (
	"bytes"
	"compress/gzip"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// response is a body made once per change and served many times (the
// index page, a playlist, a static file): plain and gzipped, each variant
// with its ETag and headers ready, so that serving it allocates next to
// nothing. A client that holds the variant it would get is answered 304;
// Vary tells caches that the two differ.
type response struct {
	plain, gz variant // gz.body is nil when there is no gzipped variant
}

type variant struct {
	body []byte
	etag string
	hdr  http.Header
}

// Header values shared by every cached response; net/http only reads them.
var (
	varyEncoding = []string{"Accept-Encoding"}
	gzipEncoding = []string{"gzip"}
)

// newResponse makes body's response. gz is body gzipped, or nil to serve
// body to every client; tag names this version of body (an ETag without
// its quotes); hdr holds the headers besides Vary, ETag, Content-Length
// and Content-Encoding. hdr's values are shared, not copied.
func newResponse(body, gz []byte, tag string, hdr http.Header) *response {
	mk := func(b []byte, etag string, gz bool) variant {
		h := make(http.Header, len(hdr)+4)
		for k, v := range hdr {
			h[k] = v
		}
		h["Vary"] = varyEncoding
		h["Etag"] = []string{etag}
		h["Content-Length"] = []string{strconv.Itoa(len(b))}
		if gz {
			h["Content-Encoding"] = gzipEncoding
		}
		return variant{body: b, etag: etag, hdr: h}
	}
	p := &response{plain: mk(body, `"`+tag+`"`, false)}
	if gz != nil {
		p.gz = mk(gz, `"`+tag+`-gz"`, true)
	}
	return p
}

// gzipped is b compressed at the given level.
func gzipped(b []byte, level int) []byte {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, level)
	zw.Write(b)
	zw.Close()
	return z.Bytes()
}

func (p *response) serve(w http.ResponseWriter, r *http.Request) {
	v := &p.plain
	if p.gz.body != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		v = &p.gz
	}
	h := w.Header()
	for k, vals := range v.hdr {
		h[k] = vals
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && etagMatch(inm, v.etag) {
		delete(h, "Content-Encoding")
		delete(h, "Content-Length")
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(v.body)
	}
}

// acceptsGzip reads Accept-Encoding, honouring q=0.
func acceptsGzip(ae string) bool {
	for ae != "" {
		var part string
		part, ae, _ = strings.Cut(ae, ",")
		coding, params, _ := strings.Cut(part, ";")
		coding = strings.TrimSpace(coding)
		if !strings.EqualFold(coding, "gzip") && coding != "*" {
			continue
		}
		params = strings.ReplaceAll(params, " ", "")
		if qv, ok := strings.CutPrefix(params, "q="); ok {
			if f, err := strconv.ParseFloat(qv, 64); err != nil || f == 0 {
				return false
			}
		}
		return true
	}
	return false
}

func etagMatch(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// responseCache keeps the latest response made for each key, with the
// signature of what it was made from; a response is made once per
// change, however many clients ask at the same time.
type responseCache[K comparable] struct {
	mu      sync.Mutex
	entries map[K]*cacheEntry
}

type cacheEntry struct {
	sig   uint64
	ready chan struct{}
	p     *response
}

// get is k's response made from sig, made by build unless it is there
// already. A build that fails returns nil, which is not kept: the next
// request builds again.
func (c *responseCache[K]) get(k K, sig uint64, build func() *response) *response {
	c.mu.Lock()
	if c.entries == nil {
		c.entries = map[K]*cacheEntry{}
	}
	e := c.entries[k]
	if e != nil && e.sig == sig {
		c.mu.Unlock()
		<-e.ready
		return e.p
	}
	e = &cacheEntry{sig: sig, ready: make(chan struct{})}
	c.entries[k] = e
	c.mu.Unlock()
	e.p = build()
	close(e.ready)
	if e.p == nil {
		c.mu.Lock()
		if c.entries[k] == e {
			delete(c.entries, k)
		}
		c.mu.Unlock()
	}
	return e.p
}

// mix combines versions into one signature (splitmix64's finaliser).
func mix(a, b uint64) uint64 {
	x := a*0x9E3779B97F4A7C15 ^ b
	x ^= x >> 30
	x *= 0xBF58476D1CE4E5B9
	x ^= x >> 27
	x *= 0x94D049BB133111EB
	return x ^ x>>31
}
