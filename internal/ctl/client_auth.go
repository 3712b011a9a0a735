package ctl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cctvd/cctvd/internal/token"
)

// security is how cctvctl talks to a daemon: TLS for a tcp address when
// --tls-ca names the CA that signed the daemon's certificate, and the
// bearer token of --token-file with every call.
type security struct {
	caFile    string
	tokenFile string
}

// security takes --tls-ca and --token-file, or $CCTVD_TLS_CA and
// $CCTVD_TOKEN_FILE when they are not given.
func (r *runner) security() security {
	s := security{caFile: r.opts.tlsCA, tokenFile: r.opts.tokenFile}
	if s.caFile == "" {
		s.caFile = r.env("CCTVD_TLS_CA")
	}
	if s.tokenFile == "" {
		s.tokenFile = r.env("CCTVD_TOKEN_FILE")
	}
	return s
}

// dialOptions are the transport and per-call credentials for t. A token
// is never sent in the clear beyond this machine.
func (s security) dialOptions(t target) ([]grpc.DialOption, error) {
	creds := insecure.NewCredentials()
	if s.caFile != "" {
		if t.network != "tcp" {
			return nil, usageErr(fmt.Errorf("--tls-ca is for tcp addresses; %s is a unix socket", t))
		}
		var err error
		if creds, err = tlsCreds(s.caFile); err != nil {
			return nil, usageErr(err)
		}
	}
	opts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	if s.tokenFile == "" {
		return opts, nil
	}
	if s.caFile == "" && t.network == "tcp" && !loopback(t.addr) {
		return nil, usageErr(fmt.Errorf("--token-file: refusing to send the token unencrypted to %s (add --tls-ca)", t))
	}
	tok, err := token.Read(s.tokenFile)
	if err != nil {
		return nil, usageErr(fmt.Errorf("--token-file: %w", err))
	}
	return append(opts, grpc.WithPerRPCCredentials(bearer(tok))), nil
}

// tlsCreds trusts the CA certificates of a PEM file, and only them.
func tlsCreds(caFile string) (credentials.TransportCredentials, error) {
	b, err := os.ReadFile(caFile)
	if err != nil {
		return nil, fmt.Errorf("--tls-ca: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("--tls-ca: %s holds no PEM certificate", caFile)
	}
	return credentials.NewTLS(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}), nil
}

// loopback reports a host:port only this machine can reach.
func loopback(hostport string) bool {
	host, _, _ := net.SplitHostPort(hostport)
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// bearer sends "authorization: Bearer TOKEN" with every call. dialOptions
// decides where it may go, so it does not ask gRPC for TLS itself: a
// unix socket or loopback needs none.
type bearer string

func (b bearer) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	return map[string]string{"authorization": "Bearer " + string(b)}, nil
}

func (bearer) RequireTransportSecurity() bool { return false }
