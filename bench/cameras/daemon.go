package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// daemon is one run of the real cctvd, its JSON log watched.
type daemon struct {
	cmd     *exec.Cmd
	base    string // http://127.0.0.1:PORT
	started time.Time
	exited  chan struct{}
	err     error

	mu     sync.Mutex
	seen   map[string][]time.Duration // since start, by log message
	errors []string
}

// startDaemon runs bin with args after --http on a free port and
// --log-format json; the log goes to logFile as well.
func startDaemon(bin string, logFile io.Writer, args ...string) (*daemon, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	d := &daemon{base: "http://127.0.0.1:" + port, exited: make(chan struct{}), seen: map[string][]time.Duration{}}
	d.cmd = exec.Command(bin, append([]string{"--http", "127.0.0.1:" + port, "--log-format", "json"}, args...)...)
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := d.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	d.cmd.Stderr = d.cmd.Stdout
	d.started = time.Now()
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start cctvd: %w", err)
	}
	read := make(chan struct{})
	go func() {
		defer close(read)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			line := sc.Bytes()
			fmt.Fprintf(logFile, "%s\n", line)
			var l struct{ Level, Msg string }
			at := time.Since(d.started)
			d.mu.Lock()
			if json.Unmarshal(line, &l) != nil || l.Level == "ERROR" {
				d.errors = append(d.errors, string(line))
			}
			d.seen[l.Msg] = append(d.seen[l.Msg], at)
			d.mu.Unlock()
		}
	}()
	go func() {
		<-read
		d.err = d.cmd.Wait()
		close(d.exited)
	}()
	return d, nil
}

// logged returns when each line with message msg came, since start.
func (d *daemon) logged(msg string) []time.Duration {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]time.Duration(nil), d.seen[msg]...)
}

// loggedErrors returns the lines of level ERROR and those that are not JSON.
func (d *daemon) loggedErrors() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.errors...)
}

// stop asks cctvd to shut down and waits for it.
func (d *daemon) stop() error {
	d.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-d.exited:
	case <-time.After(30 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
		return fmt.Errorf("cctvd still running 30 s after SIGTERM")
	}
	if d.err != nil {
		return fmt.Errorf("cctvd exited with %w", d.err)
	}
	return nil
}

// waitFor polls cond every interval until it holds, cctvd exits or ctx
// ends, and returns how long after cctvd's start it held.
func (d *daemon) waitFor(ctx context.Context, interval time.Duration, cond func() bool) (time.Duration, error) {
	for {
		if cond() {
			return time.Since(d.started), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-d.exited:
			return 0, fmt.Errorf("cctvd exited: %v", d.err)
		case <-time.After(interval):
		}
	}
}

// healthy reports whether /healthz answers 200.
func (d *daemon) healthy() bool {
	res, err := http.Get(d.base + "/healthz")
	if err != nil {
		return false
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// metric sums a metric's samples over its labels, from /metrics.
func (d *daemon) metric(name string) (float64, error) {
	res, err := http.Get(d.base + "/metrics")
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	var sum float64
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name+"{") && !strings.HasPrefix(line, name+" ") {
			continue
		}
		f := strings.Fields(line)
		v, err := strconv.ParseFloat(f[len(f)-1], 64)
		if err != nil {
			return 0, fmt.Errorf("metric %s: %w", name, err)
		}
		sum += v
	}
	return sum, sc.Err()
}

func freePort() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port), nil
}

// proc is what /proc says of a process: CPU time of it and its waited-for
// children, and its resident memory now and at peak.
type proc struct {
	cpu, childCPU time.Duration
	rss, peakRSS  int64 // bytes
}

func readProc(pid int) proc {
	var p proc
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err == nil {
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		// Fields from the state on: utime, stime, cutime, cstime are 11–14.
		if len(f) > 14 {
			p.cpu = ticks(f[11]) + ticks(f[12])
			p.childCPU = ticks(f[13]) + ticks(f[14])
		}
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			k, v, _ := strings.Cut(line, ":")
			kib, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			switch k {
			case "VmRSS":
				p.rss = kib << 10
			case "VmHWM":
				p.peakRSS = kib << 10
			}
		}
	}
	return p
}

// ticks reads /proc's clock ticks (USER_HZ, 100 on every Linux that matters).
func ticks(s string) time.Duration {
	n, _ := strconv.ParseInt(s, 10, 64)
	return time.Duration(n) * 10 * time.Millisecond
}

// machineCPU is the machine's busy and total CPU time so far, all cores,
// from /proc/stat; idle and iowait are not busy.
func machineCPU() (busy, total time.Duration) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	for i, v := range f[1:min(len(f), 9)] {
		total += ticks(v)
		if i != 3 && i != 4 {
			busy += ticks(v)
		}
	}
	return busy, total
}
