package daemon

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/ts"
	"github.com/cctvd/cctvd/internal/web"
)

// offsiteSource is the off-site bucket as pages and exports read it: the
// receipts in STATE/offsite at once, the bucket opened when a file is
// first asked for, so that a server down at start-up keeps no day off the
// pages (their files answer 502 until it is back).
type offsiteSource struct {
	state *os.Root
	open  func(ctx context.Context) (*offsite.Bucket, error)
	log   *slog.Logger

	mu     sync.Mutex
	b      *offsite.Bucket
	err    error
	failed time.Time // of the last failed open
}

// reopenAfter is how long a failed open is answered for, so that a page
// of many files does not ask a server that is down for each.
const reopenAfter = 5 * time.Second

// newOffsiteSource is the bucket open opens, with the state folder it
// was opened with.
func newOffsiteSource(state *os.Root, open func(ctx context.Context) (*offsite.Bucket, error), log *slog.Logger) *offsiteSource {
	return &offsiteSource{state: state, open: open, log: log}
}

func (s *offsiteSource) bucket(ctx context.Context) (*offsite.Bucket, error) {
	s.mu.Lock()
	b, err, failed := s.b, s.err, s.failed
	s.mu.Unlock()
	if b != nil {
		return b, nil
	}
	if err != nil && time.Since(failed) < reopenAfter {
		return nil, err
	}
	b, err = s.open(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.err, s.failed = err, time.Now()
		return nil, err
	}
	if s.b == nil {
		s.b = b
	}
	return s.b, nil
}

// offsiteCamera is one camera's off-site copy as its pages (web.Offsite)
// and exports (export.Offsite) see it: its verified days from the
// receipts in STATE/offsite, and their files read from the bucket.
type offsiteCamera struct {
	src      *offsiteSource
	camera   string // cctvd's name: "" for the default camera
	receipts *offsite.Receipts
	local    localRuns
	log      *slog.Logger

	mu   sync.Mutex
	gen  uint64 // of the receipts days was made from
	days map[day.Date]web.OffsiteDay
	runs map[day.Date]bucketRuns
	// down is when the bucket may be asked for runs again after it
	// failed: one page with many such days waits for it once.
	down time.Time
}

// localRuns is what the archiver knows of its archives' runs.
type localRuns interface {
	Runs(d day.Date) map[string][]ts.Run
	// Indexed reports whether the day's index is in the state folder.
	Indexed(d day.Date) bool
}

var (
	_ web.Offsite    = (*offsiteCamera)(nil)
	_ export.Offsite = (*offsiteCamera)(nil)
)

// bucketRuns are a day's runs read from the bucket's copy of its index.
type bucketRuns struct {
	verified time.Time // of the receipt they were read for
	runs     map[string][]ts.Run
	retry    time.Time // a failed read is tried again from then on
}

// newOffsiteCamera is camera's off-site copy in b; local is the
// archiver, whose runs the bucket's stand in for only when its index of
// the day is gone (the state folder lost).
func newOffsiteCamera(src *offsiteSource, camera string, local localRuns, log *slog.Logger) *offsiteCamera {
	return &offsiteCamera{src: src, camera: camera, receipts: offsite.NewReceipts(src.state, camera, log), local: local, log: log,
		runs: map[day.Date]bucketRuns{}}
}

// OffsiteDays are the camera's verified days.
func (o *offsiteCamera) OffsiteDays() map[day.Date]web.OffsiteDay {
	all, gen := o.receipts.All()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.days != nil && gen == o.gen {
		return o.days
	}
	days := make(map[day.Date]web.OffsiteDay, len(all))
	for date, rc := range all {
		d, err := day.Parse(date)
		if err != nil {
			continue
		}
		od := web.OffsiteDay{VerifiedAt: rc.VerifiedAt}
		for _, obj := range rc.Objects {
			od.Files = append(od.Files, web.OffsiteFile{Name: obj.Name, Size: obj.Size})
		}
		days[d] = od
	}
	o.days, o.gen = days, gen
	return days
}

// receipt is day d's receipt, when it is verified.
func (o *offsiteCamera) receipt(d day.Date) (offsite.Receipt, bool) {
	all, _ := o.receipts.All()
	rc, ok := all[d.String()]
	return rc, ok
}

// Get reads a file of a verified day from the bucket, whole or a range.
func (o *offsiteCamera) Get(ctx context.Context, d day.Date, name, rangeHeader string) (*web.RemoteFile, error) {
	rc, ok := o.receipt(d)
	obj, found := rc.Object(name)
	if !ok || !found {
		return nil, fmt.Errorf("off-site %s/%s: %w: not in its receipt", d, name, web.ErrRemoteNotFound)
	}
	b, err := o.src.bucket(ctx)
	if err != nil {
		return nil, err
	}
	r, err := b.Get(ctx, obj.Key, rangeHeader)
	switch {
	case errors.Is(err, offsite.ErrRange):
		return nil, fmt.Errorf("%w: %w", web.ErrRemoteRange, err)
	case errors.Is(err, offsite.ErrNotFound):
		return nil, fmt.Errorf("%w: %w", web.ErrRemoteNotFound, err)
	case err != nil:
		return nil, err
	}
	return &web.RemoteFile{ReadCloser: r, Size: r.Size, ContentRange: r.ContentRange, ETag: r.ETag, LastModified: r.LastModified}, nil
}

// OffsiteArchives names the archives of day d in the bucket, when its
// local ones are gone (the exporter asks only then).
func (o *offsiteCamera) OffsiteArchives(d day.Date) []string {
	rc, ok := o.receipt(d)
	if !ok {
		return nil
	}
	var names []string
	for _, obj := range rc.Objects {
		if day.IsArchive(obj.Name) {
			names = append(names, obj.Name)
		}
	}
	slices.SortFunc(names, day.CompareArchives)
	return names
}

// Fetch copies a file of a verified day from the bucket into w, checked
// against its receipt.
func (o *offsiteCamera) Fetch(ctx context.Context, d day.Date, name string, w io.Writer) (string, error) {
	b, err := o.src.bucket(ctx)
	if err != nil {
		return "", err
	}
	obj, err := b.Fetch(ctx, o.camera, d.String(), name, w)
	if err != nil {
		return "", err
	}
	return "s3://" + b.Target().Bucket + "/" + obj.Key, nil
}

// Runs are the archiver's runs of day d's archives; when it has none (its
// index lost) and the day is verified off-site, those of the index's copy
// in the bucket, read once.
func (o *offsiteCamera) Runs(d day.Date) map[string][]ts.Run {
	if runs := o.local.Runs(d); len(runs) > 0 || o.local.Indexed(d) {
		return runs
	}
	rc, ok := o.receipt(d)
	if !ok {
		return nil
	}
	o.mu.Lock()
	br, cached := o.runs[d]
	down := time.Now().Before(o.down)
	o.mu.Unlock()
	if cached && br.verified.Equal(rc.VerifiedAt) && (br.retry.IsZero() || time.Now().Before(br.retry)) || down {
		return br.runs
	}
	br = bucketRuns{verified: rc.VerifiedAt}
	var err error
	br.runs, err = o.bucketRuns(d, rc)
	o.mu.Lock()
	defer o.mu.Unlock()
	if err != nil {
		o.log.Warn("off-site index copy unreadable: the day has no timeline", "day", d.String(), "err", err)
		br.retry = time.Now().Add(time.Minute)
		if !errors.Is(err, offsite.ErrNotFound) && !errors.Is(err, offsite.ErrMismatch) {
			o.down = br.retry
		}
	}
	o.runs[d] = br
	return br.runs
}

// maxIndexCopy bounds an index read from the bucket: a full day's is
// about a megabyte.
const maxIndexCopy = 64 << 20

// bucketRuns reads the runs from the copies of the day's index (or its
// summary) in the bucket: the receipt's .json files, the summary first.
func (o *offsiteCamera) bucketRuns(d day.Date, rc offsite.Receipt) (map[string][]ts.Run, error) {
	var names []string
	for _, obj := range rc.Objects {
		if strings.HasSuffix(obj.Name, ".json") && obj.Size <= maxIndexCopy {
			names = append(names, obj.Name)
		}
	}
	slices.SortStableFunc(names, func(a, b string) int {
		return boolCmp(!strings.Contains(a, "summary"), !strings.Contains(b, "summary"))
	})
	var errs []error
	for _, name := range names {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		var buf bytes.Buffer
		b, err := o.src.bucket(ctx)
		if err == nil {
			_, err = b.Fetch(ctx, o.camera, d.String(), name, &buf)
		}
		cancel()
		if err == nil {
			var runs map[string][]ts.Run
			if runs, err = archive.RunsOf(buf.Bytes()); err == nil && len(runs) > 0 {
				return runs, nil
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return nil, errors.Join(errs...)
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// archiveRuns are the camera's archives' runs: the archiver's, or the
// bucket's copies' when it has none.
func (s *stack) archiveRuns() func(day.Date) map[string][]ts.Run {
	if s.off == nil {
		return s.arc.Runs
	}
	return s.off.Runs
}

// webOffsite is the camera's off-site copy for its pages; nil without one.
func (s *stack) webOffsite() web.Offsite {
	if s.off == nil {
		return nil // not a typed nil: the pages test for none
	}
	return s.off
}

// exportOffsite is the camera's off-site copy for its exports; nil without one.
func (s *stack) exportOffsite() export.Offsite {
	if s.off == nil {
		return nil
	}
	return s.off
}
