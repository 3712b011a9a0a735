//go:build !linux

package control

import "errors"

func statfs(path string) (DiskUsage, error) {
	return DiskUsage{}, errors.New("disk usage is measured on linux only")
}
