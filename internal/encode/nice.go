package encode

import (
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

// errNice is a failure to set the niceness of a process about to start.
var errNice = errors.New("set nice")

// StartNiced starts cmd at niceness nice (0 leaves it at cctvd's own) and
// returns the function that waits for it, to be called instead of
// cmd.Wait.
//
// Linux keeps a niceness per thread: setpriority(PRIO_PROCESS, pid) on a
// running ffmpeg renices its main thread only, and every thread it had
// made by then (demuxer, decoder, x265's pools) keeps full priority. A new
// process and all its threads inherit the niceness of the thread that
// forked it, so StartNiced sets it on a thread of its own, locked to a
// goroutine that never unlocks it, and forks from there (os/exec documents
// that a child inherits a locked thread's state). That thread waits for
// the child and then ends with its goroutine, so no other goroutine ever
// runs niced.
//
// Every child starts this way, at niceness 0 too, because of Pdeathsig: the
// kernel sends it when the thread that forked the child ends, not the
// process. Had a child been forked from an ordinary thread, a later
// StartNiced could lock that same thread and end it, and the child would be
// killed in the middle of its work (a real archive failed with "ffmpeg:
// signal: killed" that way). A thread locked for one child's whole life
// forks no other child and ends only after its child has.
//
// Not nice(1): it adds to cctvd's own niceness where the setting is
// absolute, it only warns and runs the program at full priority when the
// niceness cannot be set, and it is one more program that must be on PATH.
func StartNiced(cmd *exec.Cmd, nice int) (wait func() error, err error) {
	started := make(chan error, 1)
	waited := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with this goroutine
		if nice != 0 {
			if err := syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), nice); err != nil {
				started <- fmt.Errorf("%w %d: %w", errNice, nice, err)
				return
			}
		}
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		waited <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return sync.OnceValue(func() error { return <-waited }), nil
}
