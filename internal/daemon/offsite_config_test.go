package daemon_test

import (
	"context"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/cctvd/cctvd/internal/daemon"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
)

// The off-site settings: the flag wins over the table's target, and
// values that cannot work are refused when the configuration is read.
func TestOffsiteFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		args []string
		file string
		want string // error; "" for none
		// target and keep are what the configuration holds when it is read
		target string
		keep   int
	}{
		{name: "table's target", file: "[offsite]\ntarget = 's3://b/p'\nendpoint = 'https://h'\ncredentials-file = '/c'\n", args: []string{"--keep-local", "5"},
			target: "s3://b/p", keep: 5},
		{name: "the flag wins", file: "[offsite]\ntarget = 's3://b/p'\nendpoint = 'https://h'\ncredentials-file = '/c'\n", args: []string{"--offsite", "s3://c"},
			target: "s3://c"},
		{name: "off", args: []string{}},
		{name: "keep-local without offsite", args: []string{"--keep-local", "3"}, want: "--keep-local deletes only days verified off-site: it needs --offsite"},
		{name: "negative keep-local", args: []string{"--keep-local", "-1"}, want: "--keep-local: -1 is negative"},
		{name: "no endpoint", args: []string{"--offsite", "s3://b"}, want: "[offsite] table needs endpoint"},
		{name: "no credentials file", file: "[offsite]\ntarget = 's3://b/p'\nendpoint = 'https://h'\n", want: "needs credentials-file"},
		{name: "not s3", file: "[offsite]\ntarget = 'https://b/p'\nendpoint = 'https://h'\ncredentials-file = '/c'\n", want: "want s3://BUCKET/PREFIX"},
		{name: "unknown key", file: "[offsite]\ntarget = 's3://b'\nsecret = 'x'\n", want: `unknown key "offsite.secret"`},
		{name: "small parts", file: "[offsite]\ntarget = 's3://b'\nendpoint = 'https://h'\ncredentials-file = '/c'\npart-size = '1MiB'\n", want: "part-size 1MiB: want at least 5MiB"},
		{name: "bad rate", args: []string{"--offsite-rate", "fast"}, want: `"fast" is not a rate`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--root", dir}, tc.args...)
			if tc.file != "" {
				f := filepath.Join(t.TempDir(), "cctvd.toml")
				if err := os.WriteFile(f, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--config", f)
			}
			c, err := daemon.ParseFlags(args, io.Discard)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("ParseFlags: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("ParseFlags: %v, want %q", err, tc.want)
			case tc.want == "" && (c.Offsite != tc.target || c.KeepLocal != tc.keep):
				t.Errorf("offsite %q keep-local %d, want %q %d", c.Offsite, c.KeepLocal, tc.target, tc.keep)
			}
		})
	}
}

// cctvd --check-config opens the bucket and says clearly what is wrong:
// the credentials, the bucket, the server; never the secret.
func TestOffsiteCheckConfig(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs versitygw")
	}
	gw := offsitetest.Start(t)
	if _, err := gw.Client(offsitetest.Secret).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String("other")}); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String()
	l.Close()
	root := t.TempDir()
	good, bad := offsitetest.CredFile(t, offsitetest.Secret), offsitetest.CredFile(t, "wrong-secret-123")
	for _, tc := range []struct {
		name, target, endpoint, cred string
		want                         string // in stdout when ok, in stderr when not
		ok                           bool
	}{
		{name: "reachable", target: "s3://offsite/site1", endpoint: gw.Endpoint, cred: good, ok: true,
			want: "offsite s3://offsite/site1 at " + gw.Endpoint + ": bucket reachable, credentials accepted"},
		{name: "wrong secret", target: "s3://offsite/site1", endpoint: gw.Endpoint, cred: bad, want: "wrong credentials"},
		{name: "no such bucket", target: "s3://nothere", endpoint: gw.Endpoint, cred: good, want: "no such bucket"},
		{name: "unreachable", target: "s3://offsite", endpoint: closed, cred: good, want: "unreachable"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "cctvd.toml")
			conf := "[offsite]\ntarget = '" + tc.target + "'\nendpoint = '" + tc.endpoint + "'\npath-style = true\ncredentials-file = '" + tc.cred + "'\n"
			if err := os.WriteFile(f, []byte(conf), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(filepath.Join(bin, "cctvd"), "--check-config", "--root", root, "--config", f)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			switch {
			case tc.ok && err != nil:
				t.Fatalf("check: %v\n%s", err, stderr.String())
			case !tc.ok && err == nil:
				t.Fatalf("check passed:\n%s", stdout.String())
			case tc.ok && !strings.Contains(stdout.String(), tc.want):
				t.Errorf("check printed\n%s\nwant %q in it", stdout.String(), tc.want)
			case !tc.ok && !strings.Contains(stderr.String(), tc.want):
				t.Errorf("check said\n%s\nwant %q in it", stderr.String(), tc.want)
			}
			if all := stdout.String() + stderr.String(); strings.Contains(all, "wrong-secret-123") || strings.Contains(all, offsitetest.Secret) {
				t.Errorf("the secret is in the output:\n%s", all)
			}
		})
	}
}
