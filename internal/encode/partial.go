package encode

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writePartial lets write fill dst + PartialSuffix, then fsyncs it and
// renames it to dst, so that dst is complete or absent. On error the
// partial file is removed and dst left as it was.
func writePartial(dst string, write func(tmp string) error) (err error) {
	tmp := dst + PartialSuffix
	if err := removeIfExists(tmp); err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, removeIfExists(tmp))
		}
	}()
	if err := write(tmp); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, dst); err != nil {
		return err
	}
	return syncFile(filepath.Dir(dst))
}

// syncFile fsyncs a file or a directory.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("fsync %s: %w", path, err)
	}
	return f.Close()
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
