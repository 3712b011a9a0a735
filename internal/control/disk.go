//go:build linux

package control

import (
	"fmt"
	"syscall"
)

// statfs measures the file system holding path.
func statfs(path string) (DiskUsage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return DiskUsage{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	bs := uint64(st.Bsize)
	return DiskUsage{
		Total: uint64(st.Blocks) * bs,
		Used:  uint64(st.Blocks-st.Bfree) * bs,
		Free:  uint64(st.Bavail) * bs,
	}, nil
}
