package encode

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"
)

// mp4Timescale is the mp4's clock rate: a quarter of MPEG-TS's 90 kHz, the
// fastest at which the longest step the 33-bit MPEG-TS clock can take
// (26.5 h) fits the mp4 muxer's signed 32-bit sample duration, so that a
// gap of up to a day fits between chunks. (Gaps inside a chunk are bounded
// by MaxGap.)
const mp4Timescale = 90000 / 4

// Join copies chunks, in order and without re-encoding, into an mp4 at dst
// that starts at 0 with the first chunk's first frame and keeps every later
// frame at its distance from it, gaps included (to 1/22500 s).
// creationTime, the wall-clock time of the first frame, is recorded as the
// mp4's creation_time. The chunks must come from EncodeChunk with the same
// Settings; their timestamps must increase from one chunk to the next.
// Join verifies that the mp4 is H.265 tagged hvc1 and holds every frame
// ffmpeg read; comparing that with the frames expected is the caller's.
// On error nothing is left at dst.
func Join(ctx context.Context, s Settings, chunks []string, dst string, creationTime time.Time) error {
	s, err := s.withDefaults()
	switch {
	case err != nil:
	case len(chunks) == 0:
		err = errors.New("no chunks")
	case creationTime.IsZero():
		err = errors.New("no creation time")
	}
	if err != nil {
		return fmt.Errorf("join: %w", err)
	}
	want, err := planJoin(ctx, s, chunks)
	if err != nil {
		return fmt.Errorf("join %s: %w", dst, err)
	}
	// ffmpeg reports nothing while +faststart moves the index to the front.
	s.StallTimeout += time.Duration(want.bytes/(5<<20)) * time.Second
	err = writePartial(dst, func(tmp string) error {
		src := &chunkReader{paths: chunks}
		defer src.Close()
		last, err := runFFmpeg(ctx, s, joinArgs(tmp, creationTime), src, nil)
		if err != nil {
			return err
		}
		return checkJoin(ctx, s, tmp, last, want)
	})
	if err != nil {
		return fmt.Errorf("join %s: %w", dst, err)
	}
	return nil
}

// joined is what the mp4 joined from chunks must hold.
type joined struct {
	frames int64
	span   time.Duration // from the first frame to the last
	bytes  int64         // the chunks' size
}

// planJoin probes the chunks and checks that each follows the one before.
func planJoin(ctx context.Context, s Settings, chunks []string) (joined, error) {
	var j joined
	var first, prev Info
	for i, path := range chunks {
		info, err := Probe(ctx, s, path)
		if err != nil {
			return j, err
		}
		if info.Codec != "hevc" {
			return j, fmt.Errorf("chunk %s is %s, want hevc", path, info.Codec)
		}
		if i == 0 {
			first = info
		} else if info.FirstPTS <= prev.LastPTS {
			return j, fmt.Errorf("%w: chunk %s starts at %v, before %s ends at %v",
				ErrTimestamps, path, info.FirstPTS, chunks[i-1], prev.LastPTS)
		}
		fi, err := os.Stat(path)
		if err != nil {
			return j, err
		}
		j.frames, j.bytes, prev = j.frames+info.Frames, j.bytes+fi.Size(), info
	}
	j.span = prev.LastPTS - first.FirstPTS
	return j, nil
}

// joinArgs make ffmpeg copy the MPEG-TS on stdin into an mp4.
// -copyts keeps gaps (see chunkArgs); -start_at_zero then moves the whole
// stream so that its first frame is at 0.
func joinArgs(tmp string, creationTime time.Time) []string {
	return []string{
		"-hide_banner", "-nostats", "-loglevel", "warning", "-progress", "pipe:1",
		"-f", "mpegts", "-i", "pipe:0",
		"-map", "0:v:0", "-c", "copy", "-copyts", "-start_at_zero",
		"-tag:v", "hvc1", "-video_track_timescale", fmt.Sprint(mp4Timescale),
		"-movflags", "+faststart", "-map_metadata", "-1",
		"-metadata", "creation_time=" + MP4Time(creationTime).Format(time.RFC3339),
		"-f", "mp4", "-y", "file:" + tmp,
	}
}

// mp4Tick is the mp4's clock step, the precision of its timestamps.
const mp4Tick = time.Second / mp4Timescale

// checkJoin verifies a joined mp4 against the chunks and ffmpeg's last report.
func checkJoin(ctx context.Context, s Settings, tmp string, last Progress, want joined) error {
	info, err := Probe(ctx, s, tmp)
	switch {
	case err != nil:
		return err
	case info.Codec != "hevc" || info.CodecTag != "hvc1":
		return fmt.Errorf("output is %s/%s, want hevc/hvc1", info.Codec, info.CodecTag)
	case info.Frames != want.frames || info.Frames != last.Frames:
		return fmt.Errorf("%w: %d frames in the chunks, %d copied, %d in the output",
			ErrFrameMismatch, want.frames, last.Frames, info.Frames)
	case info.FirstPTS.Abs() > mp4Tick || (info.LastPTS-info.FirstPTS-want.span).Abs() > 2*mp4Tick:
		return fmt.Errorf("%w: output shows frames from %v to %v, want 0 to %v",
			ErrTimestamps, info.FirstPTS, info.LastPTS, want.span)
	}
	return nil
}

// tsPacket is the size of an MPEG-TS packet.
const tsPacket = 188

// chunkReader reads the chunk files one after the other as one MPEG-TS
// stream. Each chunk's continuity counters start afresh; chunkReader shifts
// them per PID so they run on from the previous chunk's, as if the stream
// had been written in one go. (The demuxer would otherwise flag the first
// packet after each join as corrupt.) A break inside a chunk stays a break.
type chunkReader struct {
	paths []string
	f     *os.File
	buf   []byte // packets read but not yet returned
	store []byte
	next  [8192]uint8 // per PID: 1 + the counter its next payload packet needs; 0 before its first packet
	seen  [8192]bool  // per PID: seen in the open chunk
	shift [8192]uint8 // per PID: added to the open chunk's counters
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if err := r.fill(); err != nil {
			return 0, err
		}
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// fill reads the next packets, opening the next chunk when one ends.
func (r *chunkReader) fill() error {
	if r.f == nil {
		if err := r.open(); err != nil {
			return err
		}
	}
	n, err := io.ReadFull(r.f, r.store)
	if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
		return err
	}
	if n%tsPacket != 0 {
		return fmt.Errorf("chunk %s: size is not a multiple of %d bytes", r.f.Name(), tsPacket)
	}
	for b := r.store[:n]; len(b) > 0; b = b[tsPacket:] {
		if err := r.renumber(b[:tsPacket]); err != nil {
			return err
		}
	}
	r.buf = r.store[:n]
	if err != nil { // the chunk ended
		return r.Close()
	}
	return nil
}

// open opens the next chunk, or reports io.EOF after the last.
func (r *chunkReader) open() error {
	if len(r.paths) == 0 {
		return io.EOF
	}
	f, err := os.Open(r.paths[0])
	if err != nil {
		return err
	}
	r.f, r.paths = f, r.paths[1:]
	r.seen = [8192]bool{}
	if r.store == nil {
		r.store = make([]byte, 1024*tsPacket)
	}
	return nil
}

// renumber shifts one packet's continuity counter.
func (r *chunkReader) renumber(pkt []byte) error {
	if pkt[0] != 0x47 {
		return fmt.Errorf("chunk %s: lost MPEG-TS sync", r.f.Name())
	}
	pid := int(pkt[1]&0x1f)<<8 | int(pkt[2])
	if pid == 0x1fff { // null packets carry no counter
		return nil
	}
	payload := pkt[3]&0x10 != 0
	cc := pkt[3] & 0x0f
	if !r.seen[pid] {
		r.seen[pid] = true
		r.shift[pid] = 0
		if r.next[pid] > 0 {
			want := r.next[pid] - 1
			if !payload { // a packet without payload repeats the last counter
				want = (want + 15) % 16
			}
			r.shift[pid] = (want + 16 - cc) % 16
		}
	}
	cc = (cc + r.shift[pid]) % 16
	pkt[3] = pkt[3]&0xf0 | cc
	r.next[pid] = (cc+1)%16 + 1
	return nil
}

// Close closes the open chunk.
func (r *chunkReader) Close() error {
	if r.f == nil {
		return nil
	}
	err := r.f.Close()
	r.f = nil
	return err
}

// MP4Time is t as an mp4 records it: the movie header counts whole seconds
// since 1904, and ffmpeg cuts a fraction off. Whatever compares a probed
// creation_time with a wall clock compares it with MP4Time of that clock;
// the exact time of the first frame lives in the archive index's runs.
func MP4Time(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }
