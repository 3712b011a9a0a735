// Package uploader copies every camera's archived days into the off-site
// bucket (internal/offsite), one day at a time, oldest first, and knows
// where each day's off-site copy is.
//
// A day is copied once it has committed archives: each archive with its
// .sha512sum, plus the archiver's index and summary of the day (so that a
// day whose local archives are gone can still be drawn and played from the
// bucket). It is off-site verified when the receipt the bucket wrote names
// the same files, at the same sizes, as the day has now; a day whose files
// changed since (a video-2.mp4 arrived later) is uploaded again, and the
// files already in the bucket are verified there, not sent again.
//
// One worker uploads for every camera, so that a home uplink carries one
// file at a time. A day whose upload fails is tried again later, waiting
// longer after each failure (RetryMin doubling up to RetryMax); wrong
// credentials or a missing bucket stop every upload, which are tried again
// every PermanentRetry after opening the bucket again — reading the
// credentials file again, so that an operator who fixes it needs no
// restart. Nothing local is changed or deleted here.
package uploader

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"slices"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/offsite"
)

// Bucket is what the uploader asks of the bucket: *offsite.Bucket.
type Bucket interface {
	Upload(ctx context.Context, camera, date string, files []offsite.LocalFile) (offsite.Receipt, error)
	PutSite(ctx context.Context, s offsite.Site) error
}

var _ Bucket = (*offsite.Bucket)(nil)

// Day is one camera's day with archives, as the catalog sees it.
type Day struct {
	Camera string
	Date   day.Date
	// Root and State are the camera's footage and state folders.
	Root, State string
	// Archives are the day's archive files; Checksum says its .sha512sum
	// is there.
	Archives []Archive
	// Busy: the archiver is working on the day (its archives may change).
	Busy bool
	// Damaged: a scrub found an archive differs from its checksum; such a
	// day is not uploaded (the copy would fail its own checksum).
	Damaged bool
	// Version changes whenever the day's files do (the catalog's view's);
	// 0: unknown, the files are looked at on every scan.
	Version uint64
}

// Archive is one archive file of a day.
type Archive struct {
	Name     string
	Size     int64
	Checksum bool
}

// State is where a day's off-site copy is.
type State string

// The states of a day.
const (
	None      State = "none"      // no committed archive to copy
	Pending   State = "pending"   // waiting for its upload
	Uploading State = "uploading" // being uploaded now
	Verified  State = "verified"  // in the bucket, read back
	Failed    State = "error"     // the last upload failed; tried again later
)

// DayStatus is a day's off-site copy.
type DayStatus struct {
	State      State
	VerifiedAt time.Time // Verified: when
	Err        string    // Failed: why
	Retry      time.Time // Failed: when it is tried again
}

// Status is the uploader at a glance.
type Status struct {
	Target string
	// Err is the last error ("" once an upload worked since); Permanent
	// when it needs the configuration fixed.
	Err       string
	ErrTime   time.Time
	Permanent bool
	// Sent counts the bytes sent to the bucket since start-up.
	Sent int64
	// Queue counts the days to upload, the one being uploaded among them.
	Queue int
	// Verified counts the days verified off-site: local days whose
	// archives are all in the bucket, and days whose local archives
	// --keep-local deleted.
	Verified int
	// Uploading is the day being uploaded, "" when idle.
	Uploading    string
	LastVerified time.Time
	// KeepLocal is --keep-local (days; 0: local archives are kept).
	KeepLocal int
}

// Defaults of Config's zero fields.
const (
	DefaultEvery          = 10 * time.Minute
	DefaultRetryMin       = time.Minute
	DefaultRetryMax       = time.Hour
	DefaultPermanentRetry = 10 * time.Minute
)

// Config configures an Uploader.
type Config struct {
	// Target is the bucket's s3://BUCKET/PREFIX, for the status.
	Target string
	// Open opens the bucket; it is called again after a permanent error.
	Open func(ctx context.Context) (Bucket, error)
	// State is the off-site state folder (STATE/offsite), where the
	// receipts are.
	State *os.Root
	// Days lists every camera's days now.
	Days func() []Day
	// Cameras lists the cameras' names, for the site marker.
	Cameras func() []string
	// Version is cctvd's, for the site marker.
	Version string
	// KeepLocal is --keep-local, for the status.
	KeepLocal int
	// Every is how often the days are looked at without a Kick.
	Every time.Duration
	// RetryMin, RetryMax: a failed day waits RetryMin, doubling after
	// each failure up to RetryMax. PermanentRetry: see the package doc.
	RetryMin, RetryMax, PermanentRetry time.Duration
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// OnVerified, OnError and OnSent report to the metrics; any may be nil.
	OnVerified func(camera string, at time.Time)
	OnError    func(camera, class string)
	OnSent     func(camera string, n int64)
	// OnScan is told each camera's count of verified days after a scan.
	OnScan func(verified map[string]int)
}

type key struct {
	camera string
	date   day.Date
}

type cachedList struct {
	version uint64
	list    []file
}

type failure struct {
	err  string
	n    int
	next time.Time
}

// Uploader uploads days and keeps their off-site state.
type Uploader struct {
	cfg  Config
	log  *slog.Logger
	kick chan struct{}

	mu       sync.Mutex
	receipts map[key]*offsite.Receipt // nil value: read, no receipt
	states   map[key]DayStatus        // the local days with archives, as of the last scan
	failed   map[key]failure
	status   Status
	current  key // the day being uploaded; zero when idle
	// lastClass is the class of the last error that stopped every upload.
	lastClass string
	// lists are the days' files as last looked at, by the catalog's
	// version of the day: a day that did not change is not looked at again.
	lists    map[key]cachedList
	fullScan time.Time
	// receiptDates are the dates of each camera's receipts, listed on
	// full scans and kept up to date by uploads. Like lists and
	// fullScan, only the worker (Run: scan, upload) touches it.
	receiptDates map[string]map[day.Date]bool
	sites        []string
}

// New makes an uploader; Run runs it.
func New(cfg Config, log *slog.Logger) (*Uploader, error) {
	if cfg.Open == nil || cfg.State == nil || cfg.Days == nil {
		return nil, errors.New("uploader: open, state and days are required")
	}
	cfg.Every = cmp.Or(cfg.Every, DefaultEvery)
	cfg.RetryMin = cmp.Or(cfg.RetryMin, DefaultRetryMin)
	cfg.RetryMax = cmp.Or(cfg.RetryMax, DefaultRetryMax)
	cfg.PermanentRetry = cmp.Or(cfg.PermanentRetry, DefaultPermanentRetry)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Cameras == nil {
		cfg.Cameras = func() []string { return nil }
	}
	return &Uploader{cfg: cfg, log: log.With("component", "offsite"), kick: make(chan struct{}, 1),
		receipts: map[key]*offsite.Receipt{}, states: map[key]DayStatus{}, failed: map[key]failure{}, lists: map[key]cachedList{},
		receiptDates: map[string]map[day.Date]bool{},
		status:       Status{Target: cfg.Target, KeepLocal: cfg.KeepLocal}}, nil
}

// Kick asks for a look at the days now (an archive was committed). It
// never blocks: the archiver calls it with its lock held.
func (u *Uploader) Kick() {
	select {
	case u.kick <- struct{}{}:
	default:
	}
}

// Sent counts n bytes sent to the bucket, for the day being uploaded.
func (u *Uploader) Sent(n int64) {
	u.mu.Lock()
	u.status.Sent += n
	cam := u.current.camera
	u.mu.Unlock()
	if u.cfg.OnSent != nil {
		u.cfg.OnSent(cam, n)
	}
}

// Status is the uploader now.
func (u *Uploader) Status() Status {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.status
}

// Day is where camera's day's off-site copy is. A day with no local
// archives left (deleted by --keep-local) is verified if its receipt is.
func (u *Uploader) Day(camera string, d day.Date) DayStatus {
	u.mu.Lock()
	defer u.mu.Unlock()
	if st, ok := u.states[key{camera, d}]; ok {
		if st.State == Pending && u.status.Permanent {
			// Waiting for nothing until the configuration is fixed.
			st = DayStatus{State: Failed, Err: u.status.Err}
		}
		return st
	}
	if r := u.receipt(key{camera, d}); r != nil {
		return DayStatus{State: Verified, VerifiedAt: r.VerifiedAt}
	}
	return DayStatus{State: None}
}

// Covers reports that camera's day's receipt holds each of archives, at
// its size, and its checksum file: retention's --keep-local may then
// delete them.
func (u *Uploader) Covers(camera string, d day.Date, archives []Archive) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	r := u.receipt(key{camera, d})
	if r == nil || len(archives) == 0 {
		return false
	}
	have := map[string]int64{}
	for _, o := range r.Objects {
		have[o.Name] = o.Size
	}
	for _, a := range archives {
		size, ok := have[a.Name]
		if !ok || size != a.Size {
			return false
		}
		if _, ok := have[day.ChecksumName(a.Name)]; !ok {
			return false
		}
	}
	return true
}

// receipt is k's receipt, read once; nil: none. u.mu is held.
func (u *Uploader) receipt(k key) *offsite.Receipt {
	if r, ok := u.receipts[k]; ok {
		return r
	}
	r, ok, err := offsite.ReadReceipt(u.cfg.State, k.camera, k.date.String())
	if err != nil {
		// Not remembered: read again next time, maybe fixed.
		u.log.Warn("off-site receipt unreadable: the day counts as not verified", "camera", k.camera, "day", k.date.String(), "err", err)
		return nil
	}
	var p *offsite.Receipt
	if ok {
		p = &r
	}
	u.receipts[k] = p
	return p
}

// Run uploads until ctx ends.
func (u *Uploader) Run(ctx context.Context) error {
	var b Bucket
	var reopen time.Time // when to open the bucket again after it failed
	for {
		if b == nil && !u.cfg.Now().Before(reopen) {
			var err error
			if b, err = u.open(ctx); err != nil {
				if ctx.Err() != nil {
					return nil
				}
				reopen = u.cfg.Now().Add(u.failedAll(err))
			}
		}
		// Scanned even without a bucket, so that the days' states are
		// known while it cannot be opened.
		next, due := u.scan()
		if b != nil && next != nil {
			u.putSite(ctx, b)
			err := u.upload(ctx, b, *next)
			if ctx.Err() != nil {
				return nil
			}
			if err != nil && !offsite.Retryable(err) {
				b, reopen = nil, u.cfg.Now().Add(u.failedAll(err))
			}
			continue // the next day at once
		}
		if b != nil {
			u.putSite(ctx, b)
		}
		wait := u.cfg.Every
		if b == nil {
			wait = reopen.Sub(u.cfg.Now())
		} else if !due.IsZero() {
			wait = due.Sub(u.cfg.Now())
		}
		t := time.NewTimer(min(max(wait, time.Second), u.cfg.Every))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-u.kick:
		case <-t.C:
		}
		t.Stop()
	}
}

func (u *Uploader) open(ctx context.Context) (Bucket, error) {
	b, err := u.cfg.Open(ctx)
	if err != nil {
		return nil, err
	}
	u.mu.Lock()
	u.sites = nil // written again by this run
	u.status.Err, u.status.ErrTime, u.status.Permanent = "", time.Time{}, false
	u.lastClass = ""
	u.mu.Unlock()
	u.log.Info("off-site bucket open", "target", u.cfg.Target)
	return b, nil
}

// failedAll records an error that stops every upload and returns how long
// to wait before trying again.
func (u *Uploader) failedAll(err error) time.Duration {
	permanent := !offsite.Retryable(err)
	u.mu.Lock()
	// Logged once a kind: the server's request id makes each text new.
	first := u.lastClass != Class(err)
	u.lastClass = Class(err)
	u.status.Err, u.status.ErrTime, u.status.Permanent = err.Error(), u.cfg.Now(), permanent
	u.mu.Unlock()
	if u.cfg.OnError != nil {
		u.cfg.OnError("", Class(err))
	}
	wait := u.cfg.RetryMin
	if permanent {
		wait = u.cfg.PermanentRetry
	}
	switch {
	case first && permanent:
		u.log.Error("off-site copies stopped: fix the [offsite] settings or the credentials file; tried again later",
			"target", u.cfg.Target, "err", err, "retry_in", wait)
	case first:
		u.log.Error("off-site bucket cannot be opened; tried again later", "target", u.cfg.Target, "err", err, "retry_in", wait)
	}
	return wait
}

// putSite writes the site marker when the cameras changed since the last.
func (u *Uploader) putSite(ctx context.Context, b Bucket) {
	names := slices.Sorted(slices.Values(u.cfg.Cameras()))
	for i, n := range names {
		if n == "" {
			names[i] = offsite.DefaultCamera
		}
	}
	slices.Sort(names)
	u.mu.Lock()
	same := u.sites != nil && slices.Equal(u.sites, names)
	u.mu.Unlock()
	if same {
		return
	}
	if err := b.PutSite(ctx, offsite.Site{Version: u.cfg.Version, Cameras: names, Written: u.cfg.Now()}); err != nil {
		u.log.Warn("off-site site marker not written; tried again later", "err", err)
		return
	}
	u.mu.Lock()
	u.sites = names
	u.mu.Unlock()
}

// file is one file of a day to upload: in the camera's folder or its
// state folder.
type file struct {
	name  string // in the bucket
	local string // under root
	state bool   // root is the state folder
	size  int64
}

// files are d's files to upload, as they are now; nil when the day has
// nothing to copy (no archive, one without its checksum).
func files(d Day) []file {
	if len(d.Archives) == 0 {
		return nil
	}
	var out []file
	for _, a := range d.Archives {
		if !a.Checksum {
			return nil
		}
		sum := day.ChecksumName(a.Name)
		out = append(out, file{name: a.Name, local: path.Join(d.Date.String(), a.Name), size: a.Size},
			file{name: sum, local: path.Join(d.Date.String(), sum), size: -1})
	}
	for _, n := range []string{archive.IndexName(d.Date), archive.SummaryName(d.Date)} {
		out = append(out, file{name: path.Base(n), local: n, state: true, size: -1})
	}
	return out
}

// stat fills the sizes of d's files not known yet; a state file that is
// not there is left out (a day archived before summaries, say).
func stat(d Day, list []file) ([]file, error) {
	root, err := os.OpenRoot(d.Root)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	state, err := os.OpenRoot(d.State)
	if err != nil {
		return nil, err
	}
	defer state.Close()
	out := list[:0]
	for _, f := range list {
		r := root
		if f.state {
			r = state
		}
		fi, err := r.Stat(f.local)
		if f.state && errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		f.size = fi.Size()
		out = append(out, f)
	}
	return out, nil
}

// matches reports a receipt that names exactly list's files at their sizes.
func matches(r *offsite.Receipt, list []file) bool {
	if r == nil || len(r.Objects) != len(list) {
		return false
	}
	have := map[string]int64{}
	for _, o := range r.Objects {
		have[o.Name] = o.Size
	}
	for _, f := range list {
		if size, ok := have[f.name]; !ok || size != f.size {
			return false
		}
	}
	return true
}

// scan works out every day's state; it returns the oldest day to upload
// now, or else when a failed day is due again (zero: none is).
func (u *Uploader) scan() (next *Day, due time.Time) {
	days := u.cfg.Days()
	slices.SortFunc(days, func(a, b Day) int {
		return cmp.Or(a.Date.Compare(b.Date), cmp.Compare(a.Camera, b.Camera))
	})
	// The files are looked at before the lock is taken: the pages and
	// retention ask for days' states meanwhile. Only the scan touches
	// u.lists.
	lists := make([][]file, len(days))
	seen := map[key]bool{}
	// Every Every, every day's files are looked at again whatever the
	// catalog says (a state file rewritten behind its back).
	full := !u.cfg.Now().Before(u.fullScan.Add(u.cfg.Every))
	if full {
		u.fullScan = u.cfg.Now()
	}
	for i, d := range days {
		k := key{d.Camera, d.Date}
		seen[k] = true
		list := files(d)
		if list == nil || d.Damaged || d.Busy {
			delete(u.lists, k)
			continue
		}
		if c, ok := u.lists[k]; ok && !full && d.Version != 0 && c.version == d.Version {
			lists[i] = c.list
			continue
		}
		list, err := stat(d, list)
		if err != nil {
			u.log.Warn("off-site: cannot read a day's files; looked at again later", "camera", d.Camera, "day", d.Date.String(), "err", err)
			delete(u.lists, k)
			continue
		}
		lists[i] = list
		u.lists[k] = cachedList{d.Version, list}
	}
	for k := range u.lists {
		if !seen[k] {
			delete(u.lists, k)
		}
	}
	// Days with no local archives left (--keep-local) count as verified
	// by their receipts alone.
	local := map[key]bool{}
	for _, d := range days {
		local[key{d.Camera, d.Date}] = len(d.Archives) > 0
	}
	verified := map[string]int{}
	for _, cam := range u.cfg.Cameras() {
		verified[cam] = 0
		dates, ok := u.receiptDates[cam]
		if full || !ok {
			dates = map[day.Date]bool{}
			list, err := offsite.ReceiptDates(u.cfg.State, cam)
			if err != nil {
				u.log.Warn("off-site receipts unreadable", "camera", cam, "err", err)
			}
			for _, s := range list {
				if d, err := day.Parse(s); err == nil {
					dates[d] = true
				}
			}
			u.receiptDates[cam] = dates
		}
		for d := range dates {
			if !local[key{cam, d}] {
				verified[cam]++
			}
		}
	}
	now := u.cfg.Now()
	states := map[key]DayStatus{}
	queue := 0
	u.mu.Lock()
	defer u.mu.Unlock()
	for i, d := range days {
		k := key{d.Camera, d.Date}
		if _, ok := verified[d.Camera]; !ok {
			verified[d.Camera] = 0
		}
		r := u.receipt(k)
		list := lists[i]
		if list == nil {
			if d.Busy && r != nil {
				states[k] = DayStatus{State: Verified, VerifiedAt: r.VerifiedAt}
			}
			continue
		}
		if matches(r, list) {
			states[k] = DayStatus{State: Verified, VerifiedAt: r.VerifiedAt}
			verified[d.Camera]++
			delete(u.failed, k)
			continue
		}
		queue++
		if f, ok := u.failed[k]; ok {
			states[k] = DayStatus{State: Failed, Err: f.err, Retry: f.next}
			if f.next.After(now) {
				if due.IsZero() || f.next.Before(due) {
					due = f.next
				}
				continue
			}
		} else {
			states[k] = DayStatus{State: Pending}
		}
		if next == nil {
			next = &days[i]
		}
	}
	u.states = states
	u.status.Queue = queue
	u.status.Verified = 0
	for _, n := range verified {
		u.status.Verified += n
	}
	if u.cfg.OnScan != nil {
		u.cfg.OnScan(verified)
	}
	return next, due
}

// upload uploads d; the day's state and the status say how it went.
func (u *Uploader) upload(ctx context.Context, b Bucket, d Day) error {
	k := key{d.Camera, d.Date}
	list, err := stat(d, files(d))
	if err == nil {
		u.setState(k, DayStatus{State: Uploading})
		err = u.send(ctx, b, d, list)
	}
	u.mu.Lock()
	u.current, u.status.Uploading = key{}, ""
	u.mu.Unlock()
	if err == nil || ctx.Err() != nil {
		return err
	}
	if !offsite.Retryable(err) {
		u.setState(k, DayStatus{State: Failed, Err: err.Error()})
		return err // every day's: Run stops uploading for a while
	}
	u.failedDay(k, err)
	return err
}

func (u *Uploader) send(ctx context.Context, b Bucket, d Day, list []file) error {
	root, err := os.OpenRoot(d.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	state, err := os.OpenRoot(d.State)
	if err != nil {
		return err
	}
	defer state.Close()
	local := make([]offsite.LocalFile, 0, len(list))
	for _, f := range list {
		r := root
		if f.state {
			r = state
		}
		local = append(local, offsite.LocalFile{Name: f.name, Open: func() (*os.File, error) { return r.Open(f.local) }})
	}
	u.mu.Lock()
	u.current, u.status.Uploading = key{d.Camera, d.Date}, dayName(d.Camera, d.Date)
	u.mu.Unlock()
	start := u.cfg.Now()
	rec, err := b.Upload(ctx, d.Camera, d.Date.String(), local)
	if err != nil {
		return err
	}
	u.mu.Lock()
	k := key{d.Camera, d.Date}
	u.receipts[k] = &rec
	if dates := u.receiptDates[d.Camera]; dates != nil {
		dates[d.Date] = true
	}
	delete(u.failed, k)
	u.states[k] = DayStatus{State: Verified, VerifiedAt: rec.VerifiedAt}
	if !u.status.Permanent {
		u.status.Err, u.status.ErrTime = "", time.Time{}
	}
	u.status.LastVerified = rec.VerifiedAt
	u.mu.Unlock()
	u.log.Info("day verified off-site", "camera", d.Camera, "day", d.Date.String(), "files", len(rec.Objects), "took", u.cfg.Now().Sub(start).Round(time.Millisecond))
	if u.cfg.OnVerified != nil {
		u.cfg.OnVerified(d.Camera, rec.VerifiedAt)
	}
	return nil
}

func (u *Uploader) setState(k key, st DayStatus) {
	u.mu.Lock()
	u.states[k] = st
	u.mu.Unlock()
}

// failedDay records a day whose upload failed; it waits before the next try.
func (u *Uploader) failedDay(k key, err error) {
	now := u.cfg.Now()
	u.mu.Lock()
	f := u.failed[k]
	f.n++
	f.err = err.Error()
	wait := u.cfg.RetryMin << min(f.n-1, 16)
	if wait > u.cfg.RetryMax || wait <= 0 {
		wait = u.cfg.RetryMax
	}
	f.next = now.Add(wait)
	u.failed[k] = f
	u.states[k] = DayStatus{State: Failed, Err: f.err, Retry: f.next}
	u.status.Err, u.status.ErrTime, u.status.Permanent = f.err, now, false
	u.mu.Unlock()
	if u.cfg.OnError != nil {
		u.cfg.OnError(k.camera, Class(err))
	}
	u.log.Error("off-site upload failed; tried again later", "camera", k.camera, "day", k.date.String(), "attempt", f.n, "retry_in", wait, "err", err)
}

// Class names an error's kind, for the metrics' class label.
func Class(err error) string {
	for _, c := range []struct {
		err  error
		name string
	}{
		{offsite.ErrCredentials, "credentials"},
		{offsite.ErrNoBucket, "no_bucket"},
		{offsite.ErrUnreachable, "unreachable"},
		{offsite.ErrFull, "full"},
		{offsite.ErrServer, "server"},
		{offsite.ErrMismatch, "mismatch"},
		{offsite.ErrLocalChanged, "local_changed"},
		{fs.ErrNotExist, "local_missing"},
	} {
		if errors.Is(err, c.err) {
			return c.name
		}
	}
	return "other"
}

func dayName(camera string, d day.Date) string {
	if camera == "" {
		return d.String()
	}
	return fmt.Sprintf("%s/%s", camera, d)
}
