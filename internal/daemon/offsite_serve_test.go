package daemon

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
	"github.com/cctvd/cctvd/internal/ts"
	"github.com/cctvd/cctvd/internal/web"
)

// goneDays is the catalog of a camera whose day folders retention deleted.
type goneDays struct{}

func (goneDays) Days() []*catalog.DayView              { return nil }
func (goneDays) Day(day.Date) (*catalog.DayView, bool) { return nil, false }

// stateLost is an archiver whose state folder was lost; noRuns one whose
// index of the day has no runs.
type (
	stateLost struct{}
	noRuns    struct{}
)

func (stateLost) Runs(day.Date) map[string][]ts.Run { return nil }
func (stateLost) Indexed(day.Date) bool             { return false }
func (noRuns) Runs(day.Date) map[string][]ts.Run    { return nil }
func (noRuns) Indexed(day.Date) bool                { return true }

// TestOffsiteServe archives a day, uploads it to a real S3 server
// (versitygw), deletes the local archive as retention does for a day
// verified off-site (--keep-local), and reads the day through cctvd: the
// page lists it, its archive is served from the bucket with Range passed
// through, ffprobe reads it over HTTP, its playlist leads there, an
// export cuts a clip from it, and a lost object or a dead bucket is a
// clear 502.
func TestOffsiteServe(t *testing.T) {
	srv := offsitetest.Start(t)
	dir := t.TempDir()
	root, state := filepath.Join(dir, "root"), filepath.Join(dir, "state")
	zone := time.FixedZone("test", 3600)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 153192286, zone)
	d := day.Date{Year: 2026, Month: 11, Day: 20}
	dayDir := filepath.Join(root, d.String())
	if err := os.MkdirAll(dayDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := footage.Record(t.Context(), footage.Run{Dir: dayDir, Segments: 3, First: 1, Start: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := footage.Record(t.Context(), footage.Run{Dir: dayDir, Segments: 2, First: 4, Start: t0.Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	arc, err := archive.New(archive.Config{Root: root, State: state, Calendar: day.Calendar{Location: zone},
		Encode: encode.Settings{Preset: "ultrafast", CRF: 30}, Now: func() time.Time { return t0.Add(72 * time.Hour) }}, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- arc.Run(ctx) }()
	defer func() { cancel(); <-done; arc.Close() }()
	if _, err := arc.Convert(ctx, d, true, false); err != nil {
		t.Fatal(err)
	}
	ch, stop, err := arc.Watch(d)
	if err != nil {
		t.Fatal(err)
	}
	for range ch {
	}
	stop()
	video, err := os.ReadFile(filepath.Join(dayDir, "video.mp4"))
	if err != nil {
		t.Fatalf("no archive: %v", err)
	}
	sum, err := os.ReadFile(filepath.Join(dayDir, "video.mp4.sha512sum"))
	if err != nil {
		t.Fatal(err)
	}
	saved := filepath.Join(dir, "video.mp4")
	if err := os.WriteFile(saved, video, 0o644); err != nil {
		t.Fatal(err)
	}

	// Off-site: the archive, its checksum and a copy of the day's index.
	if err := os.MkdirAll(filepath.Join(state, "offsite"), 0o750); err != nil {
		t.Fatal(err)
	}
	stateRoot, err := os.OpenRoot(filepath.Join(state, "offsite"))
	if err != nil {
		t.Fatal(err)
	}
	defer stateRoot.Close()
	b, err := offsite.Open(t.Context(), offsite.Target{Bucket: srv.Bucket, Prefix: "site1"},
		offsite.Config{Endpoint: srv.Endpoint, PathStyle: true, CredentialsFile: srv.CredentialsFile}, stateRoot, log)
	if err != nil {
		t.Fatal(err)
	}
	file := func(name, p string) offsite.LocalFile {
		return offsite.LocalFile{Name: name, Open: func() (*os.File, error) { return os.Open(p) }}
	}
	if _, err := b.Upload(t.Context(), "", d.String(), []offsite.LocalFile{
		file("video.mp4", filepath.Join(dayDir, "video.mp4")),
		file("video.mp4.sha512sum", filepath.Join(dayDir, "video.mp4.sha512sum")),
		file("index.json", filepath.Join(state, "archived", d.String()+".json")),
	}); err != nil {
		t.Fatal(err)
	}
	// Retention: the day is verified off-site; its folder goes.
	if err := os.RemoveAll(dayDir); err != nil {
		t.Fatal(err)
	}

	src := newOffsiteSource(stateRoot, func(context.Context) (*offsite.Bucket, error) { return b, nil }, log)
	oc := newOffsiteCamera(src, "", arc, log)
	site, err := web.New(web.Config{Root: root, ArchiveRuns: oc.Runs, Offsite: oc,
		Now: func() time.Time { return t0.Add(96 * time.Hour) }}, log, goneDays{})
	if err != nil {
		t.Fatal(err)
	}
	defer site.Close()
	hs := httptest.NewServer(site)
	defer hs.Close()
	client := &http.Client{Timeout: time.Minute, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	get := func(t *testing.T, path string, hdr ...string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest("GET", hs.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, body
	}

	t.Run("page", func(t *testing.T) {
		resp, body := get(t, "/")
		for _, want := range []string{"<td>2026-11-20</td>", `<a href="2026-11-20/video.mp4">video.mp4</a>`, "off-site ✓ ",
			`data-file="2026-11-20/video.mp4"`, "local copy deleted"} {
			if !bytes.Contains(body, []byte(want)) {
				t.Errorf("%s: the page has no %q", resp.Status, want)
			}
		}
	})
	t.Run("range", func(t *testing.T) {
		resp, body := get(t, "/2026-11-20/video.mp4", "Range", "bytes=100-199")
		if resp.StatusCode != 206 || !bytes.Equal(body, video[100:200]) ||
			resp.Header.Get("Content-Range") != "bytes 100-199/"+strconv.Itoa(len(video)) || resp.Header.Get("Content-Length") != "100" ||
			resp.Header.Get("Accept-Ranges") != "bytes" || resp.Header.Get("ETag") == "" {
			t.Errorf("%s, %d bytes (equal: %v), headers %v", resp.Status, len(body), bytes.Equal(body, video[100:200]), resp.Header)
		}
	})
	t.Run("past the end", func(t *testing.T) {
		resp, _ := get(t, "/2026-11-20/video.mp4", "Range", "bytes="+strconv.Itoa(len(video)+10)+"-")
		if resp.StatusCode != 416 || resp.Header.Get("Content-Range") != "bytes */"+strconv.Itoa(len(video)) {
			t.Errorf("%s, Content-Range %q", resp.Status, resp.Header.Get("Content-Range"))
		}
	})
	t.Run("whole", func(t *testing.T) {
		resp, body := get(t, "/2026-11-20/video.mp4")
		if resp.StatusCode != 200 || !bytes.Equal(body, video) || resp.Header.Get("Content-Type") != "video/mp4" {
			t.Errorf("%s, %d bytes of %d (equal: %v)", resp.Status, len(body), len(video), bytes.Equal(body, video))
		}
		resp, body = get(t, "/2026-11-20/video.mp4.sha512sum")
		if resp.StatusCode != 200 || !bytes.Equal(body, sum) {
			t.Errorf("checksum: %s %q", resp.Status, body)
		}
	})
	t.Run("ffprobe over HTTP", func(t *testing.T) {
		count := func(src string) string {
			out, err := exec.Command("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
				"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", src).Output()
			if err != nil {
				t.Fatalf("ffprobe %s: %v", src, err)
			}
			return strings.TrimSpace(string(out))
		}
		local, remote := count(saved), count(hs.URL+"/2026-11-20/video.mp4")
		if remote != local || local == "" || local == "0" {
			t.Errorf("ffprobe reads %s frames through cctvd, %s from the file", remote, local)
		}
	})
	t.Run("playlist", func(t *testing.T) {
		resp, _ := get(t, "/playlist.m3u8?date=2026-11-20")
		if resp.StatusCode != 302 || resp.Header.Get("Location") != "/2026-11-20/video.mp4" {
			t.Errorf("%s to %q", resp.Status, resp.Header.Get("Location"))
		}
	})
	t.Run("runs from the bucket's index copy", func(t *testing.T) {
		want := arc.Runs(d)
		lost := newOffsiteCamera(src, "", stateLost{}, log)
		if got := lost.Runs(d); len(want["video.mp4"]) != 2 || !reflect.DeepEqual(got, want) {
			t.Errorf("runs from the bucket %v, the archiver's %v", got, want)
		}
		// An index without runs (an archive of before they were
		// recorded) is not looked for in the bucket.
		if got := newOffsiteCamera(src, "", noRuns{}, log).Runs(d); got != nil {
			t.Errorf("runs %v, want none", got)
		}
	})
	t.Run("export", func(t *testing.T) {
		ex, err := export.New(export.Config{Root: root, Dir: filepath.Join(state, "export"), Days: goneDays{}, ArchiveRuns: oc.Runs,
			Offsite: oc, Location: zone}, log)
		if err != nil {
			t.Fatal(err)
		}
		defer ex.Close()
		from, to := t0.Add(3*time.Second+300*time.Millisecond), t0.Add(17*time.Second)
		clip, err := ex.Export(t.Context(), export.Range{Start: from, End: to}, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer clip.Remove()
		m := clip.Manifest
		// footage.Small films 25 frames a second from t0: the clip holds
		// every frame from the range's first on, and H.265's reordered
		// frames may carry it a few past the end.
		const frame = 40 * time.Millisecond
		index := func(at time.Time) int { return int((at.Sub(t0) + frame/2) / frame) }
		first := int((from.Sub(t0) + frame - 1) / frame)
		t.Logf("%d frames in the clip, frames %d to %d; the range's are %d to %d", m.Frames, index(m.FirstFrame), index(m.LastFrame), first, index(to.Add(-frame/2)))
		if index(m.FirstFrame) != first || m.Frames != index(m.LastFrame)-first+1 || m.LastFrame.Before(to.Add(-frame)) || m.LastFrame.Sub(to) > 200*time.Millisecond {
			t.Errorf("%d frames from %v to %v; the range is %v to %v", m.Frames, m.FirstFrame, m.LastFrame, from, to)
		}
		if src := m.Sources; len(src) != 1 || src[0].Offsite != "s3://offsite/site1/default/2026-11-20/video.mp4" ||
			!src[0].ChecksumVerified || src[0].Bytes != int64(len(video)) {
			t.Errorf("sources %+v", m.Sources)
		}
		out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0", clip.MP4).Output()
		if err != nil {
			t.Fatal(err)
		}
		if frames := strings.Fields(string(out)); len(frames) != m.Frames || frames[0] != "0.000000" {
			t.Errorf("the clip decodes %d frames from %v, want %d from 0", len(frames), frames[:1], m.Frames)
		}
		check := exec.Command("sha512sum", "-c", filepath.Base(clip.Sum))
		check.Dir = filepath.Dir(clip.MP4)
		if out, err := check.CombinedOutput(); err != nil {
			t.Errorf("sha512sum -c: %v %s", err, out)
		}
	})
	t.Run("bucket down at start-up", func(t *testing.T) {
		opens := 0
		down := newOffsiteSource(stateRoot, func(context.Context) (*offsite.Bucket, error) {
			opens++
			return nil, fmt.Errorf("open: %w", offsite.ErrUnreachable)
		}, log)
		site2, err := web.New(web.Config{Root: root, Offsite: newOffsiteCamera(down, "", arc, log),
			Now: func() time.Time { return t0.Add(96 * time.Hour) }}, log, goneDays{})
		if err != nil {
			t.Fatal(err)
		}
		defer site2.Close()
		page := httptest.NewRecorder()
		site2.ServeHTTP(page, httptest.NewRequest("GET", "/", nil))
		if !strings.Contains(page.Body.String(), `<a href="2026-11-20/video.mp4">video.mp4</a>`) || !strings.Contains(page.Body.String(), "off-site ✓ ") {
			t.Errorf("the day is not listed while the bucket is down: %d", page.Code)
		}
		for range 3 {
			w := httptest.NewRecorder()
			site2.ServeHTTP(w, httptest.NewRequest("GET", "/2026-11-20/video.mp4", nil))
			if w.Code != 502 || !strings.Contains(w.Body.String(), "could not be read") {
				t.Errorf("%d %q", w.Code, w.Body.String())
			}
		}
		if opens != 1 {
			t.Errorf("opened %d times for 3 requests in a row, want once", opens)
		}
	})
	t.Run("lost by the bucket", func(t *testing.T) {
		if _, err := srv.Client(offsitetest.Secret).DeleteObject(t.Context(), &s3.DeleteObjectInput{Bucket: aws.String(srv.Bucket),
			Key: aws.String("site1/default/2026-11-20/video.mp4.sha512sum")}); err != nil {
			t.Fatal(err)
		}
		resp, body := get(t, "/2026-11-20/video.mp4.sha512sum")
		if resp.StatusCode != 502 || !strings.Contains(string(body), "missing from the bucket") {
			t.Errorf("%s %q", resp.Status, body)
		}
	})
	t.Run("bucket down", func(t *testing.T) {
		srv.Kill()
		began := time.Now()
		resp, body := get(t, "/2026-11-20/video.mp4", "Range", "bytes=0-99")
		if resp.StatusCode != 502 || !strings.Contains(string(body), "could not be read") {
			t.Errorf("%s %q", resp.Status, body)
		}
		t.Logf("answered in %v", time.Since(began))
	})
}
