package daemon_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSystemdNotify runs cctvd as systemd's Type=notify does: READY=1
// arrives once HTTP answers, STOPPING=1 once SIGTERM is taken.
func TestSystemdNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "notify.sock")
	ln, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: sock, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ln.SetDeadline(time.Now().Add(60 * time.Second))

	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := free.Addr().String()
	free.Close()
	cmd := exec.Command(filepath.Join(bin, "cctvd"), "--root", t.TempDir(), "--http", addr)
	cmd.Env = append(cmd.Environ(), "NOTIFY_SOCKET="+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { cmd.Process.Kill(); <-done })

	buf := make([]byte, 256)
	n, err := ln.Read(buf)
	if err != nil || string(buf[:n]) != "READY=1" {
		t.Fatalf("first notification %q, %v; want READY=1", buf[:n], err)
	}
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatalf("READY=1 came before HTTP answers: %v", err)
	}
	resp.Body.Close()

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if n, err = ln.Read(buf); err != nil || string(buf[:n]) != "STOPPING=1" {
		t.Errorf("after SIGTERM %q, %v; want STOPPING=1", buf[:n], err)
	}
	if err := <-done; err != nil {
		t.Errorf("cctvd after SIGTERM: %v", err)
	}
	done <- nil
}

// TestTakenPortFailsStartUp: a port already in use stops cctvd before it
// runs anything, with the address in the error, and leaves no socket.
func TestTakenPortFailsStartUp(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	root := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, filepath.Join(bin, "cctvd"), "--root", root, "--http", taken.Addr().String()).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() == 0 || ctx.Err() != nil {
		t.Fatalf("cctvd on a taken port: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "address already in use") {
		t.Errorf("the error does not say the port is taken:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(root, ".cctvd", "cctvd.sock")); !os.IsNotExist(err) {
		t.Errorf("control socket left behind: %v", err)
	}
}
