// Package offsite keeps the off-site copy of archives in an S3-compatible bucket.
//
// Layout of the bucket, under the target's prefix (s3://BUCKET/PREFIX):
//
//	PREFIX/site.json                 the site marker: cctvd's version and cameras
//	PREFIX/CAMERA/YYYY-MM-DD/NAME    a day's archive files (video.mp4, …)
//
// CAMERA is the camera's name; the default camera (name "") is "default",
// a name camera.CheckName reserves, so it is never a real camera's.
//
// A day is off-site verified when every one of its files was uploaded with a
// SHA-256 checksum the server checked on arrival and was then read back
// (HeadObject with checksums enabled): the server's size and checksum equal
// what was computed from the local file. Only then is the day's receipt
// written into the state folder (Verified reads it). Files of PartSize or
// more go as multipart uploads: S3 then keeps a composite checksum (the
// SHA-256 of the parts' SHA-256s, "-N" for N parts), not the whole file's,
// so the receipt says which one it holds.
//
// Nothing local is ever changed or deleted by this package, except its own
// state files.
package offsite

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"time"
)

// Errors, classified so that callers can tell the operator what to fix.
// Every error of this package wraps at most one of them.
var (
	// ErrCredentials is a key the server refuses (wrong key id or secret,
	// or no permission).
	ErrCredentials = errors.New("wrong credentials")
	// ErrNoBucket is a bucket that does not exist.
	ErrNoBucket = errors.New("no such bucket")
	// ErrUnreachable is a server that could not be reached (network, DNS,
	// refused connections) after the retries.
	ErrUnreachable = errors.New("unreachable")
	// ErrServer is a server that kept failing (5xx after the retries), or
	// is full.
	ErrServer = errors.New("server error")
	// ErrFull is a server that has no room: it wraps ErrServer too.
	ErrFull = fmt.Errorf("%w: storage full", ErrServer)
	// ErrNotFound is an object that is not in the bucket.
	ErrNotFound = errors.New("not found")
	// ErrMismatch is an object whose size or checksum on the server is not
	// what was sent.
	ErrMismatch = errors.New("server copy differs")
	// ErrLocalChanged is a local file that changed while it was uploaded.
	ErrLocalChanged = errors.New("local file changed during upload")
)

// DefaultCamera is the default camera's name in the bucket's keys.
const DefaultCamera = "default"

// SiteFile is the site marker's name, under the prefix.
const SiteFile = "site.json"

// Target is where the off-site copies go: s3://BUCKET/PREFIX.
type Target struct {
	Bucket string
	Prefix string // without slashes around it; "" for the bucket's root
}

// ParseTarget parses s3://BUCKET or s3://BUCKET/PREFIX.
func ParseTarget(s string) (Target, error) {
	u, err := url.Parse(s)
	if err != nil {
		return Target{}, fmt.Errorf("off-site target %q: %w", s, err)
	}
	if u.Scheme != "s3" || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return Target{}, fmt.Errorf("off-site target %q: want s3://BUCKET/PREFIX", s)
	}
	p := strings.Trim(u.Path, "/")
	for _, seg := range strings.Split(p, "/") {
		if p != "" && (seg == "" || seg == "." || seg == "..") {
			return Target{}, fmt.Errorf("off-site target %q: prefix %q has an empty, . or .. segment", s, p)
		}
	}
	return Target{Bucket: u.Host, Prefix: p}, nil
}

func (t Target) String() string {
	if t.Prefix == "" {
		return "s3://" + t.Bucket
	}
	return "s3://" + t.Bucket + "/" + t.Prefix
}

// join puts the prefix before a key.
func (t Target) join(key string) string {
	if t.Prefix == "" {
		return key
	}
	return t.Prefix + "/" + key
}

// Key is the object key of a camera's day's file.
func (t Target) Key(camera, date, name string) string {
	if camera == "" {
		camera = DefaultCamera
	}
	return t.join(path.Join(camera, date, name))
}

// Config is how to reach the bucket and how to upload.
type Config struct {
	// Endpoint is the server's URL: https://…, or http://… (tests).
	Endpoint string
	// Region is the bucket's region; default DefaultRegion.
	Region string
	// PathStyle puts the bucket into the path (http://host/BUCKET/KEY),
	// as most self-hosted servers want, instead of the host name.
	PathStyle bool
	// CredentialsFile holds the key id and secret (see ReadCredentials).
	CredentialsFile string
	// Rate limits uploads to so many bytes a second; 0: no limit.
	Rate int64
	// PartSize is the size of a multipart upload's parts; files of this
	// size or more are uploaded in parts. Default DefaultPartSize, at
	// least MinPartSize (S3's own minimum).
	PartSize int64

	retry retryPolicy // tests' faster retries; zero: defaultRetry
}

// Defaults of Config.
const (
	DefaultRegion   = "us-east-1"
	DefaultPartSize = 16 << 20
	MinPartSize     = 5 << 20
	maxParts        = 10000 // S3's limit
)

func (c Config) withDefaults() (Config, error) {
	if c.Region == "" {
		c.Region = DefaultRegion
	}
	if c.retry.attempts == 0 {
		c.retry = defaultRetry
	}
	if c.PartSize == 0 {
		c.PartSize = DefaultPartSize
	}
	if c.PartSize < MinPartSize {
		return c, fmt.Errorf("off-site part size %d: want at least %d (5 MiB)", c.PartSize, MinPartSize)
	}
	if c.Rate < 0 {
		return c, fmt.Errorf("off-site rate %d: want 0 (no limit) or more", c.Rate)
	}
	u, err := url.Parse(c.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return c, fmt.Errorf("off-site endpoint %q: want https://HOST[:PORT]", c.Endpoint)
	}
	return c, nil
}

// Site is the site marker, PREFIX/site.json: it lets a viewer find the
// sites in a bucket and their cameras.
type Site struct {
	Version string    `json:"version"` // cctvd's
	Cameras []string  `json:"cameras"` // names in the keys ("default" for the default camera)
	Written time.Time `json:"written"`
}

// Retryable says whether the same call may work later without anyone
// changing the configuration: not for wrong credentials or a missing bucket.
func Retryable(err error) bool {
	return err != nil && !errors.Is(err, ErrCredentials) && !errors.Is(err, ErrNoBucket)
}
