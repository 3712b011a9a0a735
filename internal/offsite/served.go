package offsite

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"path"
	"strings"
	"sync"
	"time"
)

// This file is what cctvd needs to serve days whose archives are off-site
// only (their local copies deleted by retention): the camera's receipts,
// read again only when a new one is written, and a checked download.

// Receipts are one camera's receipts of verified days. All reads the
// receipts folder again only when it changed, so that a page asking for
// every day's off-site state costs one stat.
type Receipts struct {
	state  *os.Root // nil: none
	log    *slog.Logger
	camera string

	mu    sync.Mutex
	stamp time.Time // the folder's modification time when read
	all   map[string]Receipt
	gen   uint64 // counts the reads that found a change
}

// Receipts returns the receipts of a camera ("" for the default camera).
func (b *Bucket) Receipts(camera string) *Receipts {
	return NewReceipts(b.state, camera, b.log)
}

// NewReceipts returns the receipts of a camera in a state folder
// (STATE/offsite), without a Bucket: the days verified off-site are known
// while the server cannot be reached.
func NewReceipts(state *os.Root, camera string, log *slog.Logger) *Receipts {
	return &Receipts{state: state, camera: camera, log: log}
}

// racyWindow is how recent a folder's modification time may be for the
// folder to be read again anyway: a file system's clock is coarse, so a
// receipt renamed in within the same tick as the last read would not
// change the time.
const racyWindow = 2 * time.Second

// All returns the verified receipts by date (YYYY-MM-DD), and a number
// that changes when they do. The map is shared: the caller must not
// change it.
func (r *Receipts) All() (map[string]Receipt, uint64) {
	if r.state == nil {
		return nil, 0
	}
	dir := path.Join("receipts", camDir(r.camera))
	r.mu.Lock()
	defer r.mu.Unlock()
	fi, err := r.state.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		if r.all != nil {
			r.all, r.stamp = nil, time.Time{}
			r.gen++
		}
		return nil, r.gen
	}
	if err != nil {
		r.log.Warn("off-site receipts unreadable", "camera", camDir(r.camera), "err", err)
		return r.all, r.gen
	}
	if r.all != nil && fi.ModTime().Equal(r.stamp) && time.Since(r.stamp) > racyWindow {
		return r.all, r.gen
	}
	f, err := r.state.Open(dir)
	if err != nil {
		r.log.Warn("off-site receipts unreadable", "camera", camDir(r.camera), "err", err)
		return r.all, r.gen
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		r.log.Warn("off-site receipts unreadable", "camera", camDir(r.camera), "err", err)
		return r.all, r.gen
	}
	all := map[string]Receipt{}
	for _, n := range names {
		date, ok := strings.CutSuffix(n, ".json")
		if !ok || strings.HasPrefix(n, ".") {
			continue // a temporary file, or not ours
		}
		var rc Receipt
		if err := readJSON(r.state, path.Join(dir, n), &rc); err != nil {
			r.log.Warn("off-site receipt unreadable", "camera", camDir(r.camera), "day", date, "err", err)
			continue
		}
		if len(rc.Objects) > 0 && !rc.VerifiedAt.IsZero() {
			all[date] = rc
		}
	}
	if !maps.EqualFunc(all, r.all, func(a, b Receipt) bool { return a.VerifiedAt.Equal(b.VerifiedAt) && len(a.Objects) == len(b.Objects) }) || r.all == nil {
		r.gen++
	}
	r.all, r.stamp = all, fi.ModTime()
	return all, r.gen
}

// Object is the receipt's record of a file of a verified day.
func (rc Receipt) Object(name string) (Object, bool) {
	for _, o := range rc.Objects {
		if o.Name == name {
			return o, true
		}
	}
	return Object{}, false
}

// Fetch copies a file of a verified day from the bucket into w and checks
// it on the way against the receipt: its size, and the checksum the
// server reported at the upload, computed again from the bytes read (a
// composite one part by part, with the part size this bucket uploads
// with; when that would not give the receipt's number of parts, the
// bucket was written with another part size, and only the size is
// checked: the day's .sha512sum is the archive's own check). It returns
// the object as the receipt records it. An error wraps ErrNotFound when
// the day is not verified or the receipt has no such file, ErrMismatch
// when the bytes are not those that were uploaded.
func (b *Bucket) Fetch(ctx context.Context, camera, date, name string, w io.Writer) (Object, error) {
	rc, ok := b.Verified(camera, date)
	if !ok {
		return Object{}, fmt.Errorf("off-site fetch %s/%s: %w: the day is not verified off-site", camDir(camera), date, ErrNotFound)
	}
	o, ok := rc.Object(name)
	if !ok {
		return Object{}, fmt.Errorf("off-site fetch %s/%s/%s: %w: not in the day's receipt", camDir(camera), date, name, ErrNotFound)
	}
	r, err := b.Get(ctx, o.Key, "")
	if err != nil {
		return Object{}, fmt.Errorf("off-site fetch: %w", err)
	}
	defer r.Close()
	sum := &partSums{size: b.partSize(o.Size), whole: sha256.New(), part: sha256.New(), composite: sha256.New()}
	if o.Parts == 0 {
		sum.size = 0 // one PUT: the whole file's SHA-256
	}
	n, err := io.Copy(io.MultiWriter(w, sum), r)
	if err != nil {
		return Object{}, fmt.Errorf("off-site fetch %s: %w", o.Key, err)
	}
	if n != o.Size {
		return Object{}, fmt.Errorf("off-site fetch %s: %w: read %d bytes, the receipt has %d", o.Key, ErrMismatch, n, o.Size)
	}
	if got, ok := sum.sum(o.Parts); ok && got != o.SHA256 {
		return Object{}, fmt.Errorf("off-site fetch %s: %w: read bytes of checksum %s, the receipt has %s", o.Key, ErrMismatch, got, o.SHA256)
	}
	return o, nil
}

// partSize is the size of the parts a file of size bytes is uploaded in
// (a multipart upload has at most maxParts).
func (b *Bucket) partSize(size int64) int64 {
	p := b.cfg.PartSize
	if (size+p-1)/p > maxParts {
		p = (size + maxParts - 1) / maxParts
	}
	return p
}

// partSums computes S3's checksum of bytes written to it: the whole
// SHA-256 (size 0), or the composite of parts of size bytes.
type partSums struct {
	size                   int64
	whole, part, composite hash.Hash
	inPart                 int64
	parts                  int
}

func (s *partSums) Write(p []byte) (int, error) {
	n := len(p)
	if s.size == 0 {
		return s.whole.Write(p)
	}
	for len(p) > 0 {
		k := min(int64(len(p)), s.size-s.inPart)
		s.part.Write(p[:k])
		s.inPart += k
		p = p[k:]
		if s.inPart == s.size {
			s.endPart()
		}
	}
	return n, nil
}

func (s *partSums) endPart() {
	s.composite.Write(s.part.Sum(nil))
	s.part.Reset()
	s.inPart = 0
	s.parts++
}

// sum is the checksum as S3 writes it; false when the parts' count is not
// the receipt's (another part size).
func (s *partSums) sum(parts int) (string, bool) {
	if s.size == 0 {
		return base64.StdEncoding.EncodeToString(s.whole.Sum(nil)), true
	}
	if s.inPart > 0 {
		s.endPart()
	}
	if s.parts != parts {
		return "", false
	}
	return compositeSum(s.composite, int64(parts)), true
}
