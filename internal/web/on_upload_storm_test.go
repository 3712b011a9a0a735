package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/diskfull"
	"github.com/cctvd/cctvd/internal/testfs"
)

// stormDay is the day the storm's cameras upload into.
var stormDay = day.Date{Year: 2026, Month: 11, Day: 24}

// uploader is one camera of the storm: what it sends and what it expects.
type uploader struct {
	name string
	// behaviour is what this camera does besides uploading its segments.
	behaviour string
}

// TestUploadStorm has 50 cameras upload at once: plain ones, ones that
// also send junk, ones that send everything twice, ones whose connection is
// cut halfway through every segment before they retry, ones with a wrong
// token; and all of them race to upload one shared segment. Every good
// segment must be stored byte for byte, nothing else, and no temporary
// file may outlive the server.
func TestUploadStorm(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: 50 concurrent uploaders")
	}
	root := t.TempDir()
	// Registered before start, so it runs after the server has shut down
	// and every handler, even one still reading a cut body, is done.
	t.Cleanup(func() { checkNoUploadTemps(t, root) })
	l := start(t, root, liveOptions{token: uploadToken})
	st := newStorm(t, 50, 4)
	began := time.Now()
	for _, err := range st.run(l.url) {
		if err != nil {
			t.Error(err)
		}
	}
	took := time.Since(began)
	got := checkStored(t, filepath.Join(root, stormDay.String()), st.want)
	requests := 0
	for _, n := range st.answers.codes {
		requests += n
	}
	t.Logf("%d cameras, %d requests in %v (%.0f/s) and %d cut connections; answers by status %v; %d good segments stored, %d files in the day folder",
		len(st.cams), requests, took.Round(time.Millisecond), float64(requests)/took.Seconds(), st.answers.cuts, st.answers.codes, len(st.want), len(got))

	// The catalog lists every stored segment (uploads tell it at once).
	l.settle(t)
	if v, ok := l.cat.Day(stormDay); !ok || v.Totals.Segments+v.Totals.Kept != len(st.want) {
		t.Errorf("catalog lists %+v, want %d files as segments or kept", v.Totals, len(st.want))
	}
}

// storm is what the storm's cameras send and what the day must hold after.
type storm struct {
	cams      []uploader
	perCamera int
	pool      [][]byte          // good segments
	junk      map[string][]byte // what the junk cameras send besides, by name
	shared    []byte            // shared.ts, which every camera with the token sends
	want      map[string][]byte // what the day must hold at the end
	answers   *tally
}

func newStorm(t *testing.T, cameras, perCamera int) *storm {
	pool := goodSegments(t)
	st := &storm{perCamera: perCamera, pool: pool, shared: pool[1], want: map[string][]byte{},
		answers: &tally{codes: map[int]int{}}, junk: map[string][]byte{
			"random.ts": randomBytes(60_000, 1),
			"zero.ts":   {},
			"text.ts":   []byte("not a segment\n"),
			// One valid packet's worth: a PAT, but no video.
			"tiny.ts": pool[0][:188],
		}}
	behaviours := []string{"plain", "junk", "twice", "cut", "wrong token"}
	for i := range cameras {
		u := uploader{name: fmt.Sprintf("cam%02d", i), behaviour: behaviours[i%len(behaviours)]}
		st.cams = append(st.cams, u)
		if u.behaviour == "wrong token" {
			continue
		}
		for k := range perCamera {
			st.want[u.segment(k)] = pool[(i+k)%len(pool)]
		}
	}
	st.want["shared.ts"] = st.shared
	return st
}

// run has every camera upload to the server at base at once; it returns
// the errors of every upload (nil where the answer was right).
func (st *storm) run(base string) []error {
	var wg sync.WaitGroup
	errs := make(chan error, len(st.cams)*(st.perCamera+len(st.junk)+2))
	for i, u := range st.cams {
		wg.Go(func() {
			c := &camera{base: base, token: uploadToken, rnd: rand.New(rand.NewPCG(uint64(i), 7)), answers: st.answers}
			if u.behaviour == "wrong token" {
				c.token = "not-the-token"
			}
			st.send(c, i, u, errs)
		})
	}
	wg.Wait()
	close(errs)
	var out []error
	for err := range errs {
		out = append(out, err)
	}
	return out
}

// send is camera i's uploads.
func (st *storm) send(c *camera, i int, u uploader, errs chan<- error) {
	pool := st.pool
	for k := range st.perCamera {
		name, body := u.segment(k), pool[(i+k)%len(pool)]
		errs <- u.upload(c, name, body, pool[(i+k+1)%len(pool)])
	}
	if u.behaviour == "junk" {
		for name, body := range st.junk {
			code, msg, err := c.put(u.name+"-"+name, body)
			if err == nil && code != http.StatusUnprocessableEntity {
				err = fmt.Errorf("%s: junk %s answered %d %q, want 422", u.name, name, code, msg)
			}
			errs <- err
		}
	}
	if u.behaviour != "wrong token" {
		code, err := c.putRetrying("shared.ts", st.shared)
		if err == nil && code != http.StatusCreated && code != http.StatusOK {
			err = fmt.Errorf("%s: shared segment answered %d, want 201 or 200", u.name, code)
		}
		errs <- err
	}
}

// checkStored checks dir holds exactly want, byte for byte; it returns the
// names dir holds.
func checkStored(t *testing.T, dir string, want map[string][]byte) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		if w, ok := want[e.Name()]; !ok {
			t.Errorf("stored %s, which no camera uploaded as a good segment", e.Name())
		} else if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err != nil || !bytes.Equal(b, w) {
			t.Errorf("%s: stored %d bytes that differ from the %d uploaded (%v)", e.Name(), len(b), len(w), err)
		}
	}
	for name := range want {
		if !slices.Contains(got, name) {
			t.Errorf("good segment %s was not stored", name)
		}
	}
	return got
}

func (u uploader) segment(k int) string { return fmt.Sprintf("%s-seg%d.ts", u.name, k+1) }

// upload sends one segment the way this camera does; other is a different
// good segment, for a conflicting second upload under the same name.
func (u uploader) upload(c *camera, name string, body, other []byte) error {
	switch u.behaviour {
	case "wrong token":
		code, _, err := c.put(name, body)
		if err == nil && code != http.StatusUnauthorized {
			err = fmt.Errorf("%s: %s with a wrong token answered %d, want 401", u.name, name, code)
		}
		return err
	case "cut":
		if err := c.cut(name, body); err != nil {
			return fmt.Errorf("%s: %w", u.name, err)
		}
	}
	code, err := c.putRetrying(name, body)
	if err == nil && code != http.StatusCreated {
		err = fmt.Errorf("%s: %s answered %d, want 201", u.name, name, code)
	}
	if err != nil || u.behaviour != "twice" {
		return err
	}
	if code, err := c.putRetrying(name, body); err != nil || code != http.StatusOK {
		return fmt.Errorf("%s: %s again answered %d (%v), want 200", u.name, name, code, err)
	}
	if code, _, err := c.put(name, other); err != nil || code != http.StatusConflict {
		return fmt.Errorf("%s: other bytes as %s answered %d (%v), want 409", u.name, name, code, err)
	}
	return nil
}

// camera uploads segments into stormDay.
type camera struct {
	base, token string
	rnd         *rand.Rand
	answers     *tally // may be nil
}

// tally counts the storm's answers by status code, for the test's log.
type tally struct {
	mu    sync.Mutex
	codes map[int]int
	cuts  int
}

func (t *tally) add(code int, cut bool) {
	if t == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if cut {
		t.cuts++
	} else {
		t.codes[code]++
	}
}

var uploadClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

func (c *camera) put(name string, body []byte) (int, string, error) {
	req, err := http.NewRequest(http.MethodPut, c.base+"/"+stormDay.String()+"/"+name, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := uploadClient.Do(req)
	if err != nil {
		return 0, "", fmt.Errorf("put %s: %w", name, err)
	}
	defer resp.Body.Close()
	c.answers.add(resp.StatusCode, false)
	msg, err := io.ReadAll(resp.Body)
	return resp.StatusCode, strings.TrimSpace(string(msg)), err
}

// putRetrying uploads until the server is not busy with another upload of
// the same name, as a camera retries: another camera's upload, or its own
// cut one the server has not noticed yet.
func (c *camera) putRetrying(name string, body []byte) (int, error) {
	giveUp := time.Now().Add(time.Minute) // a slow disk makes 45 racers wait long
	for attempt := 1; ; attempt++ {
		code, msg, err := c.put(name, body)
		if err != nil || code != http.StatusConflict || !strings.Contains(msg, "under way") {
			return code, err
		}
		if time.Now().After(giveUp) {
			return code, fmt.Errorf("put %s: still %q after %d attempts", name, msg, attempt)
		}
		// A camera's back-off, jittered so the racers spread out.
		time.Sleep(time.Duration(1+c.rnd.IntN(5*min(attempt, 20))) * time.Millisecond)
	}
}

// cut starts an upload, sends part of the body and drops the connection:
// half the time politely (FIN), half the time with a reset.
func (c *camera) cut(name string, body []byte) error {
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.base, "http://"))
	if err != nil {
		return err
	}
	fmt.Fprintf(conn, "PUT /%s/%s HTTP/1.1\r\nHost: cctvd\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
		stormDay, name, c.token, len(body))
	if _, err := conn.Write(body[:c.rnd.IntN(len(body))]); err != nil {
		return fmt.Errorf("cut %s: %w", name, err)
	}
	if c.rnd.IntN(2) == 0 {
		conn.(*net.TCPConn).SetLinger(0)
	}
	c.answers.add(0, true)
	return conn.Close()
}

// goodSegments reads every complete fixture segment.
func goodSegments(t *testing.T) [][]byte {
	t.Helper()
	var pool [][]byte
	for _, d := range []day.Date{cleanDay, messyDay} {
		names, err := filepath.Glob(filepath.Join(fixtures, d.String(), "seg*.ts"))
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			// The messy day's truncated, zero-byte and junk files are no
			// camera's good segments; and the pool holds distinct bytes, so
			// that a conflicting upload really conflicts.
			if base := filepath.Base(n); d == messyDay && slices.Contains([]string{"seg11.ts", "seg13.ts", "seg14.ts"}, base) {
				continue
			}
			if slices.ContainsFunc(pool, func(p []byte) bool { return bytes.Equal(p, b) }) {
				continue
			}
			pool = append(pool, b)
		}
	}
	if len(pool) < 8 {
		t.Fatalf("only %d fixture segments", len(pool))
	}
	return pool
}

func randomBytes(n int, seed uint64) []byte {
	b := make([]byte, n)
	r := rand.New(rand.NewPCG(seed, seed))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// checkNoUploadTemps fails if anything hidden is left under root.
func checkNoUploadTemps(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Error(err)
			return nil
		}
		if p != root && strings.HasPrefix(d.Name(), ".") {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

// TestUploadStalled: a camera whose link dies mid-body without closing the
// connection gets 408 once the body has been idle for UploadIdle, and its
// temporary file is gone.
func TestUploadStalled(t *testing.T) {
	root := t.TempDir()
	l := start(t, root, liveOptions{token: uploadToken, idle: 200 * time.Millisecond})
	body := goodSegments(t)[0]
	conn, err := net.Dial("tcp", strings.TrimPrefix(l.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	fmt.Fprintf(conn, "PUT /%s/seg1.ts HTTP/1.1\r\nHost: cctvd\r\nAuthorization: Bearer %s\r\nContent-Length: %d\r\n\r\n",
		stormDay, uploadToken, len(body))
	conn.Write(body[:len(body)/2])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Errorf("stalled upload answered %d, want 408", resp.StatusCode)
	}
	// The answer is written after the temporary file is removed, and the
	// day folder the upload made is removed with it.
	if _, err := os.Stat(filepath.Join(root, stormDay.String())); !os.IsNotExist(err) {
		t.Errorf("a stalled upload left its day folder: %v", err)
	}
	checkNoUploadTemps(t, root)
}

// TestUploadDiskFull uploads onto a full file system (a small tmpfs): 507,
// nothing half-written, the segments already there untouched; once there
// is room the camera's retry is stored.
func TestUploadDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: mounts a tmpfs")
	}
	root := diskfull.Mount(t, "4m")
	pool := goodSegments(t)
	dir := filepath.Join(root, stormDay.String())
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "seg1.ts"), pool[0], 0o644); err != nil {
		t.Fatal(err)
	}
	// Uploaded a while before cctvd started: complete (catalog's rule).
	old := time.Now().Add(-10*time.Minute - 153192286)
	if err := os.Chtimes(filepath.Join(dir, "seg1.ts"), old, old); err != nil {
		t.Fatal(err)
	}
	free := diskfull.Fill(t, root, int64(len(pool[1]))/2)
	l := start(t, root, liveOptions{token: uploadToken})
	c := &camera{base: l.url, token: uploadToken, rnd: rand.New(rand.NewPCG(1, 2))}

	code, msg, err := c.put("seg2.ts", pool[1])
	if err != nil {
		t.Fatal(err)
	}
	if code != http.StatusInsufficientStorage || !strings.Contains(msg, "disk full") {
		t.Errorf("upload onto a full disk answered %d %q, want 507 disk full", code, msg)
	}
	if names := testfs.Names(t, dir); !slices.Equal(names, []string{"seg1.ts"}) {
		t.Errorf("day folder holds %v after the refused upload, want just seg1.ts", names)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "seg1.ts")); !bytes.Equal(b, pool[0]) {
		t.Error("the segment already stored changed")
	}

	free()
	if code, msg, err := c.put("seg2.ts", pool[1]); err != nil || code != http.StatusCreated {
		t.Fatalf("retry with room: %d %q %v, want 201", code, msg, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "seg2.ts")); !bytes.Equal(b, pool[1]) {
		t.Error("the retried upload was not stored byte for byte")
	}
	checkNoUploadTemps(t, root)
}
