package ts

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"time"

	"github.com/asticode/go-astits"
)

// Report is what one segment file holds. Timestamps tick at 90 kHz; the
// Last ones are unwrapped past the 33-bit roll-over so that Last ≥ First.
type Report struct {
	Size    int64 `json:"size"`
	Packets int64 `json:"packets"`
	// Streams lists every PID seen, in order of first appearance.
	Streams  []Stream `json:"streams"`
	VideoPID uint16   `json:"video_pid"`
	Codec    string   `json:"codec"` // "h264", "hevc", …

	FirstPTS int64 `json:"first_pts"`
	LastPTS  int64 `json:"last_pts"` // highest PTS
	FirstDTS int64 `json:"first_dts"`
	LastDTS  int64 `json:"last_dts"`
	// FrameTicks is the usual distance between frames' DTS.
	FrameTicks int64 `json:"frame_ticks"`
	Frames     int   `json:"frames"`
	Keyframes  int   `json:"keyframes"`
	// StartsWithKeyframe: a player can start decoding at the file's first frame.
	StartsWithKeyframe bool `json:"starts_with_keyframe"`

	CCErrors        int   `json:"cc_errors"` // continuity errors, all PIDs, within this file
	TransportErrors int   `json:"transport_errors"`
	SyncLosses      int   `json:"sync_losses"`
	SkippedBytes    int64 `json:"skipped_bytes"`
	// TruncatedBytes is the size of a partial packet at the end: the upload was cut off.
	TruncatedBytes int `json:"truncated_bytes"`
	// CompletePackets, in a truncated file, counts the leading packets that
	// hold its whole frames; Concat writes only these. The frame under way
	// at the cut is left out of the report (Frames, timestamps) unless the
	// partial packet starts the next frame: what was cut off it cannot be
	// told from what was not.
	CompletePackets int64 `json:"complete_packets,omitempty"`
	// BadPES counts PES headers that did not parse.
	BadPES int `json:"bad_pes"`
	// BackwardDTS counts frames whose DTS did not advance past the frame
	// before: such a file cannot be laid on a timeline as it is.
	BackwardDTS int `json:"backward_dts"`
	// CRC32C of every byte of the file, to tell byte-identical copies apart from look-alikes.
	CRC32C uint32 `json:"crc32c"`
}

// Stream is one PID's share of a file.
type Stream struct {
	PID        uint16 `json:"pid"`
	StreamType uint8  `json:"stream_type"` // from the PMT; 0 for tables and unknown PIDs
	Packets    int64  `json:"packets"`
	CCErrors   int    `json:"cc_errors"`
}

// Duration is the time the file covers, including its last frame.
func (r *Report) Duration() time.Duration {
	if r.Frames == 0 {
		return 0
	}
	return Ticks(r.LastDTS - r.FirstDTS + r.FrameTicks)
}

// EndDTS is where the next file of the same camera run should begin.
func (r *Report) EndDTS() int64 { return r.LastDTS + r.FrameTicks }

// Truncated reports an upload that was cut off inside a packet.
func (r *Report) Truncated() bool { return r.TruncatedBytes > 0 }

// Damaged reports loss or garbage inside the file.
func (r *Report) Damaged() bool {
	return r.CCErrors > 0 || r.TransportErrors > 0 || r.SyncLosses > 0 || r.BadPES > 0
}

// Ticks converts 90 kHz ticks to a duration.
func Ticks(t int64) time.Duration { return time.Duration(t) * time.Second / Clock }

// Scan reads a whole segment. It fails with ErrEmpty, ErrNotTS or ErrNoVideo
// when the file cannot be used at all; damage it can live with (lost
// packets, garbage, a cut-off end) is counted in the report instead.
func Scan(r io.Reader) (Report, error) {
	var s scanner
	crc := crc32.New(castagnoli)
	s.init(io.TeeReader(r, crc))
	defer s.w.release()
	for {
		p, err := s.w.next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s.rep, fmt.Errorf("scan: %w", err)
		}
		s.packet(p)
	}
	s.rep.CRC32C = crc.Sum32()
	return s.finish()
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

type scanner struct {
	rep    Report
	w      *walker
	tables *tables
	lastCC [8192]int8
	index  [8192]int16 // position+1 in rep.Streams
	pmt    uint16
	hasPMT bool
	types  map[uint16]astits.StreamType

	lastPSI [2][packetSize - 4]byte // PAT, PMT payloads last parsed

	prevRawDTS int64
	curDTS     int64 // unwrapped DTS of the last frame; LastDTS is the highest
	deltas     map[int64]int
	// before is the report as it was before the last frame, so that a
	// frame cut off by the end of the file can be taken back.
	before frameMark
}

// frameMark is what a frame changes in a scan.
type frameMark struct {
	packet                      int64 // index of the packet that starts the frame
	frames, keyframes, backward int
	lastPTS, lastDTS            int64
	curDTS, prevRawDTS          int64
	step                        int64 // added to deltas; 0 if none
}

func (s *scanner) init(r io.Reader) {
	s.w = newWalker(r)
	s.tables = newTables()
	for i := range s.lastCC {
		s.lastCC[i] = -1
	}
	s.types = map[uint16]astits.StreamType{}
	s.deltas = map[int64]int{}
}

func (s *scanner) packet(p []byte) {
	s.rep.Packets++
	id := pid(p)
	st := s.stream(id)
	st.Packets++
	if tei(p) {
		s.rep.TransportErrors++
		return
	}
	if id == pidNull {
		return
	}
	if s.ccError(p, id) {
		st.CCErrors++
		s.rep.CCErrors++
	}
	if !pusi(p) || payloadStart(p) < 0 {
		return
	}
	switch {
	case id == 0 || (s.hasPMT && id == s.pmt):
		s.table(p)
	case s.rep.Codec != "" && id == s.rep.VideoPID:
		s.frame(p)
	}
}

func (s *scanner) stream(id uint16) *Stream {
	i := s.index[id]
	if i == 0 {
		s.rep.Streams = append(s.rep.Streams, Stream{PID: id, StreamType: uint8(s.types[id])})
		i = int16(len(s.rep.Streams))
		s.index[id] = i
	}
	return &s.rep.Streams[i-1]
}

// ccError applies the continuity rules of ISO 13818-1 2.4.3.3: the counter
// steps with each payload packet, may repeat once, and restarts after a
// signalled discontinuity.
func (s *scanner) ccError(p []byte, id uint16) bool {
	c, last := int8(cc(p)), s.lastCC[id]
	s.lastCC[id] = c
	if last < 0 || discontinuity(p) {
		return false
	}
	if !hasPayload(p) {
		return c != last
	}
	return c != (last+1)&0x0F && c != last
}

func (s *scanner) table(p []byte) {
	// Muxers repeat the same PAT and PMT several times a second; parse each once.
	last := &s.lastPSI[0]
	if pid(p) != 0 {
		last = &s.lastPSI[1]
	}
	if bytes.Equal(last[:], p[4:]) {
		return
	}
	copy(last[:], p[4:])
	d, err := s.tables.psi(p)
	if err != nil {
		return
	}
	if d.PAT != nil {
		for _, pg := range d.PAT.Programs {
			if pg.ProgramNumber != 0 {
				s.pmt, s.hasPMT = pg.ProgramMapID, true
				break
			}
		}
	}
	if d.PMT != nil && s.rep.Codec == "" {
		for _, es := range d.PMT.ElementaryStreams {
			s.types[es.ElementaryPID] = es.StreamType
			if codec := codecName(es.StreamType); codec != "" && s.rep.Codec == "" {
				s.rep.VideoPID, s.rep.Codec = es.ElementaryPID, codec
			}
		}
		for i := range s.rep.Streams {
			s.rep.Streams[i].StreamType = uint8(s.types[s.rep.Streams[i].PID])
		}
	}
}

func codecName(t astits.StreamType) string {
	switch t {
	case astits.StreamTypeH264Video:
		return "h264"
	case astits.StreamTypeH265Video:
		return "hevc"
	case astits.StreamTypeMPEG2Video:
		return "mpeg2video"
	}
	return ""
}

func (s *scanner) frame(p []byte) {
	pes, err := s.tables.pes(p)
	// go-astits reads an optional header for every stream ID but two; the
	// spec, and Concat, which retimes frames, allow it on fewer. A PES whose
	// ID may have none is no frame of video.
	if err != nil || !hasOptionalPESHeader(pes.Header.StreamID) || pes.Header.OptionalHeader == nil ||
		pes.Header.OptionalHeader.PTS == nil {
		s.rep.BadPES++
		return
	}
	oh := pes.Header.OptionalHeader
	pts := oh.PTS.Base
	dts := pts
	if oh.DTS != nil {
		dts = oh.DTS.Base
	}
	key := randomAccess(p) || keyNAL(s.rep.Codec, pes.Data)
	r := &s.rep
	s.before = frameMark{packet: r.Packets - 1, frames: r.Frames, keyframes: r.Keyframes, backward: r.BackwardDTS,
		lastPTS: r.LastPTS, lastDTS: r.LastDTS, curDTS: s.curDTS, prevRawDTS: s.prevRawDTS}
	if r.Frames == 0 {
		r.FirstPTS, r.LastPTS, r.FirstDTS, r.LastDTS = pts, pts, dts, dts
		s.curDTS = dts
		r.StartsWithKeyframe = key
	} else {
		step := signed33(dts - s.prevRawDTS)
		if step <= 0 {
			r.BackwardDTS++
		} else {
			s.deltas[step]++
			s.before.step = step
		}
		s.curDTS += step
		r.LastDTS = max(r.LastDTS, s.curDTS)
		r.LastPTS = max(r.LastPTS, s.curDTS+signed33(pts-dts))
	}
	s.prevRawDTS = dts
	r.Frames++
	if key {
		r.Keyframes++
	}
}

func (s *scanner) finish() (Report, error) {
	r := &s.rep
	r.SyncLosses, r.SkippedBytes, r.TruncatedBytes = s.w.syncLosses, s.w.skippedBytes, s.w.tail
	r.Size = r.Packets*packetSize + r.SkippedBytes + int64(r.TruncatedBytes)
	if r.Truncated() {
		s.dropCutFrame()
	}
	best := 0
	for d, n := range s.deltas {
		if n > best || n == best && d < r.FrameTicks {
			r.FrameTicks, best = d, n
		}
	}
	if r.Frames == 1 || r.FrameTicks <= 0 {
		r.FrameTicks = Clock / 25
	}
	switch {
	case r.Size == 0:
		return *r, ErrEmpty
	case r.Packets == 0 || !s.hasPMT:
		return *r, ErrNotTS
	case r.Frames == 0:
		return *r, ErrNoVideo
	}
	return *r, nil
}

// dropCutFrame takes the last frame of a truncated file out of the report
// unless the partial packet at the end shows it ended whole, and records
// how many packets hold the whole frames.
func (s *scanner) dropCutFrame() {
	r := &s.rep
	r.CompletePackets = r.Packets
	if r.Frames == 0 || s.w.tailStartsPES(r.VideoPID) {
		return
	}
	b := s.before
	r.CompletePackets = b.packet
	r.Frames, r.Keyframes, r.BackwardDTS = b.frames, b.keyframes, b.backward
	r.LastPTS, r.LastDTS, s.curDTS, s.prevRawDTS = b.lastPTS, b.lastDTS, b.curDTS, b.prevRawDTS
	if b.step > 0 {
		if s.deltas[b.step]--; s.deltas[b.step] == 0 {
			delete(s.deltas, b.step)
		}
	}
	if r.Frames == 0 {
		r.FirstPTS, r.LastPTS, r.FirstDTS, r.LastDTS, r.StartsWithKeyframe = 0, 0, 0, 0, false
	}
}

// signed33 maps a difference of 33-bit timestamps to the nearest signed
// value, so that a step across the roll-over stays small.
func signed33(d int64) int64 {
	d &= wrap - 1
	if d >= wrap/2 {
		d -= wrap
	}
	return d
}

// FollowsOn reports whether next's first frame comes where prev's last
// frame ends, within half a frame, across a 33-bit roll-over too: the
// camera carried on from one file into the next.
func FollowsOn(prev, next *Report) bool {
	half := prev.FrameTicks / 2
	step := signed33(next.FirstDTS - prev.EndDTS())
	return step >= -half && step <= half
}

// keyNAL reports whether a PES payload start holds an IDR (H.264) or IRAP (HEVC) picture.
func keyNAL(codec string, b []byte) bool {
	for i := 0; i+3 < len(b); i++ {
		if b[i] != 0 || b[i+1] != 0 || b[i+2] != 1 {
			continue
		}
		n := b[i+3]
		switch codec {
		case "h264":
			if n&0x1F == 5 {
				return true
			}
		case "hevc":
			if t := n >> 1 & 0x3F; t >= 16 && t <= 21 {
				return true
			}
		}
		i += 2
	}
	return false
}
