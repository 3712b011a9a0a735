package ctl

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// tlsFiles are a self-signed certificate for 127.0.0.1, its key, another
// CA that did not sign it, and a token, in files.
type tlsFiles struct {
	cert, key, otherCA, token string
}

func writeTLSFiles(t *testing.T) tlsFiles {
	t.Helper()
	dir := t.TempDir()
	f := tlsFiles{cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem"),
		otherCA: filepath.Join(dir, "other.pem"), token: filepath.Join(dir, "token")}
	selfSigned(t, f.cert, f.key)
	selfSigned(t, f.otherCA, filepath.Join(dir, "other-key.pem"))
	if err := os.WriteFile(f.token, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func selfSigned(t *testing.T, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cctvd"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, BasicConstraintsValid: true, IsCA: true,
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
}

// authRecorder remembers the authorization headers a daemon got and
// refuses calls without the right one, as cctvd does.
type authRecorder struct {
	want string
	mu   sync.Mutex
	got  []string
}

func (a *authRecorder) check(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	v := strings.Join(md.Get("authorization"), ",")
	a.mu.Lock()
	a.got = append(a.got, v)
	a.mu.Unlock()
	if a.want != "" && v != a.want {
		return status.Error(codes.Unauthenticated, "invalid token")
	}
	return nil
}

func (a *authRecorder) seen() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.got...)
}

// startTCPDaemon serves f on 127.0.0.1 with TLS (if files are given) and
// the token check; it returns the address as tcp://HOST:PORT.
func startTCPDaemon(t *testing.T, f cctvv1.CctvServiceServer, files *tlsFiles, auth *authRecorder) string {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts := []grpc.ServerOption{
		grpc.UnaryInterceptor(func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
			if err := auth.check(ctx); err != nil {
				return nil, err
			}
			return h(ctx, req)
		}),
		grpc.StreamInterceptor(func(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
			if err := auth.check(ss.Context()); err != nil {
				return err
			}
			return h(srv, ss)
		}),
	}
	if files != nil {
		creds, err := credentials.NewServerTLSFromFile(files.cert, files.key)
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, grpc.Creds(creds))
	}
	serveGRPC(t, lis, f, opts...)
	return "tcp://" + lis.Addr().String()
}

func TestTLSAndToken(t *testing.T) {
	files := writeTLSFiles(t)
	daemon := &fakeDaemon{status: &cctvv1.GetStatusResponse{Version: "v9"},
		stream: []*cctvv1.ConvertDayResponse{progress(cctvv1.ConversionPhase_CONVERSION_PHASE_QUEUED, nil)}}
	auth := &authRecorder{want: "Bearer s3cret"}
	addr := startTCPDaemon(t, daemon, &files, auth)

	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		code    int
		wantOut string
		wantErr string
	}{
		{name: "flags after the command", args: []string{"status", "--addr", addr, "--tls-ca", files.cert, "--token-file", files.token, "--json"},
			wantOut: `"version": "v9"`},
		{name: "flags before the command", args: []string{"--tls-ca=" + files.cert, "--token-file", files.token, "--addr", addr, "convert", "2026-11-18"},
			wantOut: "queued"},
		{name: "from the environment", args: []string{"status"},
			env:     map[string]string{"CCTVD_ADDR": addr, "CCTVD_TLS_CA": files.cert, "CCTVD_TOKEN_FILE": files.token},
			wantOut: "v9"},
		{name: "no token", args: []string{"status", "--addr", addr, "--tls-ca", files.cert}, code: exitError,
			wantErr: "cctvctl: status: not allowed: invalid token\n"},
		{name: "untrusted certificate", args: []string{"status", "--addr", addr, "--tls-ca", files.otherCA, "--token-file", files.token},
			code: exitError, wantErr: "certificate"},
		{name: "no TLS to a TLS daemon", args: []string{"status", "--addr", addr, "--token-file", files.token},
			code: exitError, wantErr: "(if it serves TLS, pass --tls-ca)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := cli("")
			c.Env = func(k string) string { return tt.env[k] }
			res := run(t, c, tt.args...)
			if res.code != tt.code || !strings.Contains(res.stdout, tt.wantOut) || !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit %d, stdout with %q, stderr with %q",
					res.code, res.stdout, res.stderr, tt.code, tt.wantOut, tt.wantErr)
			}
		})
	}
}

func TestTokenOnLoopbackWithoutTLS(t *testing.T) {
	files := writeTLSFiles(t)
	auth := &authRecorder{}
	tcp := startTCPDaemon(t, &fakeDaemon{status: &cctvv1.GetStatusResponse{}}, nil, auth)
	if res := run(t, only(cli("")), "status", "--addr", tcp, "--token-file", files.token); res.code != 0 {
		t.Errorf("loopback without TLS: exit %d, %s", res.code, res.stderr)
	}
	if got := auth.seen(); len(got) != 1 || got[0] != "Bearer s3cret" {
		t.Errorf("daemon got authorization %q", got)
	}
}

// only is the CLI of cli's results.
func only(c *CLI, _, _ any) *CLI { return c }

func TestSecurityRefused(t *testing.T) {
	files := writeTLSFiles(t)
	sock := filepath.Join(t.TempDir(), "cctvd.sock")
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Nothing listens at these addresses: the refusal comes before any connection.
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"token in the clear beyond loopback", []string{"status", "--addr", "tcp://192.0.2.1:7000", "--token-file", files.token},
			"cctvctl: --token-file: refusing to send the token unencrypted to 192.0.2.1:7000 (add --tls-ca)\n"},
		{"tls to a socket", []string{"status", "--addr", "unix://" + sock, "--tls-ca", files.cert},
			"cctvctl: --tls-ca is for tcp addresses; unix://" + sock + " is a unix socket\n"},
		{"no such CA file", []string{"days", "--addr", "127.0.0.1:1", "--tls-ca", files.cert + ".x"},
			"cctvctl: --tls-ca: open " + files.cert + ".x: no such file or directory\n"},
		{"CA file without certificates", []string{"days", "--addr", "127.0.0.1:1", "--tls-ca", files.token},
			"cctvctl: --tls-ca: " + files.token + " holds no PEM certificate\n"},
		{"empty token file", []string{"days", "--addr", "127.0.0.1:1", "--token-file", empty},
			"cctvctl: --token-file: " + empty + " is empty\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, only(cli("")), tt.args...)
			if res.code != exitError || res.stderr != tt.want {
				t.Errorf("exit %d, stderr %q; want exit 2, %q", res.code, res.stderr, tt.want)
			}
		})
	}
}
