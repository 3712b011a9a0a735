package offsite

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// Bucket is the off-site bucket of one site (a target's prefix). Its
// methods may be called concurrently, but not two Uploads of one day.
type Bucket struct {
	target Target
	cfg    Config
	client *s3.Client
	state  *os.Root // nil: read-only (a viewer)
	log    *slog.Logger
	limit  *limiter // nil: no rate limit
	retry  retryPolicy
	// attemptTimeout bounds one request, so that a stalled connection is
	// retried instead of waited for.
	attemptTimeout time.Duration
	now            func() time.Time

	warnedIdle atomic.Bool
	// parts are part buffers uploads are done with, for the next ones.
	parts sync.Pool
	// beforePart, for tests, runs before a part is sent.
	beforePart func(key string, part int32)
}

// Open connects to the target's bucket and checks that it exists and that
// the credentials work. state is the folder of receipts and unfinished
// uploads (STATE/offsite/); nil opens the bucket for reading only.
func Open(ctx context.Context, t Target, cfg Config, state *os.Root, log *slog.Logger) (*Bucket, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	cred, err := ReadCredentials(cfg.CredentialsFile)
	if err != nil {
		return nil, err
	}
	return open(ctx, t, cfg, cred, state, log)
}

func open(ctx context.Context, t Target, cfg Config, cred Credentials, state *os.Root, log *slog.Logger) (*Bucket, error) {
	if t.Bucket == "" {
		return nil, errors.New("off-site target: no bucket")
	}
	b := &Bucket{
		target: t,
		cfg:    cfg,
		state:  state,
		log:    log.With("component", "offsite", "target", t.String()),
		retry:  cfg.retry,
		now:    time.Now,
	}
	// A part may take 10 minutes (16 MiB at 28 kB/s), or twice what the
	// rate limit makes it take.
	b.attemptTimeout = 10 * time.Minute
	if cfg.Rate > 0 {
		b.limit = newLimiter(cfg.Rate, time.Now, sleepCtx)
		b.attemptTimeout = max(b.attemptTimeout, 2*time.Duration(cfg.PartSize/cfg.Rate+1)*time.Second)
	}
	b.client = s3.New(s3.Options{
		Region:       cfg.Region,
		BaseEndpoint: aws.String(cfg.Endpoint),
		UsePathStyle: cfg.PathStyle,
		Credentials:  credentials.NewStaticCredentialsProvider(cred.AccessKeyID, cred.SecretAccessKey, ""),
		HTTPClient:   httpClient(),
		// Retries are ours (retry.go): they know which errors are
		// permanent, and resend a part from its local copy.
		Retryer: aws.NopRetryer{},
		// Checksums are ours too: SHA-256, set on every upload.
		RequestChecksumCalculation: aws.RequestChecksumCalculationWhenRequired,
		ResponseChecksumValidation: aws.ResponseChecksumValidationWhenRequired,
	})
	err := b.do(ctx, "open "+t.String(), func(ctx context.Context) error {
		_, err := b.client.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(t.Bucket)})
		if status(err) == http.StatusNotFound {
			return fmt.Errorf("%w: %w", ErrNoBucket, err)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return b, nil
}

// Target is the bucket and prefix the bucket was opened with.
func (b *Bucket) Target() Target { return b.target }

func httpClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		TLSHandshakeTimeout:   15 * time.Second,
		ResponseHeaderTimeout: 5 * time.Minute, // completing a large upload takes a while
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   4,
		ForceAttemptHTTP2:     true,
	}}
}

// retryPolicy is how often and how long transient errors are retried.
type retryPolicy struct {
	attempts  int
	base, cap time.Duration
}

// defaultRetry waits 30 to 60 s in all before giving up; the caller
// tries the day again later.
var defaultRetry = retryPolicy{attempts: 8, base: 500 * time.Millisecond, cap: 30 * time.Second}

// backoff is the wait before attempt n+1: exponential with full jitter.
func (p retryPolicy) backoff(n int) time.Duration {
	d := p.base << min(n-1, 20)
	if d > p.cap || d <= 0 {
		d = p.cap
	}
	return d/2 + rand.N(d/2+1)
}

// do runs op until it succeeds, fails permanently or the attempts run out;
// its error wraps one of the package's sentinels.
func (b *Bucket) do(ctx context.Context, what string, op func(context.Context) error) error {
	for n := 1; ; n++ {
		actx, cancel := context.WithTimeout(ctx, b.attemptTimeout)
		err := op(actx)
		timedOut := actx.Err() != nil
		cancel()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%s: %w", what, ctx.Err())
		}
		class, transient := classify(err)
		if timedOut {
			// A connection that stalls (a NAT that dropped it, a server
			// that hangs) is not this call's end, just this attempt's.
			class, transient = ErrUnreachable, true
		}
		if !transient || n >= b.retry.attempts {
			if class == nil || errors.Is(err, class) {
				return fmt.Errorf("%s: %w", what, err)
			}
			return fmt.Errorf("%s: %w: %w", what, class, err)
		}
		d := b.retry.backoff(n)
		b.log.Warn("off-site request failed, retrying", "op", what, "attempt", n, "wait", d, "err", err)
		if err := sleepCtx(ctx, d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// status is the HTTP status of a failed request, or 0.
func status(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

// code is the S3 error code of a failed request, or "".
func code(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// errNoSuchUpload is an unfinished upload the server no longer knows.
var errNoSuchUpload = errors.New("no such upload")

// classify says which sentinel an error is and whether trying again may help.
func classify(err error) (class error, transient bool) {
	for _, s := range []error{ErrNoBucket, ErrCredentials, ErrNotFound, ErrMismatch, ErrLocalChanged, errNoSuchUpload} {
		if errors.Is(err, s) {
			return s, false
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return nil, false
	}
	c, st := code(err), status(err)
	switch {
	case c == "InvalidAccessKeyId" || c == "SignatureDoesNotMatch" || c == "AccessDenied" ||
		st == http.StatusForbidden || st == http.StatusUnauthorized:
		return ErrCredentials, false
	case c == "NoSuchBucket":
		return ErrNoBucket, false
	case c == "NoSuchUpload":
		return errNoSuchUpload, false
	case c == "NoSuchKey" || st == http.StatusNotFound:
		return ErrNotFound, false
	case c == "InsufficientStorage" || c == "EntityTooLarge" && st >= 500 || st == http.StatusInsufficientStorage:
		return ErrFull, false
	case c == "BadDigest" || c == "XAmzContentSHA256Mismatch" || c == "InvalidDigest":
		// The body changed on the way: sending it again may work.
		return ErrMismatch, true
	case st >= 500 || st == http.StatusTooManyRequests || c == "SlowDown" || c == "RequestTimeout":
		return ErrServer, true
	case st != 0:
		return nil, false // another 4xx: a bug, or a server that cannot do what we need
	}
	return ErrUnreachable, true // no answer: the network or a server that is down
}
