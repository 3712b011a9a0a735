package catalog

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

var errNoMovieHeader = errors.New("no moov/mvhd box")

// mp4Duration reads an mp4's duration from its movie header (moov/mvhd)
// without reading the media: a few small reads wherever the moov box is.
func mp4Duration(r io.ReaderAt, size int64) (time.Duration, error) {
	moov, moovSize, err := findBox(r, 0, size, "moov")
	if err != nil {
		return 0, fmt.Errorf("mp4 duration: %w", err)
	}
	mvhd, mvhdSize, err := findBox(r, moov, moov+moovSize, "mvhd")
	if err != nil {
		return 0, fmt.Errorf("mp4 duration: %w", err)
	}
	var b [32]byte
	n := min(int64(len(b)), mvhdSize)
	if _, err := r.ReadAt(b[:n], mvhd); err != nil && !errors.Is(err, io.EOF) {
		return 0, fmt.Errorf("mp4 duration: %w", err)
	}
	var scale, dur uint64
	switch {
	case b[0] == 0 && n >= 20:
		scale, dur = uint64(binary.BigEndian.Uint32(b[12:])), uint64(binary.BigEndian.Uint32(b[16:]))
	case b[0] == 1 && n >= 32:
		scale, dur = uint64(binary.BigEndian.Uint32(b[20:])), binary.BigEndian.Uint64(b[24:])
	default:
		return 0, fmt.Errorf("mp4 duration: %w", errNoMovieHeader)
	}
	if scale == 0 || dur == 0xFFFFFFFF || dur == 1<<64-1 {
		return 0, fmt.Errorf("mp4 duration: %w", errNoMovieHeader)
	}
	secs := dur / scale
	return time.Duration(secs)*time.Second + time.Duration((dur%scale)*uint64(time.Second)/scale), nil
}

// findBox returns the payload offset and size of the first box named typ
// in [off, end).
func findBox(r io.ReaderAt, off, end int64, typ string) (int64, int64, error) {
	var h [16]byte
	for off+8 <= end {
		if _, err := r.ReadAt(h[:8], off); err != nil {
			return 0, 0, err
		}
		size, hdr := int64(binary.BigEndian.Uint32(h[:4])), int64(8)
		switch size {
		case 0:
			size = end - off
		case 1:
			if _, err := r.ReadAt(h[8:16], off+8); err != nil {
				return 0, 0, err
			}
			size, hdr = int64(binary.BigEndian.Uint64(h[8:16])), 16
		}
		if size < hdr || off+size > end {
			return 0, 0, errNoMovieHeader
		}
		if string(h[4:8]) == typ {
			return off + hdr, size - hdr, nil
		}
		off += size
	}
	return 0, 0, errNoMovieHeader
}
