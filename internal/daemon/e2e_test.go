package daemon_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/testbin"
	"github.com/cctvd/cctvd/internal/testfs"
)

// The end-to-end test builds cctvd and cctvctl once and runs them as a
// user would, against a temp root: HTTP on 127.0.0.1:0, gRPC on a unix
// socket in the state folder.
var bin string

func TestMain(m *testing.M) { testbin.Main(m, &bin) }

// start runs cctvd on root and waits until it serves HTTP and the control plane.
func start(t *testing.T, root string, args ...string) *testbin.Daemon {
	t.Helper()
	return testbin.Start(t, bin, nil, append([]string{"--root", root}, args...)...)
}

var get = testbin.Get

// waitFor polls f until it reports done, for what a running daemon does in
// its own time; it fails the test after 20 s.
func waitFor(t *testing.T, f func() (string, bool)) string {
	t.Helper()
	return testbin.WaitFor(t, "the daemon", 20*time.Second, f)
}

func grepLines(text string, prefixes ...string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				out = append(out, l)
			}
		}
	}
	return strings.Join(out, "\n")
}

func TestEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries and archives a day with ffmpeg")
	}
	root := t.TempDir()
	now := time.Now()
	e := e2e{root: root, old: day.Of(now).AddDays(-5), today: day.Of(now)}
	for _, d := range []struct {
		date  day.Date
		start time.Time
	}{
		{e.old, e.old.Start(time.Local).Add(9*time.Hour + 153192286)},
		// Filmed minutes before start-up: its last segment has been quiet
		// long enough to count as complete (catalog's rule), though no
		// later one follows.
		{e.today, now.Add(-3 * time.Minute)},
	} {
		dir := filepath.Join(root, d.date.String())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 3, First: 1, Start: d.start}); err != nil {
			t.Fatal(err)
		}
	}
	if err := footage.Notes(filepath.Join(root, e.old.String())); err != nil {
		t.Fatal(err)
	}
	// A long settle time keeps the archiver from starting on its own, so
	// the test decides when the old day is converted.
	token := filepath.Join(t.TempDir(), "upload-token")
	if err := os.WriteFile(token, []byte("e2e-upload-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.d = start(t, root, "--settle", "10000h", "--upload-token-file", token)

	t.Run("http", e.http)
	t.Run("cctvctl", e.cctvctl)
	t.Run("shutdown", e.shutdown)
}

// e2e is TestEndToEnd's daemon and days: an old day it archives, today.
type e2e struct {
	root       string
	old, today day.Date
	d          *testbin.Daemon
}

func (e *e2e) http(t *testing.T) {
	base, old, today := e.d.Base(), e.old, e.today
	code, body, _ := get(t, base+"/")
	if code != 200 || !strings.Contains(body, old.String()) || !strings.Contains(body, today.String()) {
		t.Errorf("index: %d, lists both days: %v", code, strings.Contains(body, old.String()))
	}
	// The catalog scans in the background after start-up; wait for it.
	body = waitFor(t, func() (string, bool) {
		_, body, _ := get(t, base+"/playlist.m3u8?date="+today.String())
		return body, strings.Count(body, "#EXTINF") == 3
	})
	if !strings.Contains(body, "#EXT-X-PLAYLIST-TYPE:EVENT") || strings.Contains(body, "#EXT-X-ENDLIST") {
		t.Errorf("today's playlist:\n%s", body)
	}
	code, body, _ = get(t, base+"/playlist.m3u8?date="+old.String())
	if code != 200 || !strings.Contains(body, "#EXT-X-PLAYLIST-TYPE:VOD") || !strings.Contains(body, "#EXT-X-ENDLIST") {
		t.Errorf("a past day's playlist: %d\n%s", code, body)
	}
	code, _, h := get(t, base+"/playlist.php?live=1")
	if code != 302 || !strings.Contains(h.Get("Location"), "date="+today.String()) {
		t.Errorf("live without date: %d Location=%q", code, h.Get("Location"))
	}
	if code, _, _ = get(t, base+"/playlist.m3u8?date=2024-13-45"); code != 400 {
		t.Errorf("bad date: %d, want 400", code)
	}
	if code, body, _ = get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "cctvd_http_requests_total") {
		t.Errorf("metrics: %d", code)
	}
}

func (e *e2e) cctvctl(t *testing.T) {
	d, root, old, today := e.d, e.root, e.old, e.today
	out, errOut, code := d.Ctl(t, "days", "--json")
	if code != 0 || !strings.Contains(out, old.String()) {
		t.Fatalf("days --json: exit %d\n%s%s", code, out, errOut)
	}
	var days any
	if err := json.Unmarshal([]byte(out), &days); err != nil {
		t.Errorf("days --json is not JSON: %v", err)
	}
	if _, errOut, code = d.Ctl(t, "convert", today.String()); code != 2 {
		t.Errorf("convert today without --force: exit %d, want 2 (%s)", code, errOut)
	}
	if _, errOut, code = d.Ctl(t, "verify", "2024-13-45"); code != 2 || !strings.Contains(errOut, "2024-13-45") {
		t.Errorf("verify of a bad date: exit %d: %s", code, errOut)
	}
	out, errOut, code = d.Ctl(t, "convert", old.String(), "--dry-run")
	if code != 0 || !strings.Contains(out, "seg3.ts") {
		t.Errorf("dry run: exit %d\n%s%s", code, out, errOut)
	}
	if _, err := os.Stat(filepath.Join(root, old.String(), "seg1.ts")); err != nil {
		t.Fatalf("dry run changed the day: %v", err)
	}
	// Copies of segments, to send again once they are archived.
	seg1, err := os.ReadFile(filepath.Join(root, old.String(), "seg1.ts"))
	if err != nil {
		t.Fatal(err)
	}
	seg2, err := os.ReadFile(filepath.Join(root, old.String(), "seg2.ts"))
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, code = d.Ctl(t, "convert", old.String(), "--force", "--wait")
	if code != 0 {
		t.Fatalf("convert --force --wait: exit %d\n%s%s", code, out, errOut)
	}
	dir := filepath.Join(root, old.String())
	sum := exec.Command("sha512sum", "-c", "video.mp4.sha512sum")
	sum.Dir = dir
	if out, err := sum.CombinedOutput(); err != nil {
		t.Errorf("sha512sum -c: %v\n%s", err, out)
	}
	if got := strings.Join(testfs.Names(t, dir), " "); got != "notes.txt video.mp4 video.mp4.sha512sum" {
		t.Errorf("archived day holds %q, want notes.txt and the archive", got)
	}
	// notes.txt stays behind and is reported: a finding, exit 1.
	out, errOut, code = d.Ctl(t, "verify", old.String())
	if code != 1 || !strings.Contains(out, "checksum verified") || !strings.Contains(out, "notes.txt") {
		t.Errorf("verify archived day: exit %d, want 1\n%s%s", code, out, errOut)
	}
	// The index page draws the archived day's timeline from the runs
	// the archiver recorded, and seeks in its mp4.
	if _, body, _ := get(t, d.Base()+"/"); !strings.Contains(body, `data-file="`+old.String()+`/video.mp4"`) {
		t.Errorf("the index page has no timeline for the archived day %s", old)
	}
	if _, body, _ := get(t, d.Base()+"/metrics"); !strings.Contains(body, `cctvd_archive_runs_total{camera="",result="ok"} 1`) ||
		!strings.Contains(body, `cctvd_days{camera="",state="archived"} 1`) {
		t.Errorf("metrics do not show the archive run:\n%s", grepLines(body, "cctvd_archive_runs_total", "cctvd_days"))
	}
	// The size reduction is known once the day is archived.
	if out, _, code = d.Ctl(t, "days", "--json"); code != 0 || !strings.Contains(out, `"archived_source_bytes"`) ||
		!strings.Contains(out, `"reduction_ratio"`) {
		t.Errorf("days --json after archiving lacks the size reduction:\n%s", out)
	}
	if out, _, code = d.Ctl(t, "status"); code != 0 || !strings.Contains(out, root) {
		t.Errorf("status: exit %d\n%s", code, out)
	}
	e.resend(t, dir, seg1, seg2)
}

// resend sends archived segments again, as a camera retrying and a backlog
// re-sent by rsync do: nothing is stored or shown as the day's footage.
func (e *e2e) resend(t *testing.T, dir string, seg1, seg2 []byte) {
	d, old, base := e.d, e.old, e.d.Base()
	// A camera retries an upload of an archived segment: 200, and
	// nothing is stored.
	req, err := http.NewRequest(http.MethodPut, base+"/"+old.String()+"/seg1.ts", bytes.NewReader(seg1))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer e2e-upload-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	msg, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(msg), "already archived in video.mp4") {
		t.Errorf("upload of an archived segment: %d %q, want 200 already archived", resp.StatusCode, msg)
	}
	if _, err := os.Stat(filepath.Join(dir, "seg1.ts")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the upload of an archived segment was stored: %v", err)
	}

	// rsync puts an archived segment back, as a camera re-sending its
	// backlog does: a copy kept out and reported, never the day's
	// footage. The day stays archived and its playlist leads to the archive.
	tmp := filepath.Join(dir, ".seg2.ts.Xy9k2Q")
	if err := os.WriteFile(tmp, seg2, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, "seg2.ts")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, func() (string, bool) {
		_, body, _ := get(t, base+"/")
		return body, strings.Contains(body, "files kept out: 2")
	})
	if code, _, h := get(t, base+"/playlist.m3u8?date="+old.String()); code != 302 || h.Get("Location") != "/"+old.String()+"/video.mp4" {
		t.Errorf("the archived day's playlist with a copy back: %d to %q, want 302 to its video.mp4", code, h.Get("Location"))
	}
	if out, _, _ := d.Ctl(t, "days", "--json"); !strings.Contains(out, "DAY_STATE_ARCHIVED") || strings.Contains(out, "DAY_STATE_PARTIAL") {
		t.Errorf("the day with a copy back is not archived:\n%s", out)
	}
}

func (e *e2e) shutdown(t *testing.T) { e.d.Stop(t, 15*time.Second) }
