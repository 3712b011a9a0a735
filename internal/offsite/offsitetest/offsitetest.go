// Package offsitetest runs a real S3 server (versitygw) for other packages' tests of off-site copies.
package offsitetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
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

// The server's key and bucket.
const (
	KeyID  = "cctvdtestkey"
	Secret = "cctvdTestSecretDoNotLeak42"
	Bucket = "offsite"
	Region = "us-east-1"
)

// Server is a versitygw serving a posix folder on 127.0.0.1, with the
// bucket Bucket in it; it is killed when the test ends.
type Server struct {
	// Endpoint is its URL, http://127.0.0.1:PORT (path-style buckets).
	Endpoint string
	// Bucket is the bucket made for the test.
	Bucket string
	// CredentialsFile holds KeyID and Secret, readable by its owner only.
	CredentialsFile string
	// Dir is the folder it serves: Dir/BUCKET/KEY are the objects.
	Dir string

	t    testing.TB
	bin  string
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

// Start starts a versitygw with a bucket; a test without versitygw fails
// with the command that installs it (it is skipped under -short).
func Start(t testing.TB) *Server {
	t.Helper()
	return StartIn(t, t.TempDir())
}

// StartIn is Start serving the folder dir (made if missing), e.g. on a
// small file system that fills up.
func StartIn(t testing.TB, dir string) *Server {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	s := &Server{t: t, bin: Bin(t), Dir: dir, Bucket: Bucket, CredentialsFile: CredFile(t, Secret)}
	for try := 0; ; try++ {
		s.addr = FreeAddr(t)
		if err := s.start(); err == nil {
			break
		} else if try == 4 {
			t.Fatal(err)
		}
	}
	s.Endpoint = "http://" + s.addr
	t.Cleanup(s.Kill)
	if _, err := s.Client(Secret).CreateBucket(context.Background(), &s3.CreateBucketInput{Bucket: aws.String(Bucket)}); err != nil {
		t.Fatalf("create bucket: %v", err)
	}
	return s
}

// Bin finds versitygw; a test without it fails with the command that
// installs it. Under -short the test is skipped.
func Bin(t testing.TB) string {
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

// FreeAddr is a 127.0.0.1 address nothing listens on, for now.
func FreeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// start runs the server and waits until it answers HTTP.
func (s *Server) start() error {
	s.cmd = exec.Command(s.bin, "--access", KeyID, "--secret", Secret, "--port", s.addr, "posix", s.Dir)
	var out bytes.Buffer
	s.cmd.Stdout, s.cmd.Stderr = &out, &out
	if err := s.cmd.Start(); err != nil {
		return err
	}
	s.done = make(chan struct{})
	go func() { s.cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(20 * time.Second)
	for {
		select {
		case <-s.done:
			return fmt.Errorf("versitygw exited: %s", out.Bytes())
		default:
		}
		resp, err := http.Get("http://" + s.addr + "/")
		if err == nil {
			resp.Body.Close()
			return nil
		}
		if time.Now().After(deadline) {
			s.Kill()
			return fmt.Errorf("versitygw did not answer on %s: %v: %s", s.addr, err, out.Bytes())
		}
		time.Sleep(10 * time.Millisecond) // polling, not waiting for a guess
	}
}

// Kill kills the server, as a crash or a power cut would.
func (s *Server) Kill() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	s.cmd.Process.Kill()
	<-s.done
	s.cmd = nil
}

// Pid is the running server's process id (for its CPU time in benchmarks).
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Restart starts a killed server again on the same address and folder.
func (s *Server) Restart() {
	s.t.Helper()
	s.Kill()
	if err := s.start(); err != nil {
		s.t.Fatal(err)
	}
}

// Client is an S3 client of the server with the key and secret, for
// checks and changes behind the back of the code under test.
func (s *Server) Client(secret string) *s3.Client {
	return s3.New(s3.Options{
		Region:       Region,
		BaseEndpoint: aws.String("http://" + s.addr),
		UsePathStyle: true,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: KeyID, SecretAccessKey: secret}, nil
		}),
	})
}

// CredFile writes a credentials file (mode 0600) for the secret.
func CredFile(t testing.TB, secret string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "s3.cred")
	if err := os.WriteFile(p, []byte("access_key_id = "+KeyID+"\nsecret_access_key = "+secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Object reads an object of the bucket.
func (s *Server) Object(t testing.TB, key string) []byte {
	t.Helper()
	out, err := s.Client(Secret).GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(Bucket), Key: aws.String(key)})
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

// Objects lists the bucket's keys under prefix with their sizes.
func (s *Server) Objects(t testing.TB, prefix string) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	p := s3.NewListObjectsV2Paginator(s.Client(Secret), &s3.ListObjectsV2Input{Bucket: aws.String(Bucket), Prefix: aws.String(prefix)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatalf("list %s: %v", prefix, err)
		}
		for _, o := range page.Contents {
			out[aws.ToString(o.Key)] = aws.ToInt64(o.Size)
		}
	}
	return out
}
