package encode

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Info is what ffprobe finds in a file's first video stream.
type Info struct {
	// Codec is the codec name, such as "hevc"; CodecTag is its tag in the
	// container, such as "hvc1" in an mp4.
	Codec, CodecTag string
	// Frames counts the stream's packets, one per frame.
	Frames int64
	// Duration is the container's duration.
	Duration time.Duration
	// FirstPTS and LastPTS are the earliest and the latest presentation
	// timestamp of a frame.
	FirstPTS, LastPTS time.Duration
	// MaxStep is the longest step between the decoding timestamps of
	// successive packets, which must increase. In x265's output it is the
	// longest step between frames shown one after the other: the longest
	// gap plus a frame.
	MaxStep time.Duration
	// CreationTime is the container's creation_time; zero if it has none.
	CreationTime time.Time
}

// Probe reads every packet of path's first video stream with ffprobe,
// which is fast and exact for a complete file.
func Probe(ctx context.Context, s Settings, path string) (Info, error) {
	s, err := s.withDefaults()
	if err != nil {
		return Info{}, fmt.Errorf("probe: %w", err)
	}
	p := &probeParser{}
	lw := &lineWriter{line: p.line}
	err = runTool(ctx, s.FFprobe, s.Nice, lw, "-hide_banner", "-v", "error",
		"-select_streams", "v:0", "-count_packets",
		"-show_entries", "packet=pts,dts:stream=codec_name,codec_tag_string,time_base,nb_read_packets:format=duration:format_tags=creation_time",
		"-of", "compact", "-i", "file:"+path)
	if perr := lw.Close(); perr != nil {
		err = fmt.Errorf("read ffprobe output: %w", perr) // ffprobe died of the broken pipe
	}
	if err == nil {
		err = p.check()
	}
	if err != nil {
		return Info{}, fmt.Errorf("probe %s: %w", path, err)
	}
	return p.info, nil
}

// probeParser reads ffprobe's compact output: a line per packet, then the
// stream's line, then the format's.
type probeParser struct {
	info         Info
	packets      int64
	first, last  int64 // presentation timestamps, in the stream's time base
	dts, maxStep int64 // the last decoding timestamp and the longest step
	stream       bool
	tbNum, tbDen int64
}

func (p *probeParser) line(line string) error {
	if rest, ok := strings.CutPrefix(line, "packet|pts="); ok {
		pts, rest, _ := strings.Cut(rest, "|dts=")
		dts, _, _ := strings.Cut(rest, "|") // side data may follow
		return p.packet(pts, dts)
	}
	section, rest, _ := strings.Cut(line, "|")
	fields := map[string]string{}
	for kv := range strings.SplitSeq(rest, "|") {
		k, v, _ := strings.Cut(kv, "=")
		fields[k] = v
	}
	switch section {
	case "stream":
		return p.streamLine(fields)
	case "format":
		return p.format(fields)
	case "", "program": // a TS program lists its streams again
		return nil
	}
	return fmt.Errorf("unexpected ffprobe output %q", line)
}

func (p *probeParser) packet(ptsText, dtsText string) error {
	p.packets++
	pts, err := strconv.ParseInt(ptsText, 10, 64)
	if err != nil {
		return fmt.Errorf("packet %d: pts: %w", p.packets, err)
	}
	dts, err := strconv.ParseInt(dtsText, 10, 64)
	if err != nil {
		return fmt.Errorf("packet %d: dts: %w", p.packets, err)
	}
	if p.packets == 1 {
		p.first, p.last, p.dts = pts, pts, dts
	}
	if p.packets > 1 && dts <= p.dts {
		return fmt.Errorf("packet %d: decoding timestamp %d does not follow %d", p.packets, dts, p.dts)
	}
	p.first, p.last = min(p.first, pts), max(p.last, pts)
	p.maxStep = max(p.maxStep, dts-p.dts)
	p.dts = dts
	return nil
}

func (p *probeParser) streamLine(f map[string]string) error {
	if p.stream {
		return errors.New("more than one video stream")
	}
	p.stream = true
	p.info.Codec, p.info.CodecTag = f["codec_name"], f["codec_tag_string"]
	n, err := strconv.ParseInt(f["nb_read_packets"], 10, 64)
	if err != nil {
		return fmt.Errorf("packet count: %w", err)
	}
	p.info.Frames = n
	num, den, _ := strings.Cut(f["time_base"], "/")
	p.tbNum, err = strconv.ParseInt(num, 10, 64)
	if err == nil {
		p.tbDen, err = strconv.ParseInt(den, 10, 64)
	}
	if err != nil || p.tbNum <= 0 || p.tbDen <= 0 {
		return fmt.Errorf("invalid time base %q", f["time_base"])
	}
	return nil
}

func (p *probeParser) format(f map[string]string) error {
	if d := f["duration"]; d != "" && d != "N/A" {
		dur, err := time.ParseDuration(d + "s")
		if err != nil {
			return fmt.Errorf("duration: %w", err)
		}
		p.info.Duration = dur
	}
	if c := f["tag:creation_time"]; c != "" {
		t, err := time.Parse(time.RFC3339Nano, c)
		if err != nil {
			return fmt.Errorf("creation time: %w", err)
		}
		p.info.CreationTime = t
	}
	return nil
}

// check completes the Info once all output was read.
func (p *probeParser) check() error {
	switch {
	case !p.stream:
		return errors.New("no video stream")
	case p.packets != p.info.Frames:
		return fmt.Errorf("%w: %d packets listed, %d counted", ErrFrameMismatch, p.packets, p.info.Frames)
	case p.packets == 0:
		return errors.New("no video frames")
	}
	p.info.FirstPTS = p.ticks(p.first)
	p.info.LastPTS = p.ticks(p.last)
	p.info.MaxStep = p.ticks(p.maxStep)
	return nil
}

// ticks converts a timestamp in the stream's time base to a duration.
func (p *probeParser) ticks(v int64) time.Duration {
	v *= p.tbNum
	sec, rem := v/p.tbDen, v%p.tbDen
	return time.Duration(sec)*time.Second + time.Duration(rem*int64(time.Second)/p.tbDen)
}
