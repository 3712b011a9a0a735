package scrub

import (
	"os"

	"golang.org/x/sys/unix"
)

// ioprio_set(2)'s constants; x/sys has the syscall number only.
const (
	ioprioWhoProcess = 1 // a thread, by its tid (0: the caller)
	ioprioClassIdle  = 3
	ioprioClassShift = 13
)

// idleIO puts the calling thread's I/O in the idle class: it is served
// only when no other I/O wants the disk.
func idleIO() error {
	_, _, errno := unix.Syscall(unix.SYS_IOPRIO_SET, ioprioWhoProcess, 0, ioprioClassIdle<<ioprioClassShift)
	if errno != 0 {
		return os.NewSyscallError("ioprio_set", errno)
	}
	return nil
}

// ioClass is the calling thread's I/O class, for tests.
func ioClass() (int, error) {
	r, _, errno := unix.Syscall(unix.SYS_IOPRIO_GET, ioprioWhoProcess, 0, 0)
	if errno != 0 {
		return 0, os.NewSyscallError("ioprio_get", errno)
	}
	return int(r) >> ioprioClassShift, nil
}

// dropCache tells the kernel the file's pages will not be read again soon.
func dropCache(f *os.File) {
	unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED)
}
