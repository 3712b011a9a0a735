package ts

import (
	"errors"
	"io"
	"sync"
)

// walker yields the 188-byte packets of a stream, finding its way back to
// the packet grid after garbage, which astits cannot do: it stops at the
// first byte that is not a sync byte.
type walker struct {
	r          io.Reader
	buf        []byte
	start, end int
	eof        bool
	err        error

	syncLosses   int
	skippedBytes int64
	tail         int // bytes of a partial packet at the very end
	// tailHead holds the partial packet's first bytes (up to a header's
	// worth): whether it starts a PES tells a whole last frame from a cut one.
	tailHead [4]byte
}

const walkBuf = packetSize * 1024

// buffers recycles walker buffers: a day is thousands of files.
var buffers = sync.Pool{New: func() any { return new([walkBuf]byte) }}

func newWalker(r io.Reader) *walker {
	return &walker{r: r, buf: buffers.Get().(*[walkBuf]byte)[:]}
}

// release returns the walker's buffer; the walker must not be used after.
func (w *walker) release() {
	buffers.Put((*[walkBuf]byte)(w.buf))
	w.buf = nil
}

// fill makes at least n bytes available unless the stream ends first.
func (w *walker) fill(n int) {
	for w.end-w.start < n && !w.eof {
		if w.start > 0 {
			w.end = copy(w.buf, w.buf[w.start:w.end])
			w.start = 0
		}
		m, err := w.r.Read(w.buf[w.end:])
		w.end += m
		if err != nil {
			w.eof = true
			if !errors.Is(err, io.EOF) {
				w.err = err
			}
		}
	}
}

// next returns the next packet; the slice is valid until the following call
// and may be modified in place. It returns io.EOF at the end of the stream.
func (w *walker) next() ([]byte, error) {
	w.fill(packetSize)
	if w.err != nil {
		return nil, w.err
	}
	if w.end-w.start >= packetSize && w.buf[w.start] == syncByte {
		p := w.buf[w.start : w.start+packetSize]
		w.start += packetSize
		return p, nil
	}
	if w.end-w.start == 0 {
		return nil, io.EOF
	}
	if w.resync() {
		return w.next()
	}
	return nil, io.EOF
}

// resync skips to the next sync byte that has another one a packet later
// (or that starts the stream's last whole packet). It reports false at the end.
func (w *walker) resync() bool {
	lost := false
	for {
		w.fill(2 * packetSize)
		b := w.buf[w.start:w.end]
		if len(b) < packetSize {
			if len(b) > 0 && b[0] == syncByte {
				w.tail = len(b)
				copy(w.tailHead[:], b)
			} else {
				w.skip(len(b), &lost)
			}
			w.start = w.end
			return false
		}
		drop := len(b) - packetSize + 1
		for i := 0; i+packetSize <= len(b); i++ {
			if b[i] != syncByte {
				continue
			}
			if i+packetSize < len(b) && b[i+packetSize] != syncByte {
				continue
			}
			if i+packetSize == len(b) && !w.eof {
				drop = i // cannot confirm yet: keep the candidate, read on
				break
			}
			w.skip(i, &lost)
			w.start += i
			return true
		}
		w.skip(drop, &lost)
		w.start += drop
	}
}

// tailStartsPES reports whether the partial packet at the end is a
// packet of PID id that starts a PES: the PES before it on that PID ended
// whole.
func (w *walker) tailStartsPES(id uint16) bool {
	h := w.tailHead[:]
	return w.tail >= len(h) && !tei(h) && pid(h) == id && pusi(h)
}

func (w *walker) skip(n int, lost *bool) {
	if n == 0 {
		return
	}
	if !*lost {
		w.syncLosses++
		*lost = true
	}
	w.skippedBytes += int64(n)
}

// Packet header accessors, on a raw 188-byte packet.

func pid(p []byte) uint16         { return uint16(p[1]&0x1F)<<8 | uint16(p[2]) }
func pusi(p []byte) bool          { return p[1]&0x40 != 0 }
func tei(p []byte) bool           { return p[1]&0x80 != 0 }
func cc(p []byte) uint8           { return p[3] & 0x0F }
func hasAF(p []byte) bool         { return p[3]&0x20 != 0 }
func hasPayload(p []byte) bool    { return p[3]&0x10 != 0 }
func setCC(p []byte, c uint8)     { p[3] = p[3]&0xF0 | c&0x0F }
func afLen(p []byte) int          { return int(p[4]) }
func discontinuity(p []byte) bool { return hasAF(p) && afLen(p) > 0 && p[5]&0x80 != 0 }
func randomAccess(p []byte) bool  { return hasAF(p) && afLen(p) > 0 && p[5]&0x40 != 0 }

// payloadStart is the offset of the payload in p, or -1 if there is none.
func payloadStart(p []byte) int {
	if !hasPayload(p) {
		return -1
	}
	off := 4
	if hasAF(p) {
		off += 1 + afLen(p)
	}
	if off >= packetSize {
		return -1
	}
	return off
}

// pcrOffset is the offset of the 6-byte PCR field in p, or -1.
func pcrOffset(p []byte) int {
	if hasAF(p) && afLen(p) >= 7 && p[5]&0x10 != 0 {
		return 6
	}
	return -1
}
