package ctl

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestNotReachable(t *testing.T) {
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.sock")

	stale := filepath.Join(dir, "stale.sock")
	l, err := net.Listen("unix", stale)
	if err != nil {
		t.Fatal(err)
	}
	l.(*net.UnixListener).SetUnlinkOnClose(false)
	l.Close()

	file := filepath.Join(dir, "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}

	tl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedPort := tl.Addr().String()
	tl.Close()

	tests := []struct {
		name string
		env  string
		args []string
		want string
	}{
		{"no socket", "", []string{"status", "--addr", "unix://" + missing}, "cctvctl: cctvd is not running: no socket at " + missing + "\n"},
		{"no socket, from the environment", "unix://" + missing, []string{"days"}, "cctvctl: cctvd is not running: no socket at " + missing + " (from $CCTVD_ADDR)\n"},
		{"bare path", "", []string{"verify", "2026-11-18", "--addr", missing}, "cctvctl: cctvd is not running: no socket at " + missing + "\n"},
		{"stale socket", "", []string{"--addr", "unix://" + stale, "status"}, "cctvctl: cctvd is not running: nothing listens on " + stale + " (stale socket)\n"},
		{"not a socket", "", []string{"status", "--addr=" + file}, "cctvctl: " + file + " is not a socket (is --addr right?)\n"},
		{"tcp refused", "", []string{"status", "--addr", closedPort}, "cctvctl: cctvd is not running: connection refused by " + closedPort + "\n"},
		{"tcp scheme refused", "", []string{"status", "--addr", "tcp://" + closedPort}, "cctvctl: cctvd is not running: connection refused by " + closedPort + "\n"},
		{"bad address", "", []string{"status", "--addr", "http://x"}, "cctvctl: address \"http://x\": unknown scheme (want unix:// or tcp://)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := cli(tt.env)
			res := run(t, c, tt.args...)
			if res.code != exitError || res.stderr != tt.want || res.stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2, stderr %q", res.code, res.stdout, res.stderr, tt.want)
			}
		})
	}
}

func TestDialError(t *testing.T) {
	unix := target{network: "unix", addr: "/run/cctvd/cctvd.sock"}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"permission", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.EACCES)},
			"permission denied on socket /run/cctvd/cctvd.sock (it needs read and write access; is your user in its group?)"},
		{"refused", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)},
			"cctvd is not running: nothing listens on /run/cctvd/cctvd.sock (stale socket)"},
		{"gone", &net.OpError{Op: "dial", Net: "unix", Err: os.NewSyscallError("connect", syscall.ENOENT)},
			"cctvd is not running: no socket at /run/cctvd/cctvd.sock"},
		{"other", errors.New("boom"), "cannot reach cctvd at unix:///run/cctvd/cctvd.sock: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dialError(unix, tt.err).Error(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDefaultAddr(t *testing.T) {
	tests := []struct {
		name     string
		env      string
		system   bool // /run/cctvd/cctvd.sock exists
		want     string
		wantFrom string
	}{
		{"environment first", "unix:///x/y.sock", true, "unix:///x/y.sock", "from $CCTVD_ADDR"},
		{"system socket", "", true, "unix:///run/cctvd/cctvd.sock", "the default; set --addr or $CCTVD_ADDR"},
		{"daemon in the current folder", "", false, "unix://.cctvd/cctvd.sock", "the default; set --addr or $CCTVD_ADDR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := func(k string) string { return map[string]string{"CCTVD_ADDR": tt.env}[k] }
			exists := func(p string) bool { return tt.system && p == systemSocket }
			got, from := defaultAddr(env, exists)
			if got != tt.want || from != tt.wantFrom {
				t.Errorf("got %q (%s), want %q (%s)", got, from, tt.want, tt.wantFrom)
			}
		})
	}
}

func TestParseAddr(t *testing.T) {
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in      string
		want    target
		wantErr bool
	}{
		{in: "unix:///run/cctvd/cctvd.sock", want: target{"unix", "/run/cctvd/cctvd.sock"}},
		{in: "unix:rel/cctvd.sock", want: target{"unix", filepath.Join(wd, "rel/cctvd.sock")}},
		{in: "unix://.cctvd/cctvd.sock", want: target{"unix", filepath.Join(wd, ".cctvd/cctvd.sock")}},
		{in: "/srv/cctv/.cctvd/cctvd.sock", want: target{"unix", "/srv/cctv/.cctvd/cctvd.sock"}},
		{in: "./x.sock", want: target{"unix", filepath.Join(wd, "x.sock")}},
		{in: "127.0.0.1:7000", want: target{"tcp", "127.0.0.1:7000"}},
		{in: "tcp://cctv.lan:7000", want: target{"tcp", "cctv.lan:7000"}},
		{in: "[::1]:7000", want: target{"tcp", "[::1]:7000"}},
		{in: "cctv.lan", wantErr: true},
		{in: "cctv.lan:", wantErr: true},
		{in: "unix://", wantErr: true},
		{in: "https://cctv.lan:7000", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseAddr(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, error %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestStatusCodes(t *testing.T) {
	tests := []struct {
		name   string
		daemon *fakeDaemon
		args   []string
		want   string
	}{
		{"not found", &fakeDaemon{err: status.Error(codes.NotFound, "no day folder 2026-01-01")}, []string{"cancel", "2026-01-01"},
			"cctvctl: cancel 2026-01-01: not found: no day folder 2026-01-01\n"},
		{"invalid argument", &fakeDaemon{err: status.Error(codes.InvalidArgument, "date: not a date")}, []string{"verify", "2026-01-01"},
			"cctvctl: verify 2026-01-01: date: not a date\n"},
		{"failed precondition", &fakeDaemon{err: status.Error(codes.FailedPrecondition, "today is never converted")}, []string{"convert", "2026-01-01", "--force"},
			"cctvctl: convert 2026-01-01: today is never converted\n"},
		{"unavailable", &fakeDaemon{err: status.Error(codes.Unavailable, "shutting down")}, []string{"status"},
			"cctvctl: status: cctvd is not available: shutting down\n"},
		{"permission denied", &fakeDaemon{err: status.Error(codes.PermissionDenied, "bad token")}, []string{"days"},
			"cctvctl: days: not allowed: bad token\n"},
		{"internal", &fakeDaemon{err: status.Error(codes.Internal, "disk on fire")}, []string{"days"},
			"cctvctl: days: disk on fire (Internal)\n"},
		{"deadline", &fakeDaemon{hold: true}, []string{"days", "--timeout", "50ms"},
			"cctvctl: days: no answer from cctvd within 50ms (see --timeout)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			if res.code != exitError || res.stderr != tt.want {
				t.Errorf("exit %d, stderr %q; want exit 2, %q", res.code, res.stderr, tt.want)
			}
		})
	}
}

func TestUnimplemented(t *testing.T) {
	// A daemon that implements nothing, like one older than cctvctl.
	c, _, _ := cli(startDaemon(t, cctvv1.UnimplementedCctvServiceServer{}))
	res := run(t, c, "status")
	want := "cctvctl: status: cctvd does not support this request (is it older than cctvctl?)\n"
	if res.code != exitError || res.stderr != want {
		t.Errorf("exit %d, stderr %q; want %q", res.code, res.stderr, want)
	}
}

func TestExitCode(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{answerErr(errors.New("findings")), 1},
		{usageErr(errors.New("bad")), 2},
		{errors.New("other"), 2},
		{context.Canceled, 130},
		{status.Error(codes.Canceled, "x"), 130},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
