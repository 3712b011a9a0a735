package viewer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/offsite"
)

// fakeBucket lists a made-up listing and counts the listings; its error,
// when set, fails them.
type fakeBucket struct {
	listing offsite.Listing
	lists   atomic.Int32
	mu      sync.Mutex
	err     error
	gate    chan struct{} // when set, a listing waits for it
}

func (b *fakeBucket) List(ctx context.Context) (offsite.Listing, error) {
	b.lists.Add(1)
	b.mu.Lock()
	err, gate := b.err, b.gate
	b.mu.Unlock()
	if gate != nil {
		<-gate
	}
	return b.listing, err
}

func (b *fakeBucket) Get(ctx context.Context, key, rangeHeader string) (*offsite.Reader, error) {
	return nil, fmt.Errorf("get %s: %w", key, offsite.ErrNotFound)
}

func (b *fakeBucket) Target() offsite.Target { return offsite.Target{Bucket: "b", Prefix: "cctv"} }

// bigListing is sites × cameras × days, each day an archive and its checksum.
func bigListing(sites, cameras, days int) offsite.Listing {
	var l offsite.Listing
	first := day.Date{Year: 2025, Month: 11, Day: 29}
	for s := range sites {
		ls := offsite.ListedSite{Prefix: fmt.Sprintf("cctv/site%02d", s), Site: offsite.Site{Version: "1.4.0"}}
		for c := range cameras {
			lc := offsite.ListedCamera{Name: fmt.Sprintf("cam%03d", c)}
			for d := range days {
				date := first.AddDays(d).String()
				k := ls.Prefix + "/" + lc.Name + "/" + date + "/"
				lc.Days = append(lc.Days, offsite.ListedDay{Date: date, Files: []offsite.ListedFile{
					{Name: "video.mp4", Key: k + "video.mp4", Size: 1 << 30},
					{Name: "video.mp4.sha512sum", Key: k + "video.mp4.sha512sum", Size: 140},
				}})
			}
			ls.Cameras = append(ls.Cameras, lc)
		}
		l.Sites = append(l.Sites, ls)
	}
	return l
}

// TestThousandCameras: a bucket of 20 sites of 50 cameras, a year each;
// many viewers at once cause one listing, and the pages stay small.
func TestThousandCameras(t *testing.T) {
	b := &fakeBucket{listing: bigListing(20, 50, 365)}
	clock := fakeclock.New(listedAt)
	v := New(Config{Bucket: b, Now: clock.Now}, testLog(t))
	t.Cleanup(v.Close)
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)

	fetch := func(path string) (int, int) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Error(err)
			return 0, 0
		}
		defer resp.Body.Close()
		n, _ := io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, int(n)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			p := "/"
			if i%2 == 1 {
				p = "/sites/site07/cam042/2026-06-01/"
			}
			if code, _ := fetch(p); code != 200 {
				t.Errorf("GET %s: %d", p, code)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if n := b.lists.Load(); n != 1 {
		t.Errorf("50 requests at once: %d listings, want 1", n)
	}
	start = time.Now()
	_, index := fetch("/")
	cached := time.Since(start)
	_, site := fetch("/?site=site07")
	// Asked for by hand, gzip is not undone by the client.
	resp, gz := get(t, srv.URL, http.MethodGet, "/", http.Header{"Accept-Encoding": {"gzip"}})
	if resp.Header.Get("Content-Encoding") != "gzip" || len(gz) >= index/4 {
		t.Errorf("index gzipped: %q, %d bytes of %d", resp.Header.Get("Content-Encoding"), len(gz), index)
	}
	t.Logf("1,000 cameras × 365 days: 50 requests at once (the first listing and index) in %v; then the index in %v; index %d KiB (%d KiB gzipped), a site's page %d KiB",
		elapsed.Round(time.Millisecond), cached.Round(time.Microsecond), index>>10, len(gz)>>10, site>>10)
	if index > 8<<20 || site > 8<<20 {
		t.Errorf("index %d bytes, site page %d bytes: want less than 8 MiB each", index, site)
	}
}

// TestListingFails: without any listing the viewer says why (503 for a
// server that is down); once it has one, a failed listing keeps it, says
// so on the index, and is tried again after the TTL.
func TestListingFails(t *testing.T) {
	b := &fakeBucket{listing: bigListing(1, 1, 2), err: fmt.Errorf("list: %w", offsite.ErrUnreachable)}
	clock := fakeclock.New(listedAt)
	v := New(Config{Bucket: b, Now: clock.Now, TTL: time.Minute}, testLog(t))
	t.Cleanup(v.Close)
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)
	get1 := func(path string) (int, string) {
		resp, body := get(t, srv.URL, http.MethodGet, path, nil)
		return resp.StatusCode, string(body)
	}
	setErr := func(err error) {
		b.mu.Lock()
		b.err = err
		b.mu.Unlock()
	}

	if code, body := get1("/"); code != http.StatusServiceUnavailable || !strings.Contains(body, "unreachable") {
		t.Errorf("no listing: %d %q, want 503 saying unreachable", code, body)
	}
	if code, _ := get1("/"); code != http.StatusServiceUnavailable || b.lists.Load() != 1 {
		t.Errorf("within the TTL of a failure: %d, %d listings; want 503 from the same failure, 1 listing", code, b.lists.Load())
	}
	setErr(nil)
	clock.Advance(time.Minute)
	if code, body := get1("/"); code != 200 || strings.Contains(body, "could not be listed") {
		t.Errorf("after the TTL: %d, want the listing", code)
	}
	setErr(errors.New("list: access denied"))
	clock.Advance(time.Minute)
	get1("/") // the old listing, while the new one fails
	v.wait()
	code, body := get1("/")
	if code != 200 || !strings.Contains(body, "could not be listed again: list: access denied") || !strings.Contains(body, "site00") {
		t.Errorf("a failed refresh: %d, want the old listing with a warning:\n%s", code, body)
	}
	if n := b.lists.Load(); n != 3 {
		t.Errorf("%d listings, want 3", n)
	}
}

// TestSiteNames: a site's URL name is its folder below the viewer's
// prefix, "-" for a site at the prefix itself (a viewer of one site).
func TestSiteNames(t *testing.T) {
	l := bigListing(1, 1, 1)
	l.Sites[0].Prefix = "cctv" // the viewer's own prefix
	more := bigListing(2, 1, 1)
	more.Sites[0].Prefix = "cctv/a b/c"
	more.Sites[1].Prefix = "elsewhere" // not below the prefix: never listed, never shown
	l.Sites = append(l.Sites, more.Sites...)
	v := New(Config{Bucket: &fakeBucket{listing: l}, Now: fakeclock.New(listedAt).Now}, testLog(t))
	t.Cleanup(v.Close)
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)
	_, index := get(t, srv.URL, http.MethodGet, "/", nil)
	for _, tc := range []struct {
		name, path, link string
		code             int
	}{
		{name: "at the prefix", path: "/sites/-/cam000/2025-11-29/", link: `href="sites/-/cam000/2025-11-29/"`, code: 200},
		{name: "escaped, two folders", path: "/sites/a%20b/c/cam000/2025-11-29/", link: `href="sites/a%20b/c/cam000/2025-11-29/"`, code: 200},
		{name: "outside the prefix", path: "/sites/elsewhere/cam000/2025-11-29/", code: 404},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if resp, body := get(t, srv.URL, http.MethodGet, tc.path, nil); resp.StatusCode != tc.code {
				t.Errorf("GET %s: %d %s, want %d", tc.path, resp.StatusCode, body, tc.code)
			}
			if tc.link != "" && !strings.Contains(string(index), tc.link) {
				t.Errorf("index lacks %s", tc.link)
			}
		})
	}
	if strings.Contains(string(index), "elsewhere") {
		t.Error("index shows a site outside the prefix")
	}
}
