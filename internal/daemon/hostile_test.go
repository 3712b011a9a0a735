package daemon_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHostileControlPlane runs the real daemon the ways an operator might
// expose its control plane by mistake, and cctvctl with the wrong keys.
func TestHostileControlPlane(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(secret, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	wrong := filepath.Join(t.TempDir(), "wrong")
	if err := os.WriteFile(wrong, []byte("guess\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	t.Run("tcp off loopback without tls and token refuses to start", func(t *testing.T) {
		for _, tt := range []struct {
			name string
			args []string
		}{
			{name: "all interfaces", args: []string{"--grpc", "tcp://0.0.0.0:0"}},
			{name: "all interfaces, v6", args: []string{"--grpc", "tcp://[::]:0"}},
			{name: "empty host", args: []string{"--grpc", "tcp://:0"}},
			{name: "token without tls", args: []string{"--grpc", "tcp://0.0.0.0:0", "--grpc-token-file", secret}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
				defer cancel()
				args := append([]string{"--root", t.TempDir(), "--http", ""}, tt.args...)
				out, err := exec.CommandContext(ctx, filepath.Join(bin, "cctvd"), args...).CombinedOutput()
				ee, ok := err.(*exec.ExitError)
				if !ok || ee.ExitCode() == 0 || ctx.Err() != nil {
					t.Fatalf("cctvd %v: %v (want a refusal to start)\n%s", tt.args, err, out)
				}
				if !strings.Contains(string(out), "needs TLS and a token") {
					t.Errorf("cctvd %v exited %d without naming what is missing:\n%s", tt.args, ee.ExitCode(), out)
				}
			})
		}
	})

	t.Run("unix socket is 0660 in a 0750 folder", func(t *testing.T) {
		root := t.TempDir()
		d, sock := start(t, root), filepath.Join(root, ".cctvd", "cctvd.sock")
		if d.GRPC != "unix://"+sock {
			t.Errorf("control plane on %s, want the default socket %s", d.GRPC, sock)
		}
		for _, c := range []struct {
			path string
			mode os.FileMode
		}{{sock, os.ModeSocket | 0o660}, {filepath.Dir(sock), os.ModeDir | 0o750}} {
			if fi, err := os.Stat(c.path); err != nil || fi.Mode() != c.mode {
				t.Errorf("%s: %v %v, want %v", c.path, fi.Mode(), err, c.mode)
			}
		}
	})

	t.Run("a wrong token is unauthenticated", func(t *testing.T) {
		d := start(t, t.TempDir(), "--grpc", "tcp://127.0.0.1:0", "--grpc-token-file", secret)
		for _, tt := range []struct {
			name string
			args []string
			code int
		}{
			{name: "no token", args: nil, code: 2},
			{name: "wrong token", args: []string{"--token-file", wrong}, code: 2},
			{name: "right token", args: []string{"--token-file", secret}, code: 0},
		} {
			t.Run(tt.name, func(t *testing.T) {
				stdout, stderr, code := d.Ctl(t, append(tt.args, "status")...)
				if code != tt.code {
					t.Fatalf("cctvctl status: exit %d, want %d\n%s%s", code, tt.code, stdout, stderr)
				}
				if tt.code != 0 && !strings.Contains(stderr, "not allowed") {
					t.Errorf("refused without saying so: %q", stderr)
				}
			})
		}
	})
}
