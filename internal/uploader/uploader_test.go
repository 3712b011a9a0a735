package uploader

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
)

// fixture is a camera folder and state folder with days in them, and an
// uploader of them to a real S3 server behind a counting proxy.
type fixture struct {
	root, state string
	gw          *offsitetest.Server
	proxy       *offsitetest.Proxy
	offState    *os.Root
	days        map[day.Date]*Day
	u           *Uploader
	secret      string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{root: t.TempDir(), state: t.TempDir(), days: map[day.Date]*Day{}, secret: offsitetest.Secret}
	f.gw = offsitetest.Start(t)
	f.proxy = offsitetest.NewProxy(t, f.gw.Endpoint)
	r, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	f.offState = r
	f.u, err = New(Config{
		Target: "s3://" + offsitetest.Bucket + "/site",
		Open: func(ctx context.Context) (Bucket, error) {
			b, err := offsite.Open(ctx, offsite.Target{Bucket: offsitetest.Bucket, Prefix: "site"},
				offsite.Config{Endpoint: f.proxy.URL, PathStyle: true, CredentialsFile: offsitetest.CredFile(t, f.secret)}, r, slog.New(slog.DiscardHandler))
			if err != nil {
				return nil, err
			}
			b.CountSent(f.u.Sent)
			return b, nil
		},
		State: r,
		Days: func() []Day {
			var out []Day
			for _, d := range f.days {
				out = append(out, *d)
			}
			return out
		},
		Cameras: func() []string { return []string{""} },
	}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// archive writes an archive of size random bytes and its checksum into
// date's folder, and the archiver's index of the day into the state folder.
func (f *fixture) archive(t *testing.T, date day.Date, name string, size int) {
	t.Helper()
	dir := filepath.Join(f.root, date.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, size)
	rand.Read(b)
	sum := sha512.Sum512(b)
	mt := date.Start(time.UTC).Add(50*time.Hour + 153192286) // fractional, as real files' are
	for n, data := range map[string][]byte{name: b, day.ChecksumName(name): []byte(hex.EncodeToString(sum[:]) + "  " + name + "\n")} {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(p, mt, mt)
	}
	idx := filepath.Join(f.state, filepath.FromSlash(archive.IndexName(date)))
	if err := os.MkdirAll(filepath.Dir(idx), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(idx, []byte(`{"archives":["`+strings.Repeat(name, size%7+1)+`"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	d := f.days[date]
	if d == nil {
		d = &Day{Camera: "", Date: date, Root: f.root, State: f.state}
		f.days[date] = d
	}
	d.Archives = append(d.Archives, Archive{Name: name, Size: int64(size), Checksum: true})
	d.Version++
}

// step runs one turn of Run: a scan, and the upload of the day it picked.
func (f *fixture) step(t *testing.T, b Bucket) (uploaded *Day, err error) {
	t.Helper()
	next, _ := f.u.scan()
	if next == nil {
		return nil, nil
	}
	return next, f.u.upload(context.Background(), b, *next)
}

func (f *fixture) open(t *testing.T) Bucket {
	t.Helper()
	b, err := f.u.open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	d1 = day.Date{Year: 2026, Month: 11, Day: 20}
	d2 = day.Date{Year: 2026, Month: 11, Day: 21}
	d3 = day.Date{Year: 2026, Month: 11, Day: 22}
)

// Days go oldest first; a day whose files changed since its receipt (a
// video-2.mp4 arrived) is uploaded again, and the files already in the
// bucket are not sent again.
func TestUploadOldestFirstAndAgain(t *testing.T) {
	f := newFixture(t)
	f.archive(t, d2, "video.mp4", 300<<10)
	f.archive(t, d1, "video.mp4", 200<<10)
	b := f.open(t)
	for _, want := range []day.Date{d1, d2} {
		got, err := f.step(t, b)
		if err != nil || got == nil || got.Date != want {
			t.Fatalf("uploaded %v (%v), want %s", got, err, want)
		}
		if st := f.u.Day("", want); st.State != Verified || st.VerifiedAt.IsZero() {
			t.Errorf("%s: %+v, want verified", want, st)
		}
	}
	if got, _ := f.step(t, b); got != nil {
		t.Fatalf("uploaded %s again, with nothing changed", got.Date)
	}
	if st := f.u.Status(); st.Verified != 2 || st.Queue != 0 || st.Sent < 500<<10 {
		t.Errorf("status %+v, want 2 verified, none queued, 500 KiB sent", st)
	}

	f.archive(t, d1, "video-2.mp4", 100<<10)
	if !f.u.Covers("", d1, []Archive{{Name: "video.mp4", Size: 200 << 10}}) {
		t.Errorf("the receipt no longer covers video.mp4")
	}
	if f.u.Covers("", d1, f.days[d1].Archives) {
		t.Errorf("the receipt covers video-2.mp4 before it was uploaded")
	}
	next, _ := f.u.scan()
	if st := f.u.Day("", d1); st.State != Pending || next == nil || next.Date != d1 {
		t.Fatalf("%s with a new archive: %+v, next %v; want pending and next", d1, st, next)
	}
	before := f.proxy.Sent()
	if _, err := f.step(t, b); err != nil {
		t.Fatal(err)
	}
	sent := f.proxy.Sent() - before
	if sent < 100<<10 || sent >= 200<<10 {
		t.Errorf("%d bytes sent for the new archive, want its 100 KiB and not video.mp4 again", sent)
	}
	if !f.u.Covers("", d1, f.days[d1].Archives) || f.u.Covers("", d1, []Archive{{Name: "video.mp4", Size: 1}}) {
		t.Errorf("the new receipt does not cover the day's archives, or covers a size it does not hold")
	}
	objs := f.gw.Objects(t, "site/default/"+d1.String()+"/")
	for _, name := range []string{"video.mp4", "video.mp4.sha512sum", "video-2.mp4", "video-2.mp4.sha512sum", d1.String() + ".json"} {
		if _, ok := objs["site/default/"+d1.String()+"/"+name]; !ok {
			t.Errorf("%s not in the bucket: %v", name, objs)
		}
	}
}

// A day the archiver is working on, a damaged one and one whose archive
// lacks its checksum file are not uploaded; a receipt keeps a busy day
// verified.
func TestNotUploaded(t *testing.T) {
	f := newFixture(t)
	for _, d := range []day.Date{d1, d2, d3} {
		f.archive(t, d, "video.mp4", 10<<10)
	}
	f.days[d1].Busy = true
	f.days[d2].Damaged = true
	f.days[d3].Archives[0].Checksum = false
	b := f.open(t)
	if got, err := f.step(t, b); got != nil || err != nil {
		t.Fatalf("uploaded %v (%v), want none", got, err)
	}
	for _, d := range []day.Date{d1, d2, d3} {
		if st := f.u.Day("", d); st.State != None {
			t.Errorf("%s: %+v, want none", d, st)
		}
	}
	f.days[d1].Busy = false
	if got, err := f.step(t, b); got == nil || got.Date != d1 || err != nil {
		t.Fatalf("uploaded %v (%v), want %s", got, err, d1)
	}
	f.days[d1].Busy = true
	f.u.scan()
	if st := f.u.Day("", d1); st.State != Verified {
		t.Errorf("busy day with a receipt: %+v, want verified", st)
	}
}

// A server that refuses a day's upload leaves it failed with the error,
// tried again after a wait; a wrong secret stops every upload: each day
// says so, and the status says the configuration needs fixing.
func TestFailures(t *testing.T) {
	f := newFixture(t)
	f.archive(t, d1, "video.mp4", 10<<10)
	f.archive(t, d2, "video.mp4", 10<<10)
	now := time.Date(2026, 11, 29, 12, 0, 0, 153192286, time.UTC)
	f.u.cfg.Now = func() time.Time { return now }
	f.proxy.Refuse(func(r *http.Request) int {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, d1.String()) {
			return http.StatusBadRequest
		}
		return 0
	})
	b := f.open(t)
	got, err := f.step(t, b)
	if got == nil || got.Date != d1 || err == nil || !offsite.Retryable(err) {
		t.Fatalf("uploaded %v: %v, want %s refused", got, err, d1)
	}
	if st := f.u.Day("", d1); st.State != Failed || !strings.Contains(st.Err, "refused by the test") || !st.Retry.Equal(now.Add(DefaultRetryMin)) {
		t.Errorf("%s: %+v, want failed, retried in %v", d1, st, DefaultRetryMin)
	}
	// The next day goes meanwhile; the failed one waits its turn.
	if got, err := f.step(t, b); got == nil || got.Date != d2 || err != nil {
		t.Fatalf("uploaded %v (%v), want %s", got, err, d2)
	}
	if _, due := f.u.scan(); !due.Equal(now.Add(DefaultRetryMin)) {
		t.Errorf("next try at %v, want %v", due, now.Add(DefaultRetryMin))
	}
	now = now.Add(DefaultRetryMin)
	f.proxy.Refuse(nil)
	if got, err := f.step(t, b); got == nil || got.Date != d1 || err != nil {
		t.Fatalf("retry: uploaded %v (%v), want %s", got, err, d1)
	}

	f.archive(t, d3, "video.mp4", 10<<10)
	f.secret = "wrong-secret"
	_, err = f.u.open(context.Background())
	if !errors.Is(err, offsite.ErrCredentials) {
		t.Fatalf("open with a wrong secret: %v", err)
	}
	if wait := f.u.failedAll(err); wait != DefaultPermanentRetry {
		t.Errorf("wait %v after wrong credentials, want %v", wait, DefaultPermanentRetry)
	}
	f.u.scan()
	st := f.u.Status()
	if !st.Permanent || !strings.Contains(st.Err, "wrong credentials") || strings.Contains(st.Err, "wrong-secret") {
		t.Errorf("status %+v, want a permanent error naming the credentials, not the secret", st)
	}
	if ds := f.u.Day("", d3); ds.State != Failed || ds.Err != st.Err {
		t.Errorf("%s: %+v, want the status's error", d3, ds)
	}
	if ds := f.u.Day("", d1); ds.State != Verified {
		t.Errorf("%s: %+v, want still verified", d1, ds)
	}
}

func TestClass(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{offsite.ErrCredentials, "credentials"},
		{offsite.ErrNoBucket, "no_bucket"},
		{offsite.ErrFull, "full"},
		{offsite.ErrServer, "server"},
		{errors.Join(errors.New("x"), offsite.ErrLocalChanged), "local_changed"},
		{os.ErrNotExist, "local_missing"},
		{errors.New("x"), "other"},
	} {
		if got := Class(tc.err); got != tc.want {
			t.Errorf("Class(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
