package ctl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"google.golang.org/grpc"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// The sockets tried, in order, when neither --addr nor $CCTVD_ADDR is set.
const (
	// systemSocket is where a packaged cctvd listens (--grpc unix:///run/cctvd/cctvd.sock).
	systemSocket = "/run/cctvd/cctvd.sock"
	// localSocket is cctvd's own default, ROOT/.cctvd/cctvd.sock, for a
	// daemon run with the current folder as its root.
	localSocket = ".cctvd/cctvd.sock"
)

// client is a connection to cctvd.
type client struct {
	api  cctvv1.CctvServiceClient
	conn *grpc.ClientConn
}

func (c *client) Close() error { return c.conn.Close() }

// target is a resolved daemon address.
type target struct {
	network string // "unix" or "tcp"
	addr    string // absolute socket path, or host:port
}

func (t target) grpcTarget() string {
	if t.network == "unix" {
		return "unix://" + t.addr
	}
	return "dns:///" + t.addr
}

func (t target) String() string {
	if t.network == "unix" {
		return "unix://" + t.addr
	}
	return t.addr
}

// newClient connects to the daemon named by --addr (or the default
// address). It first checks that something answers there, so that a daemon
// that is not running or a socket the user may not open gives one clear line
// rather than a transport error from deep inside gRPC.
func (r *runner) newClient(ctx context.Context) (*client, error) {
	addr, from := r.opts.addr, ""
	if addr == "" {
		addr, from = defaultAddr(r.env, socketExists)
	}
	t, err := parseAddr(addr)
	if err != nil {
		if from != "" {
			err = fmt.Errorf("%w (%s)", err, from)
		}
		return nil, usageErr(err)
	}
	r.target = t
	opts, err := r.security().dialOptions(t)
	if err != nil {
		return nil, err
	}
	if err := probe(ctx, t, r.opts.timeout); err != nil {
		if from != "" {
			err = fmt.Errorf("%w (%s)", err, from)
		}
		return nil, err
	}
	conn, err := grpc.NewClient(t.grpcTarget(), opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", t, err)
	}
	return &client{api: cctvv1.NewCctvServiceClient(conn), conn: conn}, nil
}

// call makes one unary request, bounded by --timeout, on a fresh
// connection; what names the request in the error a user sees.
func call[Resp any](ctx context.Context, r *runner, what string, req func(context.Context, cctvv1.CctvServiceClient) (Resp, error)) (Resp, error) {
	var zero Resp
	c, err := r.newClient(ctx)
	if err != nil {
		return zero, err
	}
	defer c.Close()
	ctx, cancel := context.WithTimeout(ctx, r.opts.timeout)
	defer cancel()
	resp, err := req(ctx, c.api)
	if err != nil {
		return zero, r.rpcError(what, err)
	}
	return resp, nil
}

// defaultAddr is $CCTVD_ADDR, else the system socket if it exists, else
// the socket of a daemon whose root is the current folder. from says where
// the address came from, for error messages.
func defaultAddr(env func(string) string, exists func(string) bool) (addr, from string) {
	if a := env("CCTVD_ADDR"); a != "" {
		return a, "from $CCTVD_ADDR"
	}
	if exists(systemSocket) {
		return "unix://" + systemSocket, "the default; set --addr or $CCTVD_ADDR"
	}
	return "unix://" + localSocket, "the default; set --addr or $CCTVD_ADDR"
}

func socketExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

// parseAddr accepts unix:///abs/path, unix:rel/path, a bare path (starting
// with / or .), tcp://host:port and host:port.
func parseAddr(s string) (target, error) {
	var path string
	switch {
	case strings.HasPrefix(s, "unix://"):
		path = strings.TrimPrefix(s, "unix://")
	case strings.HasPrefix(s, "unix:"):
		path = strings.TrimPrefix(s, "unix:")
	case strings.HasPrefix(s, "/"), strings.HasPrefix(s, "."):
		path = s
	case strings.HasPrefix(s, "tcp://"):
		return tcpTarget(s, strings.TrimPrefix(s, "tcp://"))
	case strings.Contains(s, "://"):
		return target{}, fmt.Errorf("address %q: unknown scheme (want unix:// or tcp://)", s)
	default:
		return tcpTarget(s, s)
	}
	if path == "" {
		return target{}, fmt.Errorf("address %q: no socket path", s)
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return target{}, fmt.Errorf("address %q: %w", s, err)
	}
	return target{network: "unix", addr: abs}, nil
}

func tcpTarget(s, hostport string) (target, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil || port == "" {
		return target{}, fmt.Errorf("address %q: want unix:///path/to.sock or host:port", s)
	}
	return target{network: "tcp", addr: net.JoinHostPort(host, port)}, nil
}

// probe checks that the daemon can be reached, in one clear line if not.
func probe(ctx context.Context, t target, timeout time.Duration) error {
	if t.network == "unix" {
		fi, err := os.Stat(t.addr)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			return fmt.Errorf("cctvd is not running: no socket at %s", t.addr)
		case errors.Is(err, fs.ErrPermission):
			return fmt.Errorf("permission denied on socket %s (cannot reach its folder)", t.addr)
		case err != nil:
			return fmt.Errorf("socket %s: %w", t.addr, err)
		case fi.Mode().Type() != fs.ModeSocket:
			return fmt.Errorf("%s is not a socket (is --addr right?)", t.addr)
		}
	}
	d := net.Dialer{Timeout: timeout}
	c, err := d.DialContext(ctx, t.network, t.addr)
	if err != nil {
		return dialError(t, err)
	}
	return c.Close()
}

// http2Preface is what a gRPC client sends first (RFC 9113, 3.4).
const http2Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

// answersHTTP1 reports whether what listens at t answers a gRPC client's
// first bytes in HTTP/1 ("HTTP/1.1 400 Bad Request"): a web server, such as
// cctvd's own --http port, which gRPC itself reports only as "http2: frame
// too large". A gRPC server answers with a binary SETTINGS frame instead.
func answersHTTP1(t target, timeout time.Duration) bool {
	if t.network != "tcp" {
		return false
	}
	timeout = min(timeout, 2*time.Second)
	c, err := net.DialTimeout(t.network, t.addr, timeout)
	if err != nil {
		return false
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return false
	}
	if _, err := io.WriteString(c, http2Preface); err != nil {
		return false
	}
	head := make([]byte, len("HTTP/1."))
	if _, err := io.ReadFull(c, head); err != nil {
		return false
	}
	return string(head) == "HTTP/1."
}

// dialError says why connecting to the daemon failed.
func dialError(t target, err error) error {
	switch {
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return fmt.Errorf("permission denied on socket %s (it needs read and write access; is your user in its group?)", t.addr)
	case errors.Is(err, syscall.ECONNREFUSED) && t.network == "unix":
		return fmt.Errorf("cctvd is not running: nothing listens on %s (stale socket)", t.addr)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cctvd is not running: connection refused by %s", t.addr)
	case errors.Is(err, syscall.ENOENT):
		return fmt.Errorf("cctvd is not running: no socket at %s", t.addr)
	default:
		return fmt.Errorf("cannot reach cctvd at %s: %w", t, err)
	}
}
