package daemon_test

import (
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
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
