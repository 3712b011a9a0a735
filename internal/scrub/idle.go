package scrub

import "os"

// IdleIO puts the calling thread's I/O in the idle class, for other
// packages that read archives in the background (off-site uploads). Call
// it on a goroutine locked to its OS thread and never unlocked, as
// hashFile does, so that no other goroutine runs on that thread.
func IdleIO() error { return idleIO() }

// DropCache tells the kernel the file's pages will not be read again soon.
func DropCache(f *os.File) { dropCache(f) }
