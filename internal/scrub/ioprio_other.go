//go:build !linux

package scrub

import (
	"errors"
	"os"
)

func idleIO() error { return errors.New("idle I/O priority needs linux") }

func ioClass() (int, error) { return 0, errors.New("idle I/O priority needs linux") }

func dropCache(*os.File) {}
