package access

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// UsersFileMode is a users file's mode: cctvd's group reads it, others
// nothing (ReadUsersFile refuses a file they may read).
const UsersFileMode = 0o640

// EditUsersFile changes the users file at path safely: under an exclusive
// lock on path+".lock" (two cctvctl runs do not lose each other's change),
// the new content goes to a temporary file beside it that is synced and
// renamed over it, so cctvd reads the old file or the new one, never half
// of one. A missing file is an empty one; the new file keeps the old
// one's owner and group where it may (run as root), and is mode 0640.
func EditUsersFile(path string, edit func([]User) ([]User, error)) error {
	lock, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("users file lock: %w", err)
	}
	defer lock.Close()
	if err := unix.Flock(int(lock.Fd()), unix.LOCK_EX); err != nil {
		return fmt.Errorf("users file lock: %w", err)
	}
	defer unix.Flock(int(lock.Fd()), unix.LOCK_UN)

	var users []User
	old, err := os.Stat(path)
	switch {
	case err == nil:
		if users, err = ReadUsersFile(path); err != nil {
			return err
		}
	case errors.Is(err, os.ErrNotExist):
		old = nil
	default:
		return fmt.Errorf("users file: %w", err)
	}
	users, err = edit(users)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	if err := FormatUsers(&b, users); err != nil {
		return err
	}
	return replaceFile(path, b.Bytes(), old)
}

func replaceFile(path string, data []byte, old os.FileInfo) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err := tmp.Chmod(UsersFileMode); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if old != nil {
		if st, ok := old.Sys().(*syscall.Stat_t); ok {
			// Only root may give a file away; others keep their own.
			if err := tmp.Chown(int(st.Uid), int(st.Gid)); err != nil && !errors.Is(err, os.ErrPermission) {
				return fmt.Errorf("users file: %w", err)
			}
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	done = true
	// The rename is durable once the folder is synced.
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	return nil
}
