package daemon_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cctvd/cctvd/internal/daemon"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
	"github.com/cctvd/cctvd/internal/testbin"
)

func TestViewFlags(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "view.toml")
	if err := os.WriteFile(cfgFile, []byte("[offsite]\nendpoint = \"https://s3.example\"\ncredentials-file = \"/etc/cctvd/s3.cred\"\npath-style = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		args    []string
		wantErr string // "": none
	}{
		{name: "bucket and its server", args: []string{"--view", "s3://cctv/sites", "--config", cfgFile}},
		{name: "no server", args: []string{"--view", "s3://cctv"}, wantErr: "[offsite] table"},
		{name: "not s3", args: []string{"--view", "https://cctv", "--config", cfgFile}, wantErr: "--view"},
		{name: "with a root", args: []string{"--view", "s3://cctv", "--config", cfgFile, "--root", dir}, wantErr: "no local cameras"},
		{name: "logins need a state folder", args: []string{"--view", "s3://cctv", "--config", cfgFile, "--users-file", filepath.Join(dir, "users")}, wantErr: "--state"},
		{name: "off loopback: the site's rule", args: []string{"--view", "s3://cctv", "--config", cfgFile, "--http", "0.0.0.0:8080"}, wantErr: "--users-file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := daemon.ParseFlags(tc.args, io.Discard)
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("ParseFlags: %v", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Fatalf("ParseFlags: %v, want an error about %s", err, tc.wantErr)
			case err == nil && (c.View != "s3://cctv/sites" || c.Root != ""):
				t.Errorf("config: view %q, root %q", c.View, c.Root)
			}
		})
	}
}

// TestView runs the real cctvd in view mode against a versitygw holding a
// site: behind a users file, it lists the site and serves its archive,
// and writes nothing into the bucket.
func TestView(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs cctvd, versitygw and ffmpeg")
	}
	srv := offsitetest.Start(t)
	dir := t.TempDir()
	segs, err := footage.Record(t.Context(), footage.Run{Dir: dir, Segments: 1, Start: time.Date(2026, 11, 27, 9, 0, 0, 153192286, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	video := filepath.Join(dir, "video.mp4")
	if out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-i", filepath.Join(dir, segs[0]), "-c", "copy", video).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v: %s", err, out)
	}
	data, err := os.ReadFile(video)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha512.Sum512(data)
	if err := os.WriteFile(video+".sha512sum", []byte(hex.EncodeToString(sum[:])+"  video.mp4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	state, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	cfg := offsite.Config{Endpoint: srv.Endpoint, PathStyle: true, CredentialsFile: srv.CredentialsFile}
	home, err := offsite.Open(t.Context(), offsite.Target{Bucket: srv.Bucket, Prefix: "cctv/home"}, cfg, state, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := home.PutSite(t.Context(), offsite.Site{Version: "1.4.0", Cameras: []string{"default"}}); err != nil {
		t.Fatal(err)
	}
	var files []offsite.LocalFile
	for _, n := range []string{"video.mp4", "video.mp4.sha512sum"} {
		p := filepath.Join(dir, n)
		files = append(files, offsite.LocalFile{Name: n, Open: func() (*os.File, error) { return os.Open(p) }})
	}
	if _, err := home.Upload(t.Context(), "", "2026-11-27", files); err != nil {
		t.Fatal(err)
	}
	before := objects(t, srv)

	etc := t.TempDir()
	cfgFile := filepath.Join(etc, "view.toml")
	toml := "[offsite]\nendpoint = \"" + srv.Endpoint + "\"\npath-style = true\ncredentials-file = \"" + srv.CredentialsFile + "\"\n"
	if err := os.WriteFile(cfgFile, []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(etc, "users")
	const alicePW, olgaPW = "hunter2 is weak", "p@ss:w/rd%"
	addUser(t, users, "alice", "", alicePW)
	addUser(t, users, "olga", "operator", olgaPW)
	d := testbin.StartHTTP(t, bin, nil, "--view", "s3://"+srv.Bucket+"/cctv", "--config", cfgFile,
		"--users-file", users, "--state", filepath.Join(t.TempDir(), "state"))
	base := d.Base()

	req := func(method, path string, user, pw string, hdr http.Header) (int, []byte) {
		t.Helper()
		r, err := http.NewRequestWithContext(context.Background(), method, base+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if user != "" {
			r.SetBasicAuth(user, pw)
		}
		for k, v := range hdr {
			r.Header[k] = v
		}
		resp, err := http.DefaultTransport.RoundTrip(r)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, b
	}
	for _, tc := range []struct {
		name, method, path, user, pw, rng string
		code                              int
		want                              []byte // in the body; nil: anything
	}{
		{name: "healthz is open", path: "/healthz", code: 200, want: []byte("ok")},
		{name: "index needs a login", path: "/", code: 401},
		{name: "index", path: "/", user: "alice", pw: alicePW, code: 200, want: []byte(`href="sites/home/default/2026-11-27/"`)},
		{name: "day", path: "/sites/home/default/2026-11-27/", user: "alice", pw: alicePW, code: 200, want: []byte(`<video controls preload="metadata" src="video.mp4">`)},
		{name: "video needs a login", path: "/sites/home/default/2026-11-27/video.mp4", code: 401},
		{name: "a range of the video", path: "/sites/home/default/2026-11-27/video.mp4", user: "alice", pw: alicePW, rng: "bytes=100-199", code: 206, want: data[100:200]},
		{name: "metrics are an operator's", path: "/metrics", user: "alice", pw: alicePW, code: 403},
		{name: "metrics", path: "/metrics", user: "olga", pw: olgaPW, code: 200, want: []byte("cctvd_http_requests_total")},
		{name: "no writes, even an operator's", method: http.MethodPut, path: "/sites/home/default/2026-11-27/video.mp4", user: "olga", pw: olgaPW, code: 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			method := tc.method
			if method == "" {
				method = http.MethodGet
			}
			hdr := http.Header{}
			if tc.rng != "" {
				hdr.Set("Range", tc.rng)
			}
			code, body := req(method, tc.path, tc.user, tc.pw, hdr)
			if code != tc.code || tc.want != nil && !bytes.Contains(body, tc.want) {
				t.Errorf("%s %s: %d (%d bytes), want %d with %.60q", method, tc.path, code, len(body), tc.code, tc.want)
			}
		})
	}
	t.Run("check-config", func(t *testing.T) {
		out, err := exec.Command(filepath.Join(bin, "cctvd"), "--view", "s3://"+srv.Bucket+"/cctv", "--config", cfgFile, "--check-config").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "view    s3://"+srv.Bucket+"/cctv: read-only, 1 sites") {
			t.Errorf("cctvd --view --check-config: %v\n%s", err, out)
		}
	})
	if after := objects(t, srv); !slices.Equal(before, after) {
		t.Errorf("the viewer changed the bucket: before %q, after %q", before, after)
	}
	if n := d.Logged("INFO", "cctvd viewing, read-only", "target", "s3://"+srv.Bucket+"/cctv"); n != 1 {
		t.Errorf("logged the view mode %d times, want 1", n)
	}
	if strings.Contains(d.Log(), offsitetest.Secret) {
		t.Error("the log holds the bucket's secret")
	}
}

// objects lists the bucket's keys with their ETags and sizes.
func objects(t *testing.T, srv *offsitetest.Server) []string {
	t.Helper()
	out, err := srv.Client(offsitetest.Secret).ListObjectsV2(t.Context(), &s3.ListObjectsV2Input{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, o := range out.Contents {
		keys = append(keys, aws.ToString(o.Key)+" "+aws.ToString(o.ETag)+" "+aws.ToTime(o.LastModified).String())
	}
	return keys
}
