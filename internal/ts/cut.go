package ts

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
)

// CutStats says what ConcatRange wrote. Timestamps are on the output's
// timeline (a segment's PTS plus its Shift, mod 2^33).
type CutStats struct {
	// Preroll counts the frames written before From: those from the
	// keyframe before it, which a decoder needs and a player hides.
	Preroll int `json:"preroll"`
	// Frames counts the frames written from From on.
	Frames int `json:"frames"`
	// FirstPTS is the first frame at or after From, LastPTS the last one
	// written; KeyPTS the keyframe the stream starts with.
	FirstPTS, LastPTS, KeyPTS int64
	// Bytes is the size of what was written.
	Bytes int64 `json:"bytes"`
}

// ErrNoFrames means no frame of the segments lies in the range.
var ErrNoFrames = errors.New("no frames in the range")

// ConcatRange writes to w, as one clean MPEG-TS stream, the video frames
// of segs whose PTS on the output timeline (PTS + Shift) lies in [from,
// to), preceded by the frames from the last keyframe before from, so that
// the first frame in the range decodes; it is the caller's to hide those
// (an mp4 edit list). segs must lie on the timeline in order: Shift moves
// each one there. Only the video PID and the tables (PAT, PMT, SDT) go
// in; other elementary streams stay out. Continuity counters run on
// without a break, as in a stream written in one go. When no keyframe
// precedes from in the segments, the stream starts at the first keyframe
// after it (CutStats.FirstPTS says where). A file read to its end must
// still be the size the plan scanned, or ConcatRange fails with
// ErrChanged, as Concat does; one the range ends in is left there.
func ConcatRange(ctx context.Context, w io.Writer, open Opener, segs []Segment, from, to int64) (CutStats, error) {
	c := cutter{out: bufio.NewWriterSize(w, 256<<10), from: from, to: to, tables: map[uint16][]byte{}}
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
			return c.stats, fmt.Errorf("concat range: %w", err)
		}
		if err := c.file(open, &segs[i]); err != nil {
			return c.stats, fmt.Errorf("concat range %s: %w", segs[i].Name, err)
		}
		if c.done {
			break
		}
	}
	if err := c.out.Flush(); err != nil {
		return c.stats, fmt.Errorf("concat range: %w", err)
	}
	if c.stats.Frames == 0 {
		return c.stats, ErrNoFrames
	}
	return c.stats, nil
}

type cutter struct {
	out      *bufio.Writer
	from, to int64
	stats    CutStats
	outCC    [8192]int8
	w        *walker

	started bool // the range's first frame was written
	done    bool // a frame at or after to was seen
	// Before the start: the tables last seen, by PID, and the packets of
	// the frames from the last keyframe on.
	tables  map[uint16][]byte
	pending [][]byte
	pendN   int   // frames in pending
	pendKey int64 // PTS of pending's keyframe
	// state of the frame under way: keep its packets, hold them in
	// pending, or drop them.
	frame frameFate
}

type frameFate int

const (
	drop frameFate = iota
	hold
	keep
)

func (c *cutter) file(open Opener, seg *Segment) error {
	tableType := map[uint16]bool{}
	for _, s := range seg.Report.Streams {
		tableType[s.PID] = s.StreamType == 0
	}
	c.frame = drop
	return eachPacket(open, seg, &c.w, func(p []byte) (bool, error) {
		id := pid(p)
		switch {
		case tei(p) || id == pidNull:
		case id == seg.Report.VideoPID:
			if err := c.video(p, seg); err != nil {
				return false, err
			}
			return c.done, nil
		case tableType[id]:
			if c.started {
				return false, c.write(p)
			}
			c.tables[id] = append(c.tables[id][:0], p...)
		}
		return false, nil
	})
}

// video decides a video packet's fate: a packet that starts a frame
// decides it for the frame's other packets.
func (c *cutter) video(p []byte, seg *Segment) error {
	if pusi(p) {
		pts, key, ok := framePTS(p, seg.Report.Codec)
		if ok {
			pts = (pts + seg.Shift) & (wrap - 1)
			switch {
			case pts >= c.to:
				c.done = true
				return nil
			case c.started:
				c.frame = keep
			case pts < c.from && key:
				c.pending, c.pendN, c.pendKey, c.frame = c.pending[:0], 0, pts, hold
			case pts < c.from && c.pendN > 0:
				c.frame = hold
			case pts < c.from:
				c.frame = drop // no keyframe yet: it would not decode
			case c.pendN == 0 && !key:
				c.frame = drop // nothing decodable before it: start at the next keyframe
			default:
				if err := c.start(pts, key); err != nil {
					return err
				}
				c.frame = keep
			}
			if c.frame == hold {
				c.pendN++
			}
			if c.frame == keep {
				if c.stats.Frames == 0 {
					c.stats.FirstPTS = pts
				}
				c.stats.Frames++
				c.stats.LastPTS = pts
			}
		}
	}
	switch c.frame {
	case keep:
		retime(p, seg.Shift)
		return c.write(p)
	case hold:
		retime(p, seg.Shift)
		c.pending = append(c.pending, append([]byte(nil), p...))
	}
	return nil
}

// start writes the tables and the held frames before the range's first frame.
func (c *cutter) start(pts int64, key bool) error {
	c.started = true
	c.stats.KeyPTS = c.pendKey
	if key { // it decodes by itself
		c.pending, c.pendN, c.stats.KeyPTS = nil, 0, pts
	}
	c.stats.Preroll = c.pendN
	for _, id := range []uint16{0} {
		if t, ok := c.tables[id]; ok {
			if err := c.write(t); err != nil {
				return err
			}
			delete(c.tables, id)
		}
	}
	for _, t := range c.tables {
		if err := c.write(t); err != nil {
			return err
		}
	}
	for _, q := range c.pending {
		if err := c.write(q); err != nil {
			return err
		}
	}
	c.pending = nil
	return nil
}

// write renumbers a packet's continuity counter so that its PID's run on
// from the packet before, and writes it.
func (c *cutter) write(p []byte) error {
	id := pid(p)
	next := c.outCC[id]
	switch {
	case next < 0:
		next = int8(cc(p))
	case hasPayload(p):
		next = (next + 1) & 0x0F
	}
	setCC(p, uint8(next))
	c.outCC[id] = next
	c.stats.Bytes += packetSize
	_, err := c.out.Write(p)
	return err
}

// framePTS reads the PTS of the frame a packet starts, and whether it is a keyframe.
func framePTS(p []byte, codec string) (pts int64, key, ok bool) {
	off := payloadStart(p)
	if off < 0 || off+14 > packetSize {
		return 0, false, false
	}
	h := p[off:]
	if h[0] != 0 || h[1] != 0 || h[2] != 1 || !hasOptionalPESHeader(h[3]) || h[7]>>6&2 == 0 {
		return 0, false, false
	}
	b := h[9:14]
	pts = int64(b[0]>>1&0x07)<<30 | int64(b[1])<<22 | int64(b[2]>>1)<<15 | int64(b[3])<<7 | int64(b[4]>>1)
	data := 9 + int(h[8])
	key = randomAccess(p)
	if !key && data < len(h) {
		key = keyNAL(codec, h[data:])
	}
	return pts, key, true
}
