//go:build linux

package disk

import (
	"fmt"
	"syscall"
)

// Measure measures the file system holding path.
func Measure(path string) (Usage, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return Usage{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	// Bsize is int64 on 64-bit Linux and int32 on 32-bit ARM (Raspberry Pi
	// OS): convert before multiplying, or GOARCH=arm does not build.
	bs := uint64(st.Bsize)
	return Usage{
		Total: uint64(st.Blocks) * bs,
		Used:  uint64(st.Blocks-st.Bfree) * bs,
		Free:  uint64(st.Bavail) * bs,
	}, nil
}
