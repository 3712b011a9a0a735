package testbin

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/encode"
)

// Main builds cctvd and cctvctl once into a temporary folder, sets *dir to
// it, runs the package's tests and removes the folder: a TestMain for tests
// that drive the real binaries.
func Main(m *testing.M, dir *string) {
	tmp, err := os.MkdirTemp("", "cctvd-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*dir = tmp
	if _, _, err := Build(context.Background(), tmp); err != nil {
		os.RemoveAll(tmp)
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(tmp)
	os.Exit(code)
}

// Daemon is one run of the real cctvd, started the way a user starts it,
// with its JSON log read line by line (and passed to the test's log).
type Daemon struct {
	// HTTP is the address the HTTP server bound (host:port), GRPC the
	// control plane's, as cctvd logs them.
	HTTP, GRPC string

	bin  string
	cmd  *exec.Cmd
	done chan error
	mu   sync.Mutex
	log  []map[string]any
	raw  strings.Builder // the log as written
}

// Start runs bin/cctvd with args (after --http 127.0.0.1:0 --log-format
// json) and env added to the test's environment, and waits until it
// serves HTTP and the control plane. cctvd is killed when the test ends.
func Start(t testing.TB, bin string, env []string, args ...string) *Daemon {
	t.Helper()
	return start(t, bin, env, true, args...)
}

// StartHTTP is Start for a cctvd without a control plane (--view): it
// waits until it serves HTTP.
func StartHTTP(t testing.TB, bin string, env []string, args ...string) *Daemon {
	t.Helper()
	return start(t, bin, env, false, args...)
}

func start(t testing.TB, bin string, env []string, grpc bool, args ...string) *Daemon {
	t.Helper()
	d := &Daemon{bin: bin, done: make(chan error, 1)}
	args = append([]string{"--http", "127.0.0.1:0", "--log-format", "json"}, args...)
	d.cmd = exec.Command(filepath.Join(bin, "cctvd"), args...)
	d.cmd.Env = append(os.Environ(), env...)
	// cctvd must not outlive the test, whatever ends it.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	// Not StderrPipe: its reader is closed by Wait, which would lose the
	// last lines of the log; Wait waits for this writer to be drained.
	stderr, logWriter := io.Pipe()
	d.cmd.Stderr = logWriter
	// Pdeathsig is sent when the forking thread ends: StartNiced forks
	// from a thread that lives as long as cctvd.
	wait, err := encode.StartNiced(d.cmd, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Kill)
	exited := make(chan error, 1)
	go func() {
		err := wait()
		logWriter.Close()
		exited <- err
	}()
	httpReady, grpcReady := make(chan string, 1), make(chan string, 1)
	go d.readLog(t, stderr, exited, httpReady, grpcReady)
	timeout := time.After(60 * time.Second)
	for d.HTTP == "" || grpc && d.GRPC == "" {
		select {
		case d.HTTP = <-httpReady:
		case d.GRPC = <-grpcReady:
		case err := <-d.done:
			d.done <- err
			t.Fatalf("cctvd exited before serving: %v", err)
		case <-timeout:
			t.Fatal("cctvd did not serve HTTP and the control plane within 60 s")
		}
	}
	return d
}

func (d *Daemon) readLog(t testing.TB, r io.Reader, exited <-chan error, httpReady, grpcReady chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		d.mu.Lock()
		d.raw.Write(sc.Bytes())
		d.raw.WriteByte('\n')
		d.mu.Unlock()
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			d.mu.Lock()
			d.log = append(d.log, line)
			d.mu.Unlock()
			msg, _ := line["msg"].(string)
			addr, _ := line["addr"].(string)
			switch {
			case msg == "serving http" && line["component"] == "http":
				httpReady <- addr
			case msg == "control plane listening":
				grpcReady <- addr
			}
		}
		t.Log(sc.Text())
	}
	io.Copy(io.Discard, r) // a line too long for the scanner must not block cctvd
	d.done <- <-exited
}

// Logged counts the log lines at level whose message contains msg and
// that have the attributes attrs, given as key, value, key, value…
func (d *Daemon) Logged(level, msg string, attrs ...string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, l := range d.log {
		if m, _ := l["msg"].(string); l["level"] == level && strings.Contains(m, msg) && hasAttrs(l, attrs) {
			n++
		}
	}
	return n
}

// hasAttrs reports a log line with every key, value pair of attrs.
func hasAttrs(line map[string]any, attrs []string) bool {
	for i := 0; i+1 < len(attrs); i += 2 {
		if fmt.Sprint(line[attrs[i]]) != attrs[i+1] {
			return false
		}
	}
	return true
}

// Log is everything cctvd has logged so far, as it wrote it.
func (d *Daemon) Log() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.raw.String()
}

// Signal sends cctvd a signal.
func (d *Daemon) Signal(sig os.Signal) error { return d.cmd.Process.Signal(sig) }

// Stop sends SIGTERM and wants a clean exit within limit.
func (d *Daemon) Stop(t testing.TB, limit time.Duration) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		d.done <- err
		if err != nil {
			t.Errorf("cctvd after SIGTERM: %v", err)
		}
	case <-time.After(limit):
		t.Errorf("cctvd still running %v after SIGTERM", limit)
		d.Kill()
	}
}

// Kill ends cctvd whatever it is doing and waits until its log is read.
func (d *Daemon) Kill() {
	d.cmd.Process.Kill()
	err := <-d.done
	d.done <- err
}

// Ctl runs cctvctl against the daemon: its stdout, stderr and exit code.
func (d *Daemon) Ctl(t testing.TB, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(d.bin, "cctvctl"), append([]string{"--addr", d.GRPC}, args...)...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return out.String(), errOut.String(), code
}

// Get fetches url as a player does, without following redirects.
func Get(t testing.TB, url string) (code int, body string, h http.Header) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b), resp.Header
}

// WaitFor polls f until it reports done, for what a running daemon does in
// its own time; it fails the test after limit, naming what it waited for.
func WaitFor(t testing.TB, what string, limit time.Duration, f func() (string, bool)) string {
	t.Helper()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(limit)
	for {
		v, done := f()
		if done {
			return v
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("gave up after %v waiting for %s; last: %s", limit, what, v)
		}
	}
}

// Base is the daemon's HTTP base URL, http://host:port.
func (d *Daemon) Base() string { return "http://" + d.HTTP }
