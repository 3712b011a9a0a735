package ts

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// ErrChanged means a file is not what the plan scanned: it changed since.
var ErrChanged = errors.New("file changed since it was planned")

// Opener opens a day's file by name; the caller's os.Root keeps it inside the footage root.
type Opener func(name string) (io.ReadCloser, error)

// ConcatStats counts what a concatenation wrote.
type ConcatStats struct {
	Files   int   `json:"files"`
	Packets int64 `json:"packets"`
	Bytes   int64 `json:"bytes"`
	Frames  int   `json:"frames"`
	// Dropped counts packets left out: transport errors and null padding.
	Dropped int64 `json:"dropped"`
}

// Concat writes segs as one clean MPEG-TS stream to w: timestamps moved
// onto the plan's timeline (each segment's Shift), continuity counters
// carried across file boundaries (loss inside a file stays visible),
// garbage and partial packets left out, and of a truncated file only its
// whole frames (Report.CompletePackets). Memory use does not grow with the
// day: one buffer per file read and one for writing.
//
// Each file must still be the size the plan scanned, or Concat fails with
// ErrChanged: what is archived must be exactly what was planned.
func Concat(ctx context.Context, w io.Writer, open Opener, segs []Segment) (ConcatStats, error) {
	c := concatenator{out: bufio.NewWriterSize(w, 256<<10)}
	for i := range c.outCC {
		c.outCC[i] = -1
	}
	defer func() {
		if c.w != nil {
			c.w.release()
		}
	}()
	for i := range segs {
		if err := ctx.Err(); err != nil {
			return c.stats, fmt.Errorf("concat: %w", err)
		}
		if err := c.file(open, &segs[i]); err != nil {
			return c.stats, fmt.Errorf("concat %s: %w", segs[i].Name, err)
		}
	}
	if err := c.out.Flush(); err != nil {
		return c.stats, fmt.Errorf("concat: %w", err)
	}
	return c.stats, nil
}

type concatenator struct {
	out   *bufio.Writer
	stats ConcatStats
	outCC [8192]int8
	shift [8192]int8 // per PID, for the current file; -1 before its first packet
	w     *walker
}

func (c *concatenator) file(open Opener, seg *Segment) error {
	for i := range c.shift {
		c.shift[i] = -1
	}
	frames := 0
	err := eachPacket(open, seg, &c.w, func(p []byte) (bool, error) {
		id := pid(p)
		if tei(p) || id == pidNull {
			c.stats.Dropped++
			return false, nil
		}
		c.continuity(p, id)
		if retime(p, seg.Shift) && id == seg.Report.VideoPID {
			frames++
		}
		if _, err := c.out.Write(p); err != nil {
			return false, err
		}
		c.stats.Packets++
		c.stats.Bytes += packetSize
		return false, nil
	})
	if err != nil {
		return err
	}
	c.stats.Files++
	c.stats.Frames += frames
	return nil
}

// eachPacket opens seg and hands its packets to fn in order, reading
// with *w (made on first use, its buffer reused for the next file). Of a
// truncated file only the leading packets that hold its whole frames go
// to fn (Report.CompletePackets); the rest is still read. A file read to
// its end must be the size the plan scanned, or eachPacket fails with
// ErrChanged: what is copied must be exactly what was planned. When fn
// reports stop, the file is left there, unchecked.
func eachPacket(open Opener, seg *Segment, w **walker, fn func(p []byte) (stop bool, err error)) error {
	rc, err := open(seg.Name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if *w == nil {
		*w = newWalker(rc)
	} else {
		**w = walker{r: rc, buf: (*w).buf}
	}
	var packets int64
	keep := int64(-1) // every packet
	if seg.Report.Truncated() {
		keep = seg.Report.CompletePackets
	}
	for {
		p, err := (*w).next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		packets++
		if keep >= 0 && packets > keep {
			continue // the frame the cut went through; still read, for the size check
		}
		stop, err := fn(p)
		if err != nil || stop {
			return err
		}
	}
	if size := packets*packetSize + (*w).skippedBytes + int64((*w).tail); size != seg.Report.Size {
		return fmt.Errorf("%w: %d bytes, planned %d", ErrChanged, size, seg.Report.Size)
	}
	return nil
}

// continuity renumbers a packet so its PID's counter runs on from the
// previous file; jumps inside the file are kept as they are.
func (c *concatenator) continuity(p []byte, id uint16) {
	in := int8(cc(p))
	if c.shift[id] < 0 {
		next := c.outCC[id]
		if hasPayload(p) {
			next++
		}
		if c.outCC[id] < 0 {
			next = in
		}
		c.shift[id] = (next - in) & 0x0F
	}
	out := (in + c.shift[id]) & 0x0F
	setCC(p, uint8(out))
	c.outCC[id] = out
}

// retime adds shift (mod 2^33) to the packet's PCR and, when it starts a
// PES, to its PTS and DTS. It reports whether the packet starts a PES.
func retime(p []byte, shift int64) bool {
	if off := pcrOffset(p); off > 0 {
		b := p[off:]
		base := int64(b[0])<<25 | int64(b[1])<<17 | int64(b[2])<<9 | int64(b[3])<<1 | int64(b[4])>>7
		base = (base + shift) & (wrap - 1)
		b[0], b[1], b[2], b[3] = byte(base>>25), byte(base>>17), byte(base>>9), byte(base>>1)
		b[4] = b[4]&0x7F | byte(base<<7)
	}
	if !pusi(p) {
		return false
	}
	off := payloadStart(p)
	if off < 0 || off+14 > packetSize {
		return false
	}
	h := p[off:]
	if h[0] != 0 || h[1] != 0 || h[2] != 1 || !hasOptionalPESHeader(h[3]) {
		return false
	}
	flags := h[7] >> 6
	if flags&2 != 0 {
		shiftTimestamp(h[9:14], shift)
	}
	if flags == 3 && off+19 <= packetSize {
		shiftTimestamp(h[14:19], shift)
	}
	return true
}

func hasOptionalPESHeader(streamID byte) bool {
	switch streamID {
	case 0xBC, 0xBE, 0xBF, 0xF0, 0xF1, 0xFF, 0xF2, 0xF8:
		return false
	}
	return true
}

// shiftTimestamp rewrites a 5-byte PES timestamp in place, keeping its prefix and marker bits.
func shiftTimestamp(b []byte, shift int64) {
	t := int64(b[0]>>1&0x07)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
	t = (t + shift) & (wrap - 1)
	b[0] = b[0]&0xF1 | byte(t>>29)&0x0E
	b[1] = byte(t >> 22)
	b[2] = byte(t>>14) | 0x01
	b[3] = byte(t >> 7)
	b[4] = byte(t<<1) | 0x01
}
