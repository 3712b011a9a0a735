//go:build !linux

package disk

import "errors"

// Measure is linux-only; elsewhere it says so.
func Measure(path string) (Usage, error) {
	return Usage{}, errors.New("disk usage is measured on linux only")
}
