package offsite

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

const (
	testKeyID  = "cctvdtestkey"
	testSecret = "cctvdTestSecretDoNotLeak42"
	testBucket = "offsite"
)

// gatewayBin finds versitygw, a real S3 server; a test without it fails
// with the command that installs it.
func gatewayBin(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("versitygw: not under -short")
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	gopath, err := exec.Command("go", "env", "GOPATH").Output()
	if err == nil {
		p := filepath.Join(string(bytes.TrimSpace(gopath)), "bin", "versitygw")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("versitygw not found: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0 (or CCTVD_DEPS=test scripts/deps.sh)")
	return ""
}

// gateway is a versitygw serving a posix folder on 127.0.0.1.
type gateway struct {
	t    testing.TB
	bin  string
	dir  string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// startGateway starts a versitygw on dir with a bucket testBucket in it.
func startGateway(t testing.TB, dir string) *gateway {
	t.Helper()
	g := &gateway{t: t, bin: gatewayBin(t), dir: dir}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for try := 0; ; try++ {
		g.addr = freeAddr(t)
		if err := g.start(); err == nil {
			break
		} else if try == 4 {
			t.Fatal(err)
		}
	}
	t.Cleanup(g.stop)
	c := g.client(testSecret)
	if _, err := c.CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(testBucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return g
}

func freeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs the gateway and waits until it answers HTTP.
func (g *gateway) start() error {
	g.cmd = exec.Command(g.bin, "--access", testKeyID, "--secret", testSecret, "--port", g.addr, "posix", g.dir)
	var out bytes.Buffer
	g.cmd.Stdout, g.cmd.Stderr = &out, &out
	if err := g.cmd.Start(); err != nil {
		return err
	}
	g.done = make(chan struct{})
	go func() { g.cmd.Wait(); close(g.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-g.done:
			return fmt.Errorf("versitygw exited: %s", out.Bytes())
		default:
		}
		resp, err := http.Get("http://" + g.addr + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			g.stop()
			return fmt.Errorf("versitygw did not answer on %s: %v: %s", g.addr, err, out.Bytes())
		}
		time.Sleep(10 * time.Millisecond) // polling, not waiting for a guess
	}
}

// stop kills the gateway, as a crash or a power cut would.
func (g *gateway) stop() {
	if g.cmd == nil || g.cmd.Process == nil {
		return
	}
	g.cmd.Process.Kill()
	<-g.done
	g.cmd = nil
}

func (g *gateway) endpoint() string { return "http://" + g.addr }

// client is an S3 client of the gateway, for checks behind the package's back.
func (g *gateway) client(secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       DefaultRegion,
		BaseEndpoint: aws.String(g.endpoint()),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: testKeyID, SecretAccessKey: secret}, nil
		}),
	})
}

// credFile writes a credentials file for the secret.
func credFile(t testing.TB, secret string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s3.cred")
	if err := os.WriteFile(p, []byte("access_key_id = "+testKeyID+"\nsecret_access_key = "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// testConfig is a Config for endpoint with 5 MiB parts.
func testConfig(t testing.TB, endpoint string) Config {
	return Config{Endpoint: endpoint, PathStyle: true, CredentialsFile: credFile(t, testSecret), PartSize: MinPartSize, retry: fastRetry}
}

// fastRetry keeps failing tests short.
var fastRetry = retryPolicy{attempts: 4, base: 5 * time.Millisecond, cap: 50 * time.Millisecond}

// openTest opens the bucket with a new state folder.
func openTest(t testing.TB, endpoint string, cfg Config, state *os.Root) *Bucket {
	t.Helper()
	return openAt(t, Target{Bucket: testBucket, Prefix: "site1"}, endpoint, cfg, state)
}

func openAt(t testing.TB, target Target, endpoint string, cfg Config, state *os.Root) *Bucket {
	t.Helper()
	if cfg.Endpoint == "" {
		cfg = testConfig(t, endpoint)
	}
	if state == nil {
		state = stateRoot(t)
	}
	b, err := Open(t.Context(), target, cfg, state, testLog(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return b
}

func stateRoot(t testing.TB) *os.Root {
	t.Helper()
	r, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func testLog(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type tWriter struct{ t testing.TB }

func (w tWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// localFile writes size random bytes into a file of dir and returns it as
// a LocalFile.
func localFile(t testing.TB, dir, name string, size int) (LocalFile, []byte) {
	t.Helper()
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{byte(size), byte(size >> 8), byte(size >> 16), name[0]})
	rng.Read(data)
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Date(2026, 11, 27, 23, 59, 59, 153192286, time.UTC) // fractional, as cameras' are
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
	return LocalFile{Name: name, Open: func() (*os.File, error) { return os.Open(p) }}, data
}

// serverBytes reads an object straight from the gateway.
func serverBytes(t testing.TB, g *gateway, key string) []byte {
	t.Helper()
	out, err := g.client(testSecret).GetObject(t.Context(), &s3.GetObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sha256Base64 is data's SHA-256 as S3 writes it.
func sha256Base64(data []byte) string {
	sum := sha256.Sum256(data)
	return base64.StdEncoding.EncodeToString(sum[:])
}
