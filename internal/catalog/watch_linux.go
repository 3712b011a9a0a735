package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// inotify watches with inotify(7) directly: fsnotify v1.10 keeps
// close-after-write unexported, and IN_CLOSE_WRITE is what tells a file
// copied in by sftp or scp is complete without waiting for it to settle.
type inotify struct {
	root string
	fd   int
	f    *os.File
	log  *slog.Logger
	ch   chan event
	done chan struct{}

	mu   sync.Mutex
	dirs map[int]string // watch descriptor → folder ("" is the root)
	wds  map[string]int
}

const (
	rootMask = unix.IN_CREATE | unix.IN_MOVED_TO | unix.IN_MOVED_FROM | unix.IN_DELETE |
		unix.IN_ONLYDIR | unix.IN_DONT_FOLLOW
	dayMask = rootMask | unix.IN_MODIFY | unix.IN_CLOSE_WRITE | unix.IN_ATTRIB |
		unix.IN_DELETE_SELF | unix.IN_MOVE_SELF | unix.IN_EXCL_UNLINK
)

func newWatcher(root string, log *slog.Logger) (watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("inotify: %w", err)
	}
	w := &inotify{root: root, fd: fd, f: os.NewFile(uintptr(fd), "inotify"), log: log,
		ch: make(chan event, 4096), done: make(chan struct{}), dirs: map[int]string{}, wds: map[string]int{}}
	go w.read()
	return w, nil
}

func (w *inotify) add(dir string) error {
	mask := uint32(dayMask)
	if dir == "" {
		mask = rootMask
	}
	wd, err := unix.InotifyAddWatch(w.fd, filepath.Join(w.root, dir), mask)
	if err != nil {
		return fmt.Errorf("watch %q: %w", dir, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if old, ok := w.wds[dir]; ok && old != wd {
		delete(w.dirs, old)
	}
	w.dirs[wd], w.wds[dir] = dir, wd
	return nil
}

func (w *inotify) remove(dir string) {
	w.mu.Lock()
	wd, ok := w.wds[dir]
	delete(w.wds, dir)
	delete(w.dirs, wd)
	w.mu.Unlock()
	if ok {
		unix.InotifyRmWatch(w.fd, uint32(wd)) // the folder may be gone already
	}
}

func (w *inotify) events() <-chan event { return w.ch }

func (w *inotify) close() error {
	close(w.done)
	return w.f.Close()
}

func (w *inotify) send(e event) {
	select {
	case w.ch <- e:
	case <-w.done:
	}
}

func (w *inotify) read() {
	defer close(w.ch)
	buf := make([]byte, 64*1024)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			if !errors.Is(err, os.ErrClosed) {
				w.log.Error("inotify read failed", "err", err)
			}
			return
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			raw := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			name := buf[off+unix.SizeofInotifyEvent : off+unix.SizeofInotifyEvent+int(raw.Len)]
			if i := bytes.IndexByte(name, 0); i >= 0 {
				name = name[:i]
			}
			off += unix.SizeofInotifyEvent + int(raw.Len)
			w.translate(int(raw.Wd), raw.Mask, string(name))
		}
	}
}

func (w *inotify) translate(wd int, mask uint32, name string) {
	if mask&unix.IN_Q_OVERFLOW != 0 {
		w.send(event{op: opOverflow})
		return
	}
	w.mu.Lock()
	dir, ok := w.dirs[wd]
	if mask&unix.IN_IGNORED != 0 && ok {
		delete(w.dirs, wd)
		if w.wds[dir] == wd {
			delete(w.wds, dir)
		}
	}
	w.mu.Unlock()
	if !ok {
		return
	}
	e := event{dir: dir, name: name, isDir: mask&unix.IN_ISDIR != 0}
	switch {
	case mask&(unix.IN_DELETE_SELF|unix.IN_MOVE_SELF) != 0:
		e.op, e.name = opDirGone, ""
	case mask&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0:
		e.op = opGone
	case mask&unix.IN_MOVED_TO != 0:
		e.op = opMovedIn
	case mask&unix.IN_CREATE != 0:
		e.op = opCreate
	case mask&unix.IN_CLOSE_WRITE != 0:
		e.op = opClosed
	case mask&unix.IN_MODIFY != 0:
		e.op = opWrite
	case mask&unix.IN_ATTRIB != 0:
		e.op = opAttrib
	default:
		return
	}
	w.send(e)
}
