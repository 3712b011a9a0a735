package archive

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"time"
)

// lockState creates the state folder and locks it for this process. The
// lock goes with the process, however it ends.
func lockState(dir string) (*os.File, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("state folder: %w", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, "archive.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("state folder: %w", err)
	}
	// A lock let go a moment ago may still be held for a moment: a child
	// this process forks shares the lock's open file until it execs, so
	// an archiver closed and opened again (a test's restart) can find its
	// own old lock for a few milliseconds. Another cctvd holds it for good.
	for try := 0; ; try++ {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		switch {
		case err == nil:
			return f, nil
		case errors.Is(err, syscall.EWOULDBLOCK) && try < lockTries:
			time.Sleep(lockRetry)
			continue
		}
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s: %w", dir, ErrLocked)
		}
		return nil, fmt.Errorf("lock state folder: %w", err)
	}
}

// lockTries and lockRetry give a lock held by a forking child a second to go.
const (
	lockTries = 50
	lockRetry = 20 * time.Millisecond
)

// syncDir fsyncs a folder, so that renames and removals in it are durable.
func syncDir(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	return syncClose(f, dir)
}

// syncClose fsyncs and closes f, reporting the first error under name.
func syncClose(f *os.File, name string) error {
	err := f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("fsync %s: %w", name, err)
	}
	return nil
}

// mkdirSynced makes a state folder (and its parents) whose entry survives a
// power loss.
func mkdirSynced(dir string) error {
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return syncDir(filepath.Dir(dir))
}

// syncRoot fsyncs a file or folder inside root.
func syncRoot(root *os.Root, name string) error {
	f, err := root.Open(name)
	if err != nil {
		return err
	}
	return syncClose(f, name)
}

// writeFileAtomic writes a state file: temp file, fsync, rename, fsync folder.
func writeFileAtomic(name string, data []byte) error {
	tmp := name + ".tmp"
	if err := writeSynced(tmp, data); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, name); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(filepath.Dir(name))
}

func writeSynced(name string, data []byte) error {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	return writeClose(f, data)
}

// writeClose writes data to f, fsyncs and closes it.
func writeClose(f *os.File, data []byte) error {
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return syncClose(f, f.Name())
}

// writeRootAtomic writes dir/name inside root through the hidden temp
// file dir/tmp: write, fsync, rename; the caller fsyncs dir. An existing
// name is never replaced.
func writeRootAtomic(root *os.Root, dir, tmp, name string, data []byte) error {
	tmpPath, namePath := path.Join(dir, tmp), path.Join(dir, name)
	f, err := root.OpenFile(tmpPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	err = writeClose(f, data)
	if err == nil {
		err = renameNew(root, tmpPath, namePath)
	}
	if err != nil {
		removeRoot(root, tmpPath)
	}
	return err
}

// renameNew renames from to to inside root, refusing to replace a file.
func renameNew(root *os.Root, from, to string) error {
	if _, err := root.Lstat(to); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = fs.ErrExist
		}
		return fmt.Errorf("rename to %s: %w", to, err)
	}
	return root.Rename(from, to)
}

// removeRoot removes name inside root; it reports whether it was there.
func removeRoot(root *os.Root, name string) (bool, error) {
	err := root.Remove(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// removeIfExists removes a file of the state folder.
func removeIfExists(name string) (bool, error) {
	err := os.Remove(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}
