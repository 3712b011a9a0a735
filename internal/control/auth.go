package control

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/tls"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// loadTLS is the server's TLS credentials from PEM files.
func loadTLS(certFile, keyFile string) (credentials.TransportCredentials, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	return credentials.NewTLS(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}), nil
}

// tokenAuth checks the bearer token of every call.
type tokenAuth struct {
	sum [sha256.Size]byte // of the token, so comparing takes the same time whatever its length
}

func newTokenAuth(token string) *tokenAuth {
	return &tokenAuth{sum: sha256.Sum256([]byte(token))}
}

var (
	errNoToken  = status.Error(codes.Unauthenticated, "missing bearer token (authorization metadata)")
	errBadToken = status.Error(codes.Unauthenticated, "invalid token")
)

// check accepts a call whose "authorization" metadata is "Bearer TOKEN".
func (a *tokenAuth) check(ctx context.Context) error {
	md, _ := metadata.FromIncomingContext(ctx)
	vals := md.Get("authorization")
	if len(vals) == 0 {
		return errNoToken
	}
	scheme, tok, ok := strings.Cut(vals[0], " ")
	if !ok || !strings.EqualFold(scheme, "bearer") {
		return errNoToken
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	if subtle.ConstantTimeCompare(sum[:], a.sum[:]) != 1 {
		return errBadToken
	}
	return nil
}

func (a *tokenAuth) unary(ctx context.Context, req any, _ *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	if err := a.check(ctx); err != nil {
		return nil, err
	}
	return h(ctx, req)
}

func (a *tokenAuth) stream(srv any, ss grpc.ServerStream, _ *grpc.StreamServerInfo, h grpc.StreamHandler) error {
	if err := a.check(ss.Context()); err != nil {
		return err
	}
	return h(srv, ss)
}

// errInsecure reports TCP on a non-loopback address without TLS or a token.
var errInsecure = errors.New("tcp on an address other than loopback needs TLS and a token")
