// Package ts reads and checks MPEG-TS segment files, plans a day of them and joins them into one clean stream.
//
// go-astits is the parser of record for tables and PES headers. Around it
// this package adds what a pile of camera uploads needs and astits lacks:
// resynchronisation after garbage, per-packet continuity accounting,
// truncated-tail detection and forwarding of the raw packet bytes.
package ts

import "errors"

// Sentinel errors, wrapped with the file's name by the functions that return them.
var (
	// ErrNotTS means the file holds no MPEG-TS packets at all.
	ErrNotTS = errors.New("not an MPEG-TS file")
	// ErrEmpty means the file has zero bytes.
	ErrEmpty = errors.New("empty file")
	// ErrNoVideo means the file is MPEG-TS but carries no video frames.
	ErrNoVideo = errors.New("no video stream")
	// ErrTruncated means the file ends inside a packet: the upload was cut off.
	ErrTruncated = errors.New("truncated")
)

const (
	packetSize = 188
	syncByte   = 0x47
	// Clock is the MPEG-TS timestamp rate: PTS, DTS and PCR bases tick at 90 kHz.
	Clock = 90000
	// wrap is where 33-bit timestamps roll over (≈ 26.5 h).
	wrap    = 1 << 33
	pidNull = 0x1FFF
)
