package offsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// Stat returns the server's size and checksum of a camera's day's file;
// the error wraps ErrNotFound when there is none.
func (b *Bucket) Stat(ctx context.Context, camera, date, name string) (Object, error) {
	o, err := b.head(ctx, b.target.Key(camera, date, name))
	if err != nil {
		return Object{}, fmt.Errorf("off-site stat: %w", err)
	}
	o.Name = name
	return o, nil
}

func (b *Bucket) head(ctx context.Context, key string) (Object, error) {
	var out *s3.HeadObjectOutput
	err := b.do(ctx, "head "+key, func(ctx context.Context) error {
		var err error
		out, err = b.client.HeadObject(ctx, &s3.HeadObjectInput{
			Bucket:       aws.String(b.target.Bucket),
			Key:          aws.String(key),
			ChecksumMode: types.ChecksumModeEnabled,
		})
		return err
	})
	if err != nil {
		return Object{}, err
	}
	o := Object{Key: key, Size: aws.ToInt64(out.ContentLength), SHA256: aws.ToString(out.ChecksumSHA256)}
	if i := strings.LastIndexByte(o.SHA256, '-'); i >= 0 {
		fmt.Sscan(o.SHA256[i+1:], &o.Parts)
	}
	return o, nil
}

// ErrRange is a Range header the object cannot satisfy (HTTP 416).
var ErrRange = errors.New("range not satisfiable")

// Reader is an object's content, or a range of it, as the server sends it.
type Reader struct {
	io.ReadCloser
	Size         int64  // the bytes this Reader returns
	ContentRange string // "bytes 0-99/1234" for a range, else ""
	ContentType  string
	ETag         string
	LastModified time.Time
}

// Get reads an object of the site, whole or (rangeHeader, as in HTTP:
// "bytes=0-99") a range of it, for cctvd to serve. The caller closes it.
// It is not retried: the reader's client asks again.
func (b *Bucket) Get(ctx context.Context, key, rangeHeader string) (*Reader, error) {
	if err := b.inside(key); err != nil {
		return nil, err
	}
	in := &s3.GetObjectInput{Bucket: aws.String(b.target.Bucket), Key: aws.String(key)}
	if rangeHeader != "" {
		in.Range = aws.String(rangeHeader)
	}
	out, err := b.client.GetObject(ctx, in)
	if err != nil {
		if code(err) == "InvalidRange" || status(err) == http.StatusRequestedRangeNotSatisfiable {
			return nil, fmt.Errorf("off-site get %s: %w: %w", key, ErrRange, err)
		}
		if class, _ := classify(err); class != nil {
			return nil, fmt.Errorf("off-site get %s: %w: %w", key, class, err)
		}
		return nil, fmt.Errorf("off-site get %s: %w", key, err)
	}
	return &Reader{
		ReadCloser:   out.Body,
		Size:         aws.ToInt64(out.ContentLength),
		ContentRange: aws.ToString(out.ContentRange),
		ContentType:  aws.ToString(out.ContentType),
		ETag:         aws.ToString(out.ETag),
		LastModified: aws.ToTime(out.LastModified),
	}, nil
}

// Presign returns a URL that GETs an object of the site without
// credentials until ttl has passed: keep ttl short, anyone with the URL
// can read the object.
func (b *Bucket) Presign(ctx context.Context, key string, ttl time.Duration) (string, error) {
	if err := b.inside(key); err != nil {
		return "", err
	}
	req, err := s3.NewPresignClient(b.client).PresignGetObject(ctx,
		&s3.GetObjectInput{Bucket: aws.String(b.target.Bucket), Key: aws.String(key)},
		s3.WithPresignExpires(ttl))
	if err != nil {
		return "", fmt.Errorf("off-site presign %s: %w", key, err)
	}
	return req.URL, nil
}

// inside refuses keys outside the target's prefix, so that a key from a
// request cannot read the rest of the bucket.
func (b *Bucket) inside(key string) error {
	if b.target.Prefix != "" && !strings.HasPrefix(key, b.target.Prefix+"/") || strings.Contains("/"+key+"/", "/../") {
		return fmt.Errorf("off-site key %q: %w (outside %s)", key, ErrNotFound, b.target)
	}
	return nil
}

// PutSite writes the site marker, PREFIX/site.json.
func (b *Bucket) PutSite(ctx context.Context, s Site) error {
	if s.Written.IsZero() {
		s.Written = b.now()
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	key := b.target.join(SiteFile)
	return b.do(ctx, "put "+key, func(ctx context.Context) error {
		_, err := b.client.PutObject(ctx, &s3.PutObjectInput{
			Bucket:            aws.String(b.target.Bucket),
			Key:               aws.String(key),
			Body:              bytes.NewReader(data),
			ContentLength:     aws.Int64(int64(len(data))),
			ContentType:       aws.String("application/json"),
			ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
			ChecksumSHA256:    aws.String(base64.StdEncoding.EncodeToString(sum[:])),
		}, unsignedPayload)
		return err
	})
}

// Listing is what the bucket holds under the target's prefix, for a
// read-only viewer: every site (a folder with a site.json) with its
// cameras, their days and each day's files, all sorted by name.
type Listing struct {
	Sites []ListedSite `json:"sites"`
}

// ListedSite is a site in a Listing.
type ListedSite struct {
	Prefix  string         `json:"prefix"` // the site's folder in the bucket
	Site    Site           `json:"site"`   // its site.json
	Cameras []ListedCamera `json:"cameras"`
}

// ListedCamera is a camera of a ListedSite.
type ListedCamera struct {
	Name string      `json:"name"` // "default" for the default camera
	Days []ListedDay `json:"days"`
}

// ListedDay is a day of a ListedCamera.
type ListedDay struct {
	Date  string       `json:"date"`
	Files []ListedFile `json:"files"`
}

// ListedFile is a file of a ListedDay.
type ListedFile struct {
	Name     string    `json:"name"`
	Key      string    `json:"key"`
	Size     int64     `json:"size"`
	Modified time.Time `json:"modified"`
}

// List lists the sites under the target's prefix: for a viewer opened on
// the bucket's root, every site in the bucket.
func (b *Bucket) List(ctx context.Context) (Listing, error) {
	prefix := ""
	if b.target.Prefix != "" {
		prefix = b.target.Prefix + "/"
	}
	var objs []types.Object
	p := s3.NewListObjectsV2Paginator(b.client, &s3.ListObjectsV2Input{Bucket: aws.String(b.target.Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		var out *s3.ListObjectsV2Output
		err := b.do(ctx, "list "+b.target.String(), func(ctx context.Context) error {
			var err error
			out, err = p.NextPage(ctx)
			return err
		})
		if err != nil {
			return Listing{}, fmt.Errorf("off-site %w", err)
		}
		objs = append(objs, out.Contents...)
	}
	// Sites first, so that each file finds its site: the longest prefix.
	sites := map[string]*ListedSite{}
	for _, o := range objs {
		k := aws.ToString(o.Key)
		if path.Base(k) != SiteFile {
			continue
		}
		dir := strings.TrimSuffix(strings.TrimSuffix(k, SiteFile), "/")
		ls := &ListedSite{Prefix: dir}
		if err := b.readSite(ctx, k, &ls.Site); err != nil {
			b.log.Warn("off-site site marker unreadable", "key", k, "err", err)
		}
		sites[dir] = ls
	}
	days := map[[3]string]*ListedDay{} // site, camera, date
	for _, o := range objs {
		k := aws.ToString(o.Key)
		site, rest, ok := siteOf(sites, k)
		if !ok {
			continue
		}
		parts := strings.Split(rest, "/")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			continue // not CAMERA/DATE/NAME: not ours
		}
		id := [3]string{site, parts[0], parts[1]}
		d := days[id]
		if d == nil {
			d = &ListedDay{Date: parts[1]}
			days[id] = d
		}
		d.Files = append(d.Files, ListedFile{Name: parts[2], Key: k, Size: aws.ToInt64(o.Size), Modified: aws.ToTime(o.LastModified)})
	}
	cams := map[[2]string]*ListedCamera{}
	for _, id := range slices.SortedFunc(maps.Keys(days), func(a, b [3]string) int { return slices.Compare(a[:], b[:]) }) {
		c := cams[[2]string{id[0], id[1]}]
		if c == nil {
			c = &ListedCamera{Name: id[1]}
			cams[[2]string{id[0], id[1]}] = c
		}
		c.Days = append(c.Days, *days[id])
	}
	var l Listing
	for _, dir := range slices.Sorted(maps.Keys(sites)) {
		s := sites[dir]
		for _, id := range slices.SortedFunc(maps.Keys(cams), func(a, b [2]string) int { return slices.Compare(a[:], b[:]) }) {
			if id[0] == dir {
				s.Cameras = append(s.Cameras, *cams[id])
			}
		}
		l.Sites = append(l.Sites, *s)
	}
	return l, nil
}

// siteOf finds the site a key belongs to and the key's rest below it.
func siteOf(sites map[string]*ListedSite, key string) (site, rest string, ok bool) {
	best := -1
	for dir := range sites {
		if (dir == "" || strings.HasPrefix(key, dir+"/")) && len(dir) > best && path.Base(key) != SiteFile {
			site, best, ok = dir, len(dir), true
		}
	}
	if !ok {
		return "", "", false
	}
	if site == "" {
		return site, key, true
	}
	return site, key[len(site)+1:], true
}

func (b *Bucket) readSite(ctx context.Context, key string, s *Site) error {
	r, err := b.Get(ctx, key, "")
	if err != nil {
		return err
	}
	defer r.Close()
	return json.NewDecoder(io.LimitReader(r, 1<<20)).Decode(s)
}
