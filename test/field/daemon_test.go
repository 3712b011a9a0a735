package field

import (
	"bufio"
	"encoding/json"
	"errors"
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
)

// daemon is one run of the real cctvd binary.
type daemon struct {
	t    *testing.T
	cmd  *exec.Cmd
	http string // base URL
	grpc string // control plane address, as cctvctl takes it
	done chan error

	mu  sync.Mutex
	log []map[string]any
}

// startDaemon runs cctvd on root in the camera owner's time zone and waits
// until it serves HTTP and the control plane.
func startDaemon(t *testing.T, root string, args ...string) *daemon {
	t.Helper()
	d := &daemon{t: t, done: make(chan error, 1)}
	args = append([]string{"--root", root, "--http", "127.0.0.1:0", "--log-format", "json"}, args...)
	d.cmd = exec.Command(filepath.Join(binDir, "cctvd"), args...)
	d.cmd.Env = append(os.Environ(), "TZ="+zone)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := d.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := d.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	httpReady, grpcReady := make(chan string, 1), make(chan string, 1)
	go d.readLog(stderr, httpReady, grpcReady)
	timeout := time.After(60 * time.Second)
	for d.http == "" || d.grpc == "" {
		select {
		case a := <-httpReady:
			d.http = "http://" + a
		case d.grpc = <-grpcReady:
		case err := <-d.done:
			t.Fatalf("cctvd exited before serving: %v", err)
		case <-timeout:
			t.Fatal("cctvd did not serve HTTP and the control plane within 60 s")
		}
	}
	return d
}

func (d *daemon) readLog(r io.Reader, httpReady, grpcReady chan<- string) {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
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
		d.t.Log(sc.Text())
	}
	d.done <- d.cmd.Wait()
}

// logged counts log lines at level whose message contains msg.
func (d *daemon) logged(level, msg string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	n := 0
	for _, l := range d.log {
		if m, _ := l["msg"].(string); l["level"] == level && strings.Contains(m, msg) {
			n++
		}
	}
	return n
}

// stop sends SIGTERM and wants a clean exit.
func (d *daemon) stop(t *testing.T) {
	t.Helper()
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-d.done:
		if err != nil {
			t.Fatalf("cctvd after SIGTERM: %v", err)
		}
	case <-time.After(60 * time.Second):
		d.kill()
		t.Fatal("cctvd did not stop within 60 s of SIGTERM")
	}
}

// kill ends cctvd whatever it is doing and waits until its log is read.
func (d *daemon) kill() {
	d.cmd.Process.Kill()
	<-d.done
}

// ctl runs cctvctl against the daemon: stdout, stderr and exit code.
func (d *daemon) ctl(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "cctvctl"), append([]string{"--addr", d.grpc}, args...)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		return stdout.String(), stderr.String(), ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), 0
}

// dayStates asks cctvctl for every day's state.
func (d *daemon) dayStates(t *testing.T) map[string]string {
	t.Helper()
	out, errOut, code := d.ctl(t, "days", "--json")
	if code != 0 {
		t.Fatalf("cctvctl days --json: exit %d: %s", code, errOut)
	}
	var resp struct {
		Days []struct{ Date, State string }
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("cctvctl days --json: %v\n%s", err, out)
	}
	states := map[string]string{}
	for _, day := range resp.Days {
		states[day.Date] = strings.TrimPrefix(day.State, "DAY_STATE_")
	}
	return states
}

// get fetches a URL without following redirects.
func get(t *testing.T, url string) (int, string, http.Header) {
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

// waitFor polls f until it reports done: the daemon works in its own time.
// It fails the test after limit, naming what it waited for.
func waitFor(t *testing.T, what string, limit time.Duration, f func() (string, bool)) string {
	t.Helper()
	tick := time.NewTicker(200 * time.Millisecond)
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
