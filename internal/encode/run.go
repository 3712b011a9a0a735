package encode

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// stderrLines is how many of ffmpeg's last stderr lines an error keeps.
const stderrLines = 20

// waitDelay bounds how long Wait waits for pipes after ffmpeg was killed.
const waitDelay = 5 * time.Second

// FFmpegError is a failed ffmpeg or ffprobe run, with the last lines the
// program wrote to stderr.
type FFmpegError struct {
	// Program is the base name of the binary, such as "ffmpeg".
	Program string
	// Err is why the run failed: an *exec.ExitError, ErrStalled, ...
	Err error
	// Stderr holds the last lines of stderr, oldest first.
	Stderr []string
}

func (e *FFmpegError) Error() string {
	msg := e.Program + ": " + e.Err.Error()
	if n := len(e.Stderr); n > 0 {
		msg += ": " + e.Stderr[n-1]
	}
	return msg
}

func (e *FFmpegError) Unwrap() error { return e.Err }

// command prepares bin in its own process group that dies with this process
// (Pdeathsig) and is killed as a whole when ctx ends.
func command(ctx context.Context, bin string, args ...string) (*exec.Cmd, error) {
	path, err := exec.LookPath(bin)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrFFmpegMissing, err)
	}
	cmd := exec.CommandContext(ctx, path, args...)
	// Pdeathsig fires when the thread that forked the child ends, so the
	// child must be started with StartNiced, never cmd.Start.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = waitDelay
	return cmd, nil
}

// runFFmpeg runs s.FFmpeg with args (which must include -progress pipe:1),
// feeding it stdin, and returns its last progress report. The run fails
// unless ffmpeg exits 0 after reading all of stdin and reporting progress=end.
func runFFmpeg(ctx context.Context, s Settings, args []string, stdin io.Reader, onProgress func(Progress)) (Progress, error) {
	rctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	cmd, err := command(rctx, s.FFmpeg, args...)
	if err != nil {
		return Progress{}, err
	}
	stderr := &tail{max: stderrLines, flag: rewritesTimestamps}
	cmd.Stderr = stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return Progress{}, err
	}

	wd := startWatchdog(s.StallTimeout, func() { cancel(ErrStalled) })
	defer wd.stop()
	sink := &progressSink{wd: wd, fn: onProgress}
	pp := &progressParser{emit: sink.report}
	cmd.Stdout = failWriter{&lineWriter{line: pp.line}, func(err error) {
		cancel(fmt.Errorf("read progress: %w", err))
	}}

	wait, err := StartNiced(cmd, s.Nice)
	if err != nil {
		return Progress{}, startErr(ctx, err)
	}
	fed := make(chan error, 1)
	go func() { fed <- feed(in, stdin, cancel) }()

	waitErr := wait()
	feedErr := <-fed
	last := sink.last()
	return last, runErr(ctx, rctx, cmd, stderr, s.StallTimeout, waitErr, feedErr, last)
}

// progressSink passes ffmpeg's reports on, keeps the watchdog from firing
// while they advance, and keeps the last one.
type progressSink struct {
	wd *watchdog
	fn func(Progress)
	mu sync.Mutex
	p  Progress
}

func (s *progressSink) report(p Progress) {
	s.mu.Lock()
	if p.advancedFrom(s.p) {
		s.wd.kick()
	}
	s.p = p
	s.mu.Unlock()
	if s.fn != nil {
		s.fn(p)
	}
}

func (s *progressSink) last() Progress {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.p
}

// startErr explains why a command did not start.
func startErr(ctx context.Context, err error) error {
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, errNice):
		return err
	}
	return fmt.Errorf("%w: %w", ErrFFmpegMissing, err)
}

// runTool runs an ffmpeg or ffprobe command that reads no input at
// niceness nice, writing its standard output to stdout.
func runTool(ctx context.Context, bin string, nice int, stdout io.Writer, args ...string) error {
	cmd, err := command(ctx, bin, args...)
	if err != nil {
		return err
	}
	stderr := &tail{max: stderrLines}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	wait, err := StartNiced(cmd, nice)
	if err != nil {
		return startErr(ctx, err)
	}
	if err := wait(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return &FFmpegError{Program: filepath.Base(cmd.Path), Err: err, Stderr: stderr.Lines()}
	}
	return nil
}

// output runs a short command and returns its standard output.
func output(ctx context.Context, bin string, args ...string) ([]byte, error) {
	var out bytes.Buffer
	err := runTool(ctx, bin, 0, &out, args...)
	return out.Bytes(), err
}

// runErr decides how a finished run went, in order of what caused what.
func runErr(ctx, rctx context.Context, cmd *exec.Cmd, stderr *tail, stall time.Duration, waitErr, feedErr error, last Progress) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	fail := func(err error) error {
		return &FFmpegError{Program: filepath.Base(cmd.Path), Err: err, Stderr: stderr.Lines()}
	}
	var readErr *inputError
	switch cause := context.Cause(rctx); {
	case errors.As(cause, &readErr):
		return cause
	case errors.Is(cause, ErrStalled):
		return fail(fmt.Errorf("%w: no progress for %v", ErrStalled, stall))
	case cause != nil:
		return fail(cause)
	case waitErr != nil:
		return fail(waitErr)
	case feedErr != nil:
		return fail(fmt.Errorf("stopped reading its input: %w", feedErr))
	case stderr.flagged != "":
		return fail(fmt.Errorf("%w: %s", ErrTimestamps, stderr.flagged))
	case !last.Done:
		return fail(errors.New("exited without a final progress report"))
	}
	return nil
}

// inputError is a failure to read the caller's input.
type inputError struct{ err error }

func (e *inputError) Error() string { return "read input: " + e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// feed copies r into ffmpeg's stdin and closes it. If r fails, fail kills
// ffmpeg before it could see end of input and finish a truncated output.
func feed(w io.WriteCloser, r io.Reader, fail context.CancelCauseFunc) error {
	buf := make([]byte, 256<<10)
	for {
		n, rerr := r.Read(buf)
		if n > 0 {
			if _, err := w.Write(buf[:n]); err != nil {
				w.Close()
				return err
			}
		}
		switch {
		case rerr == io.EOF:
			return w.Close()
		case rerr != nil:
			fail(&inputError{rerr})
			return nil
		}
	}
}

// failWriter passes writes on and reports the first error to fail.
type failWriter struct {
	w    io.Writer
	fail func(error)
}

func (f failWriter) Write(b []byte) (int, error) {
	n, err := f.w.Write(b)
	if err != nil {
		f.fail(err)
	}
	return n, err
}
