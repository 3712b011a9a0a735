package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/cctvd/cctvd/internal/encode"
	"golang.org/x/sys/unix"
)

// daemon is one run of cctvd.
type daemon struct {
	cmd     *exec.Cmd
	started time.Time
	log     *logWatch
	exited  chan struct{} // closed once Wait returned; err is then set
	err     error
}

// startDaemon runs cctvd with its log, JSON, appended to logFile.
func startDaemon(bin string, args []string, logFile io.Writer) (*daemon, error) {
	d := &daemon{exited: make(chan struct{}), started: time.Now()}
	d.cmd = exec.Command(bin, args...)
	d.log = &logWatch{out: logFile, started: d.started, running: make(chan struct{}), events: map[string]int{},
		begun: map[string]time.Time{}, resumed: map[string]bool{}, fresh: map[string]time.Duration{}}
	d.cmd.Stdout, d.cmd.Stderr = d.log, d.log
	// cctvd must not outlive this program, whatever ends it.
	d.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	d.cmd.WaitDelay = 5 * time.Second
	// Pdeathsig is sent when the forking thread ends: StartNiced forks
	// from a thread that lives as long as cctvd.
	wait, err := encode.StartNiced(d.cmd, 0)
	if err != nil {
		return nil, fmt.Errorf("start cctvd: %w", err)
	}
	go func() {
		d.err = wait()
		close(d.exited)
	}()
	return d, nil
}

// kill sends SIGKILL and waits for cctvd to be gone; it fails if cctvd
// had exited by itself before.
func (d *daemon) kill() error {
	select {
	case <-d.exited:
		return fmt.Errorf("cctvd exited by itself before the kill: %v", d.err)
	default:
	}
	if err := d.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill cctvd: %w", err)
	}
	<-d.exited
	var ee *exec.ExitError
	if !errors.As(d.err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		return fmt.Errorf("cctvd ended with %v, not by the SIGKILL", d.err)
	}
	return nil
}

// stop asks cctvd to shut down (SIGTERM) and wants it to exit cleanly.
// It waits for cctvd to say it is running first: a SIGTERM that lands
// while the Go runtime is still starting, before cctvd's handler is in
// place, kills it the default way, which says nothing about cctvd.
func (d *daemon) stop() error {
	select {
	case <-d.log.running:
	case <-d.exited:
		return fmt.Errorf("cctvd exited by itself before the SIGTERM: %v", d.err)
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
		return errors.New("cctvd did not say it was running within 15 s")
	}
	if err := d.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return fmt.Errorf("stop cctvd: %w", err)
	}
	select {
	case <-d.exited:
	case <-time.After(15 * time.Second):
		d.cmd.Process.Kill()
		<-d.exited
		return errors.New("cctvd still running 15 s after SIGTERM")
	}
	if d.err != nil {
		return fmt.Errorf("cctvd exited with %w after SIGTERM", d.err)
	}
	return nil
}

// logWatch copies cctvd's log to a file and keeps what the harness needs:
// the archive events it counts and every error cctvd logged.
type logWatch struct {
	out     io.Writer
	started time.Time
	running chan struct{} // closed at cctvd's "cctvd running" line

	mu       sync.Mutex
	partial  []byte
	events   map[string]int // by message, of the messages in counted
	errors   []string       // whole lines of level ERROR, and lines that are not JSON
	firstJob time.Duration  // when the first day's archiving began, since start; 0: not yet
	// Days archived from scratch in this run, and how long each took,
	// keyed as dayFootage.name:
	// the pace of the machine now, against the calibration run's.
	begun   map[string]time.Time
	resumed map[string]bool
	fresh   map[string]time.Duration
}

// counted are the log messages that tell how cctvd recovered from a kill.
var counted = []string{
	"archiving day",
	"day archived",
	"interrupted run will resume",
	"resuming",
	"finishing an interrupted commit",
	"removed temporary files of an interrupted run",
	"removing work folder without a usable manifest",
	"joining again",
	"verified archive missing; the day will be joined again",
	"plan or settings changed; encoding afresh",
	"archive without checksum set aside; the day's segments will be archived anew",
}

func (w *logWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := w.out.Write(p); err != nil {
		return 0, err
	}
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(w.partial[:i])
		w.partial = w.partial[i+1:]
	}
	return len(p), nil
}

func (w *logWatch) line(b []byte) {
	var l struct{ Level, Msg, Camera, Day, Err string }
	if err := json.Unmarshal(b, &l); err != nil {
		// cctvd prints "cctvd: <err>" when it fails to start.
		w.errors = append(w.errors, string(b))
		return
	}
	// A day is keyed as dayFootage.name: DATE, or NAME/DATE for a named
	// camera, whose lines carry its name.
	if l.Camera != "" && l.Day != "" {
		l.Day = l.Camera + "/" + l.Day
	}
	// A work folder without a manifest is what a kill leaves between its
	// mkdir and the manifest's first write, or in the removal that ends a
	// commit; a manifest that cannot be read means its atomic write is not.
	if l.Level == "ERROR" || (l.Msg == "removing work folder without a usable manifest" && l.Err != "") {
		w.errors = append(w.errors, string(b))
	}
	for _, m := range counted {
		if l.Msg == m {
			w.events[m]++
		}
	}
	switch l.Msg {
	case "cctvd running":
		select {
		case <-w.running:
		default:
			close(w.running)
		}
	case "archiving day":
		if w.firstJob == 0 {
			w.firstJob = max(time.Since(w.started), time.Nanosecond)
		}
		w.begun[l.Day] = time.Now()
	case "interrupted run will resume", "finishing an interrupted commit":
		w.resumed[l.Day] = true
	case "day archived":
		if t, ok := w.begun[l.Day]; ok && !w.resumed[l.Day] {
			w.fresh[l.Day] = time.Since(t)
		}
	}
}

// freshDays returns how long each day archived from scratch took.
func (w *logWatch) freshDays() map[string]time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.fresh)
}

// snapshot returns the counted events, the errors and when the first job began.
func (w *logWatch) snapshot() (map[string]int, []string, time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return maps.Clone(w.events), slices.Clone(w.errors), w.firstJob
}

// waitOrphans waits until no process mentions dir on its command line:
// cctvd's ffmpeg children die with it (Pdeathsig), but a moment later, and
// the next cctvd must not start while one still writes into the state.
func waitOrphans(dir string) error {
	deadline := time.Now().Add(10 * time.Second)
	for _, p := range processesMentioning(dir) {
		fd, err := unix.PidfdOpen(p.pid, 0)
		if err != nil {
			continue // gone already
		}
		// A pidfd becomes readable when its process ends.
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(max(time.Until(deadline), 0).Milliseconds()))
		for errors.Is(err, unix.EINTR) {
			n, err = unix.Poll(fds, int(max(time.Until(deadline), 0).Milliseconds()))
		}
		unix.Close(fd)
		if n == 0 || err != nil {
			return fmt.Errorf("process %d (%s) outlived the killed cctvd by 10 s", p.pid, p.cmdline)
		}
	}
	return nil
}

type process struct {
	pid     int
	cmdline string
}

func processesMentioning(dir string) []process {
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var found []process
	for _, p := range procs {
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		b, err := os.ReadFile(p)
		if pid == os.Getpid() || err != nil || !bytes.Contains(b, []byte(dir)) {
			continue
		}
		found = append(found, process{pid, string(bytes.ReplaceAll(bytes.TrimRight(b, "\x00"), []byte{0}, []byte{' '}))})
	}
	return found
}
