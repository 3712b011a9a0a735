package offsite

import (
	"io"
	"net/http"

	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// CountSent has fn told of the request body bytes sent to the server, as
// they go (parts sent again after an error count again): the metrics'
// uploaded bytes. Call it once, right after Open, before any upload.
func (b *Bucket) CountSent(fn func(n int64)) {
	opts := b.client.Options()
	opts.HTTPClient = sentCounter{next: opts.HTTPClient, fn: fn}
	b.client = s3.New(opts)
}

type sentCounter struct {
	next s3.HTTPClient
	fn   func(int64)
}

func (c sentCounter) Do(r *http.Request) (*http.Response, error) {
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &countingBody{ReadCloser: r.Body, fn: c.fn}
	}
	return c.next.Do(r)
}

type countingBody struct {
	io.ReadCloser
	fn func(int64)
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.fn(int64(n))
	}
	return n, err
}
