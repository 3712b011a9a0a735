package scrub

import (
	"runtime"
	"testing"
)

// TestIdleIO: the scrubbing thread can be put in the idle I/O class.
func TestIdleIO(t *testing.T) {
	done := make(chan [2]any)
	go func() {
		runtime.LockOSThread() // never unlocked: this thread ends with the goroutine
		err := idleIO()
		class, gerr := ioClass()
		done <- [2]any{err, [2]any{class, gerr}}
	}()
	r := <-done
	if r[0] != nil {
		t.Fatalf("ioprio_set: %v", r[0])
	}
	if got := r[1].([2]any); got[0] != ioprioClassIdle || got[1] != nil {
		t.Errorf("I/O class %v (%v), want %d", got[0], got[1], ioprioClassIdle)
	}
	// This goroutine's thread is not affected.
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if c, _ := ioClass(); c == ioprioClassIdle {
		t.Error("the test's own thread is idle too")
	}
}
