package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// daemon is a running cctvd.
type daemon struct {
	cmd  *exec.Cmd
	addr string // its HTTP address, host:port
	sock string // its gRPC unix socket
	done chan error

	mu       sync.Mutex
	warnings []string // WARN and ERROR log lines, as logged
}

// startDaemon runs cctvd on root with HTTP on a port of the kernel's
// choosing; the address is read back from its "serving http" log line.
// Its log goes to logPath as well.
func startDaemon(ctx context.Context, bin, root, logPath string, args ...string) (*daemon, error) {
	d := &daemon{sock: filepath.Join(root, ".cctvd", "cctvd.sock"), done: make(chan error, 1)}
	args = append([]string{"--root", root, "--http", "127.0.0.1:0", "--log-format", "json"}, args...)
	d.cmd = exec.Command(bin, args...)
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("start cctvd: %w", err)
	}
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("start cctvd: %w", err)
	}
	if err := d.cmd.Start(); err != nil {
		logf.Close()
		return nil, fmt.Errorf("start cctvd: %w", err)
	}
	ready := make(chan string, 1)
	go func() {
		defer logf.Close()
		d.readLog(stderr, logf, ready)
		d.done <- d.cmd.Wait()
	}()
	select {
	case d.addr = <-ready:
		return d, nil
	case err := <-d.done:
		return nil, fmt.Errorf("cctvd exited before serving http: %v (log: %s)", err, logPath)
	case <-time.After(60 * time.Second):
		d.stop()
		return nil, fmt.Errorf("cctvd did not serve http within 60 s (log: %s)", logPath)
	case <-ctx.Done():
		d.stop()
		return nil, ctx.Err()
	}
}

func (d *daemon) readLog(r io.Reader, w io.Writer, ready chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		fmt.Fprintln(w, sc.Text())
		var line struct{ Level, Msg, Addr, Component string }
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		switch {
		case line.Msg == "serving http" && line.Component == "http":
			select {
			case ready <- line.Addr:
			default:
			}
		case line.Level == "WARN" || line.Level == "ERROR":
			d.mu.Lock()
			d.warnings = append(d.warnings, sc.Text())
			d.mu.Unlock()
		}
	}
	io.Copy(io.Discard, r) // a line too long for the scanner must not block cctvd
}

// logged returns the WARN and ERROR lines cctvd has logged so far.
func (d *daemon) logged() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.warnings...)
}

// stop asks cctvd to shut down and kills it if it has not within 20 s.
func (d *daemon) stop() error {
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-d.done:
		if err != nil {
			return fmt.Errorf("cctvd exited: %w", err)
		}
		return nil
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill()
		<-d.done
		return errors.New("cctvd did not stop within 20 s of SIGTERM: killed")
	}
}
