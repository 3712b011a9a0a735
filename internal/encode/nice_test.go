package encode

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestStartNicedEveryThread starts a real ffmpeg whose x265 encoder runs
// several threads, waits until it encodes, and reads the niceness of each
// of its threads: all must have it, not only those made after a renice of
// the main one. The thread that called StartNiced keeps its own.
func TestStartNicedEveryThread(t *testing.T) {
	needFFmpeg(t)
	own := niceness(t, "/proc/thread-self/stat")
	// Any niceness other than the caller's shows inheritance; one under
	// the caller's needs privilege (CI runs as root, at 0).
	want := own + 5
	if want > 19 {
		want = own - 5
	}
	runtime.LockOSThread() // so that /proc/thread-self is the caller's thread
	defer runtime.UnlockOSThread()

	cmd := exec.CommandContext(t.Context(), "ffmpeg", "-hide_banner", "-nostdin", "-v", "error",
		"-re", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25",
		"-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error:pools=4:frame-threads=2",
		"-progress", "pipe:1", "-stats_period", "0.1", "-f", "null", "-")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	wait, err := StartNiced(cmd, want)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		cmd.Process.Kill()
		wait()
	}()
	if got := niceness(t, "/proc/thread-self/stat"); got != own {
		t.Errorf("the caller's thread has niceness %d, want its own %d", got, own)
	}

	// A progress report with a frame encoded: the encoder's threads run.
	lines := bufio.NewScanner(stdout)
	for lines.Scan() {
		if frame, ok := strings.CutPrefix(lines.Text(), "frame="); ok && frame != "0" {
			break
		}
	}
	if err := lines.Err(); err != nil || lines.Text() == "" {
		t.Fatalf("ffmpeg reported no frame encoded: %v", err)
	}
	tasks, err := filepath.Glob("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/task/*/stat")
	if err != nil {
		t.Fatal(err)
	}
	if len(tasks) < 4 {
		t.Fatalf("ffmpeg runs %d threads, want a multi-threaded one (4 or more)", len(tasks))
	}
	// x265's pool workers nice themselves by 10 more: each thread runs at
	// want or nicer, none at less.
	at := 0
	for _, task := range tasks {
		got := niceness(t, task)
		if got < want {
			t.Errorf("%s: niceness %d, want %d or more", task, got, want)
		}
		if got == want {
			at++
		}
	}
	t.Logf("%d threads, %d at niceness %d", len(tasks), at, want)
}

func TestStartNicedErrors(t *testing.T) {
	for _, nice := range []int{0, 5} {
		t.Run("the exit status at nice "+strconv.Itoa(nice), func(t *testing.T) {
			wait, err := StartNiced(exec.Command("sh", "-c", "exit 3"), nice)
			if err != nil {
				t.Fatal(err)
			}
			var exit *exec.ExitError
			if err := wait(); !errors.As(err, &exit) || exit.ExitCode() != 3 {
				t.Errorf("wait = %v, want exit status 3", err)
			}
		})
	}
	t.Run("a program that cannot start", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "ffmpeg")
		if err := os.WriteFile(bin, []byte("not a program"), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := StartNiced(exec.Command(bin), 5); !errors.Is(err, os.ErrPermission) {
			t.Errorf("StartNiced = %v, want permission denied", err)
		}
	})
	t.Run("below zero only with privilege", func(t *testing.T) {
		// The child reads its own niceness: cat prints /proc/self/stat.
		var stat bytes.Buffer
		cmd := exec.Command("cat", "/proc/self/stat")
		cmd.Stdout = &stat
		wait, err := StartNiced(cmd, -1)
		if os.Geteuid() != 0 {
			if !errors.Is(err, errNice) || !errors.Is(err, syscall.EACCES) {
				t.Errorf("StartNiced = %v, want set nice: permission denied", err)
			}
			return
		}
		if err != nil {
			t.Fatalf("StartNiced as root = %v, want the child at niceness -1", err)
		}
		if err := wait(); err != nil {
			t.Fatal(err)
		}
		if got := parseNiceness(t, "cat's stat", stat.String()); got != -1 {
			t.Errorf("the child runs at niceness %d, want -1", got)
		}
	})
}

// niceness reads the niceness of a thread from its /proc stat file.
func niceness(t *testing.T, stat string) int {
	t.Helper()
	b, err := os.ReadFile(stat)
	if err != nil {
		t.Fatal(err)
	}
	return parseNiceness(t, stat, string(b))
}

// parseNiceness reads the niceness from the text of a /proc stat file:
// field 19; field 2, the command, is in parentheses and may hold spaces.
func parseNiceness(t *testing.T, name, s string) int {
	t.Helper()
	fields := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(fields) < 19-2 {
		t.Fatalf("%s: %q is not a stat line", name, s)
	}
	n, err := strconv.Atoi(fields[19-3])
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// TestStartNicedOutlivesTheCallersThread starts a child that dies with the
// thread that forked it (Pdeathsig, as every ffmpeg of cctvd) from a
// goroutine whose thread then ends, as a StartNiced thread ends when its
// ffmpeg is done. The child must live on until it is stopped.
func TestStartNicedOutlivesTheCallersThread(t *testing.T) {
	for _, nice := range []int{0, 5} {
		t.Run("at nice "+strconv.Itoa(nice), func(t *testing.T) {
			cmd, err := command(t.Context(), "sleep", "60")
			if err != nil {
				t.Fatal(err)
			}
			type started struct {
				wait func() error
				err  error
				tid  int
			}
			done := make(chan started, 1)
			var s started
			for s.tid == 0 {
				go func() {
					runtime.LockOSThread()
					if syscall.Gettid() == os.Getpid() {
						// The main thread never ends; try another.
						runtime.UnlockOSThread()
						done <- started{}
						return
					}
					wait, err := StartNiced(cmd, nice)
					done <- started{wait, err, syscall.Gettid()} // the thread ends with this goroutine
				}()
				s = <-done
			}
			if s.err != nil {
				t.Fatal(s.err)
			}
			task := fmt.Sprintf("/proc/self/task/%d", s.tid)
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
				if _, err := os.Stat(task); errors.Is(err, os.ErrNotExist) {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the caller's thread %d did not end", s.tid)
				}
			}
			if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatalf("the child is gone once the caller's thread ended: %v", err)
			}
			var exit *exec.ExitError
			err = s.wait()
			if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
				t.Errorf("the child ended with %v, want our SIGTERM (SIGKILL is its Pdeathsig)", err)
			}
		})
	}
}
