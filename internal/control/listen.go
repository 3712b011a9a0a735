package control

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Socket and folder modes of a unix socket: the daemon's user and group
// may connect, nobody else.
const (
	socketMode    = 0o660
	socketDirMode = 0o750
)

// address is a parsed listen address.
type address struct {
	network string // "unix" or "tcp"
	addr    string // absolute socket path, or host:port
}

func (a address) String() string { return a.network + "://" + a.addr }

// loopback reports a TCP address only this machine can reach: localhost
// or a loopback IP. An empty host (all interfaces) is not.
func (a address) loopback() bool {
	if a.network != "tcp" {
		return false
	}
	host, _, _ := net.SplitHostPort(a.addr)
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// parseAddress accepts unix:///abs/path.sock, unix:rel/path.sock and
// tcp://host:port.
func parseAddress(s string) (address, error) {
	switch {
	case strings.HasPrefix(s, "unix:"):
		path := strings.TrimPrefix(strings.TrimPrefix(s, "unix:"), "//")
		if path == "" {
			return address{}, fmt.Errorf("address %q: no socket path", s)
		}
		abs, err := filepath.Abs(path)
		if err != nil {
			return address{}, fmt.Errorf("address %q: %w", s, err)
		}
		return address{network: "unix", addr: abs}, nil
	case strings.HasPrefix(s, "tcp://"):
		hostport := strings.TrimPrefix(s, "tcp://")
		if _, port, err := net.SplitHostPort(hostport); err != nil || port == "" {
			return address{}, fmt.Errorf("address %q: want tcp://host:port", s)
		}
		return address{network: "tcp", addr: hostport}, nil
	}
	return address{}, fmt.Errorf("address %q: want unix:///path/cctvd.sock or tcp://host:port", s)
}

// Listen opens the control plane's listener: for unix:///path/cctvd.sock
// the socket's folder is made (0750) if needed, a stale socket left by a
// daemon that died is removed (one that answers is not), and the socket
// is made 0660; tcp://host:port listens on TCP. Listen does not decide
// whether TCP needs TLS; New does.
func Listen(addr string) (net.Listener, error) {
	a, err := parseAddress(addr)
	if err != nil {
		return nil, err
	}
	if a.network == "tcp" {
		l, err := net.Listen("tcp", a.addr)
		if err != nil {
			return nil, fmt.Errorf("listen: %w", err)
		}
		return l, nil
	}
	return listenUnix(a.addr)
}

func listenUnix(path string) (net.Listener, error) {
	if err := os.MkdirAll(filepath.Dir(path), socketDirMode); err != nil {
		return nil, fmt.Errorf("listen: socket folder: %w", err)
	}
	if err := removeStale(path); err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	if err := os.Chmod(path, socketMode); err != nil {
		l.Close()
		return nil, fmt.Errorf("listen: %w", err)
	}
	return l, nil
}

// errInUse reports a socket another process answers on.
var errInUse = errors.New("another process is listening there (is cctvd already running?)")

// removeStale removes the socket file at path if nothing answers on it.
// Anything else at path is left alone and refused.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return err
	case fi.Mode().Type() != fs.ModeSocket:
		return fmt.Errorf("%s exists and is not a socket", path)
	}
	c, err := net.Dial("unix", path)
	if err == nil {
		c.Close()
		return fmt.Errorf("%s: %w", path, errInUse)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale socket: %w", err)
	}
	return nil
}
