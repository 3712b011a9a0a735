package control

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseAddress(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in       string
		want     address
		loopback bool
		wantErr  bool
	}{
		{in: "unix:///run/cctvd/cctvd.sock", want: address{"unix", "/run/cctvd/cctvd.sock"}},
		{in: "unix:rel/cctvd.sock", want: address{"unix", filepath.Join(wd, "rel/cctvd.sock")}},
		{in: "tcp://127.0.0.1:7000", want: address{"tcp", "127.0.0.1:7000"}, loopback: true},
		{in: "tcp://127.1.2.3:7000", want: address{"tcp", "127.1.2.3:7000"}, loopback: true},
		{in: "tcp://[::1]:7000", want: address{"tcp", "[::1]:7000"}, loopback: true},
		{in: "tcp://localhost:7000", want: address{"tcp", "localhost:7000"}, loopback: true},
		{in: "tcp://:7000", want: address{"tcp", ":7000"}},
		{in: "tcp://0.0.0.0:7000", want: address{"tcp", "0.0.0.0:7000"}},
		{in: "tcp://192.168.1.2:7000", want: address{"tcp", "192.168.1.2:7000"}},
		{in: "tcp://cctv.lan:7000", want: address{"tcp", "cctv.lan:7000"}},
		{in: "tcp://cctv.lan", wantErr: true},
		{in: "unix://", wantErr: true},
		{in: "127.0.0.1:7000", wantErr: true},
		{in: "/run/cctvd.sock", wantErr: true},
		{in: "http://x:1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseAddress(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want || got.loopback() != tt.loopback {
				t.Errorf("got %+v (loopback %v), %v; want %+v (loopback %v), error %v",
					got, got.loopback(), err, tt.want, tt.loopback, tt.wantErr)
			}
		})
	}
}

func TestSocket(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "state", "run") // made by Listen
	sock := filepath.Join(dir, "cctvd.sock")
	l, err := Listen("unix://" + sock)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o660 {
		t.Errorf("socket %v, %v; want a socket with mode 0660", fi.Mode(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o750 {
		t.Errorf("socket folder %v, %v; want 0750", fi.Mode(), err)
	}

	// A second daemon on the same socket is refused; the first keeps it.
	if _, err := Listen("unix://" + sock); !errors.Is(err, errInUse) {
		t.Errorf("second listener: %v, want %v", err, errInUse)
	}
	if c, err := net.Dial("unix", sock); err != nil {
		t.Errorf("first listener lost its socket: %v", err)
	} else {
		c.Close()
	}

	// A socket nobody listens on (a daemon that died) is replaced.
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()
	l, err = Listen("unix://" + sock)
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	l.Close()
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("closing left the socket: %v", err)
	}

	// Anything else at the path is left alone.
	file := filepath.Join(dir, "file.sock")
	if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen("unix://" + file); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Errorf("over a file: %v", err)
	}
	if b, _ := os.ReadFile(file); string(b) != "keep" {
		t.Error("the file was touched")
	}
}

func TestTCPNeedsTLSAndTokenBeyondLoopback(t *testing.T) {
	pki := newPKI(t)
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{name: "all interfaces, nothing", cfg: Config{Addr: "tcp://0.0.0.0:0"}, wantErr: "needs TLS and a token"},
		{name: "empty host", cfg: Config{Addr: "tcp://:0"}, wantErr: "needs TLS and a token"},
		{name: "tls without token", cfg: Config{Addr: "tcp://0.0.0.0:0", TLSCert: pki.cert, TLSKey: pki.key}, wantErr: "needs TLS and a token"},
		{name: "token without tls", cfg: Config{Addr: "tcp://0.0.0.0:0", TokenFile: pki.token}, wantErr: "needs TLS and a token"},
		{name: "cert without key", cfg: Config{Addr: "tcp://127.0.0.1:0", TLSCert: pki.cert}, wantErr: "both a certificate and a key"},
		{name: "tls on a socket", cfg: Config{Addr: "unix://" + filepath.Join(t.TempDir(), "s.sock"), TLSCert: pki.cert, TLSKey: pki.key}, wantErr: "tls is for tcp"},
		{name: "bad cert", cfg: Config{Addr: "tcp://127.0.0.1:0", TLSCert: pki.token, TLSKey: pki.key}, wantErr: "tls:"},
		{name: "empty token", cfg: Config{Addr: "tcp://127.0.0.1:0", TokenFile: pki.empty}, wantErr: "is empty"},
		{name: "missing token file", cfg: Config{Addr: "tcp://127.0.0.1:0", TokenFile: pki.empty + ".x"}, wantErr: "token file"},
		{name: "bad address", cfg: Config{Addr: "127.0.0.1:7000"}, wantErr: "want unix:///path/cctvd.sock or tcp://host:port"},
		{name: "loopback, nothing", cfg: Config{Addr: "tcp://127.0.0.1:0"}},
		{name: "all interfaces, tls and token", cfg: Config{Addr: "tcp://0.0.0.0:0", TLSCert: pki.cert, TLSKey: pki.key, TokenFile: pki.token}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			days := fixtureDays()
			srv, err := New(tt.cfg, Deps{Cameras: OneCamera(days, newFakeArchiver(t, days), nil)}, testLogger(t))
			if err == nil {
				srv.Close()
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("got %v, want error %q", err, tt.wantErr)
			}
		})
	}
}

// TestServeStoppedAtOnce stops a server whose context ended before its
// gRPC server began to serve, as a SIGTERM right after start-up does: that
// is a clean stop, not "the server has been stopped" (cctvd exited 1 so,
// found by test/kill9's retention phase). Many rounds, since whether the
// serving goroutine has begun is up to the scheduler.
func TestServeStoppedAtOnce(t *testing.T) {
	for i := range 50 {
		days := fixtureDays()
		srv, err := New(Config{Addr: "unix://" + filepath.Join(t.TempDir(), "s.sock")}, Deps{Cameras: OneCamera(days, newFakeArchiver(t, days), nil)}, testLogger(t))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := srv.Serve(ctx); err != nil {
			t.Fatalf("round %d: Serve with its context ended: %v, want nil", i, err)
		}
	}
}
