package control

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// pki is a self-signed certificate for 127.0.0.1 and localhost, its key
// and a token, in files.
type pki struct {
	cert, key, token, empty string
	pool                    *x509.CertPool
}

func newPKI(t *testing.T) pki {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "cctvd test"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := pki{cert: filepath.Join(dir, "cert.pem"), key: filepath.Join(dir, "key.pem"),
		token: filepath.Join(dir, "token"), empty: filepath.Join(dir, "empty"), pool: x509.NewCertPool()}
	p.pool.AddCert(cert)
	write := func(name string, b []byte) {
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(p.cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	write(p.key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	write(p.token, []byte("s3cret-token\n"))
	write(p.empty, []byte(" \n"))
	return p
}

// bearer sends a fixed authorization header with every call.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return true }

func TestTokenOverTLS(t *testing.T) {
	pki := newPKI(t)
	h := serve(t, Config{Addr: "tcp://127.0.0.1:0", TLSCert: pki.cert, TLSKey: pki.key, TokenFile: pki.token})
	creds := credentials.NewTLS(&tls.Config{RootCAs: pki.pool})

	tests := []struct {
		name string
		auth string // the authorization header; "" sends none
		code codes.Code
	}{
		{"no token", "", codes.Unauthenticated},
		{"wrong token", "Bearer s3cret-tokeN", codes.Unauthenticated},
		{"longer token", "Bearer s3cret-token-and-more", codes.Unauthenticated},
		{"not bearer", "Basic s3cret-token", codes.Unauthenticated},
		{"right token", "Bearer s3cret-token", codes.OK},
		{"scheme in any case", "bearer s3cret-token", codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
			if tt.auth != "" {
				opts = append(opts, grpc.WithPerRPCCredentials(bearer(tt.auth)))
			}
			conn := dial(t, h.target(), opts...)
			api := cctvv1.NewCctvServiceClient(conn)
			// Unary and streaming calls, of the service and of health.
			_, err := api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
			check(t, "GetStatus", err, tt.code)
			err = call(t.Context(), api, "ConvertDay", "2026-11-22", true)
			check(t, "ConvertDay", err, tt.code)
			_, err = healthpb.NewHealthClient(conn).Check(t.Context(), &healthpb.HealthCheckRequest{})
			check(t, "Health", err, tt.code)
		})
	}

	// Without TLS the server does not talk at all.
	conn := dial(t, h.target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer s3cret-token")
	_, err := cctvv1.NewCctvServiceClient(conn).GetStatus(ctx, &cctvv1.GetStatusRequest{})
	if status.Code(err) != codes.Unavailable {
		t.Errorf("plaintext to a TLS server: %v", err)
	}
}

func TestTokenOnLoopbackWithoutTLS(t *testing.T) {
	pki := newPKI(t)
	h := serve(t, Config{Addr: "tcp://127.0.0.1:0", TokenFile: pki.token})
	_, err := h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	check(t, "without token", err, codes.Unauthenticated)
	ctx := metadata.AppendToOutgoingContext(t.Context(), "authorization", "Bearer s3cret-token")
	_, err = h.api.GetStatus(ctx, &cctvv1.GetStatusRequest{})
	check(t, "with token", err, codes.OK)
}

func check(t *testing.T, what string, err error, want codes.Code) {
	t.Helper()
	if got := status.Code(err); got != want {
		t.Errorf("%s: %v, want %v", what, err, want)
	}
}
