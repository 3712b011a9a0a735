package offsite

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOpenErrors(t *testing.T) {
	g := startGateway(t, t.TempDir())
	const wrongSecret = "wrongSecretMustNotLeak99"
	for _, tc := range []struct {
		name    string
		target  Target
		cfg     func(Config) Config
		wantErr error
	}{
		{name: "works", target: Target{Bucket: testBucket, Prefix: "p"}},
		{name: "wrong secret", target: Target{Bucket: testBucket}, cfg: func(c Config) Config {
			c.CredentialsFile = credFile(t, wrongSecret)
			return c
		}, wantErr: ErrCredentials},
		{name: "missing bucket", target: Target{Bucket: "nosuchbucket"}, wantErr: ErrNoBucket},
		{name: "nothing listening", target: Target{Bucket: testBucket}, cfg: func(c Config) Config {
			c.Endpoint = "http://" + freeAddr(t)
			return c
		}, wantErr: ErrUnreachable},
		{name: "part size too small", target: Target{Bucket: testBucket}, cfg: func(c Config) Config {
			c.PartSize = MinPartSize - 1
			return c
		}, wantErr: errAny},
		{name: "not a URL", target: Target{Bucket: testBucket}, cfg: func(c Config) Config {
			c.Endpoint = "s3.example.com"
			return c
		}, wantErr: errAny},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t, g.endpoint())
			if tc.cfg != nil {
				cfg = tc.cfg(cfg)
			}
			var logs bytes.Buffer
			log := slog.New(slog.NewTextHandler(io.MultiWriter(&logs, tWriter{t}), &slog.HandlerOptions{Level: slog.LevelDebug}))
			b, err := Open(t.Context(), tc.target, cfg, nil, log)
			for _, s := range []string{testSecret, wrongSecret} {
				if strings.Contains(logs.String(), s) {
					t.Errorf("the logs hold the secret: %s", logs.String())
				}
			}
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("Open: %v", err)
				}
				return
			}
			if err == nil || b != nil {
				t.Fatalf("Open = %v, nil error; want %v", b, tc.wantErr)
			}
			if tc.wantErr != errAny && !errors.Is(err, tc.wantErr) {
				t.Errorf("Open: %v; want %v", err, tc.wantErr)
			}
			for _, s := range []string{testSecret, wrongSecret} {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q holds the secret", err)
				}
			}
			t.Log(err)
		})
	}
}

// errAny stands for any error in a table.
var errAny = errors.New("any error")

func TestReadCredentials(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    Credentials
		wantErr error
	}{
		{name: "two lines", content: "access_key_id = AKID\nsecret_access_key = s3cr3t\n", mode: 0o600, want: Credentials{"AKID", "s3cr3t"}},
		{name: "no spaces, comments, blank lines", content: "# off-site\n\naccess_key_id=AKID\r\nsecret_access_key=s3cr3t", mode: 0o400, want: Credentials{"AKID", "s3cr3t"}},
		{name: "group may read", content: "access_key_id = AKID\nsecret_access_key = s3cr3t\n", mode: 0o640, wantErr: ErrCredentialsOpen},
		{name: "others may read", content: "access_key_id = AKID\nsecret_access_key = s3cr3t\n", mode: 0o604, wantErr: ErrCredentialsOpen},
		{name: "no secret", content: "access_key_id = AKID\n", mode: 0o600, wantErr: ErrCredentialsFormat},
		{name: "bare secret line", content: "access_key_id = AKID\ns3cr3t\n", mode: 0o600, wantErr: ErrCredentialsFormat},
		{name: "secret twice", content: "access_key_id = AKID\nsecret_access_key = s3cr3t\nsecret_access_key = s3cr3t\n", mode: 0o600, wantErr: ErrCredentialsFormat},
		{name: "space inside", content: "access_key_id = AKID\nsecret_access_key = s3 cr3t\n", mode: 0o600, wantErr: ErrCredentialsFormat},
		{name: "unknown key", content: "access_key_id = AKID\nsecret = s3cr3t\n", mode: 0o600, wantErr: ErrCredentialsFormat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "cred")
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(p, tc.mode); err != nil {
				t.Fatal(err)
			}
			got, err := ReadCredentials(p)
			if got != tc.want || !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("ReadCredentials = %v, %v; want %v, %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("error %q holds the secret", err)
			}
			if strings.Contains(got.String(), "s3cr3t") {
				t.Errorf("String %q holds the secret", got)
			}
		})
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in      string
		want    Target
		wantErr bool
	}{
		{in: "s3://bucket", want: Target{Bucket: "bucket"}},
		{in: "s3://bucket/", want: Target{Bucket: "bucket"}},
		{in: "s3://bucket/cctv/home", want: Target{Bucket: "bucket", Prefix: "cctv/home"}},
		{in: "s3://bucket/cctv/", want: Target{Bucket: "bucket", Prefix: "cctv"}},
		{in: "https://bucket/cctv", wantErr: true},
		{in: "s3:///cctv", wantErr: true},
		{in: "s3://bucket/a//b", wantErr: true},
		{in: "s3://bucket/a/../b", wantErr: true},
		{in: "s3://key:secret@bucket/a", wantErr: true},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseTarget(tc.in)
			if got != tc.want || (err != nil) != tc.wantErr {
				t.Fatalf("ParseTarget = %+v, %v; want %+v, error %v", got, err, tc.want, tc.wantErr)
			}
			if err == nil && got.String() != strings.TrimSuffix(tc.in, "/") {
				t.Errorf("String = %q", got.String())
			}
		})
	}
}
