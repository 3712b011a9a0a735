package offsite

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
)

const (
	testKeyID  = offsitetest.KeyID
	testSecret = offsitetest.Secret
	testBucket = offsitetest.Bucket
)

// gateway is a versitygw (offsitetest's) with the names this package's
// tests use.
type gateway struct{ *offsitetest.Server }

// startGateway starts a versitygw on dir with a bucket testBucket in it.
func startGateway(t testing.TB, dir string) *gateway {
	t.Helper()
	return &gateway{offsitetest.StartIn(t, dir)}
}

func freeAddr(t testing.TB) string { return offsitetest.FreeAddr(t) }

// stop kills the gateway, as a crash or a power cut would.
func (g *gateway) stop() { g.Kill() }

func (g *gateway) endpoint() string { return g.Endpoint }

// client is an S3 client of the gateway, for checks behind the package's back.
func (g *gateway) client(secret string) *s3.Client { return g.Client(secret) }

func credFile(t testing.TB, secret string) string { return offsitetest.CredFile(t, secret) }

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
