package encode

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

// ChunkResult describes a chunk EncodeChunk wrote.
type ChunkResult struct {
	// Frames is how many frames were encoded; the chunk holds exactly these.
	Frames int64
	// Bytes is the chunk's size.
	Bytes int64
	// Elapsed is the wall-clock time the chunk took, verification included.
	Elapsed time.Duration
	// DupFrames and DropFrames are ffmpeg's counters; they are 0 in any result.
	DupFrames, DropFrames int64
	// Info is what the chunk holds. Its timestamps are the input's plus
	// ChunkOffset, which callers can check against the frames they sent.
	Info Info
}

// EncodeChunk encodes the H.264 MPEG-TS stream read from src to an H.265
// MPEG-TS file at dst, keeping every frame and its timestamp (plus
// ChunkOffset). progress, if not nil, is called with each report, from
// another goroutine; it must return quickly. EncodeChunk returns only after
// it stopped reading src. The output is verified: H.265, and exactly the
// frames that were encoded, none repeated or dropped (ErrFrameMismatch),
// with no gap longer than MaxGap (ErrGapTooLong).
// On any error, or when ctx ends, ffmpeg is killed and nothing is left at dst.
func EncodeChunk(ctx context.Context, s Settings, src io.Reader, dst string, progress func(Progress)) (ChunkResult, error) {
	s, err := s.withDefaults()
	if err != nil {
		return ChunkResult{}, fmt.Errorf("encode chunk: %w", err)
	}
	start := time.Now()
	var res ChunkResult
	err = writePartial(dst, func(tmp string) error {
		last, err := runFFmpeg(ctx, s, chunkArgs(s, tmp), src, progress)
		if err != nil {
			return err
		}
		res, err = checkChunk(ctx, s, tmp, last)
		return err
	})
	if err != nil {
		return ChunkResult{}, fmt.Errorf("encode chunk %s: %w", dst, err)
	}
	res.Elapsed = time.Since(start)
	return res, nil
}

// chunkArgs make ffmpeg encode stdin to an MPEG-TS file of H.265.
//
// MPEG-TS keeps the input's 90 kHz timestamps without rounding, needs no
// index written at the end, and chunks put one after the other are one
// valid stream, which Join copies into an mp4. The timeline flags:
//   - -copyts: take the input's timestamps as they are. Without it, ffmpeg
//     moves the stream to start at 0 and closes up any jump of more than
//     -dts_delta_threshold (10 s) in an MPEG-TS input: a 30 s gap vanishes.
//   - -fps_mode passthrough: give each decoded frame to the encoder once,
//     with its timestamp; never repeat or drop frames to fill a rate.
//   - -enc_time_base -1: encode in the input's 1/90000 time base. The
//     default, 1/frame rate, rounds timestamps to the nominal frame grid.
//   - -muxdelay 0 -muxpreload 0 -output_ts_offset: add ChunkOffset, the
//     same for every chunk, instead of the MPEG-TS muxer's 1.4 s, which it
//     adds only after ffmpeg moved a chunk whose first decoding timestamp
//     was negative.
func chunkArgs(s Settings, tmp string) []string {
	params := "log-level=error"
	if s.X265Params != "" {
		params += ":" + s.X265Params
	}
	return []string{
		"-hide_banner", "-nostats", "-loglevel", "warning", "-progress", "pipe:1",
		"-f", "mpegts", "-i", "pipe:0",
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-copyts", "-fps_mode", "passthrough", "-enc_time_base", "-1",
		"-c:v", "libx265", "-preset", s.Preset, "-crf", strconv.Itoa(s.CRF),
		"-x265-params", params, "-pix_fmt", "yuv420p",
		"-muxdelay", "0", "-muxpreload", "0",
		"-output_ts_offset", seconds(ChunkOffset),
		"-f", "mpegts", "-y", "file:" + tmp,
	}
}

// checkChunk verifies an encoded chunk against ffmpeg's last report.
func checkChunk(ctx context.Context, s Settings, tmp string, last Progress) (ChunkResult, error) {
	if last.DupFrames != 0 || last.DropFrames != 0 {
		return ChunkResult{}, fmt.Errorf("%w: ffmpeg repeated %d and dropped %d frames",
			ErrFrameMismatch, last.DupFrames, last.DropFrames)
	}
	info, err := Probe(ctx, s, tmp)
	if err != nil {
		return ChunkResult{}, err
	}
	if info.Codec != "hevc" {
		return ChunkResult{}, fmt.Errorf("output codec is %q, want hevc", info.Codec)
	}
	if info.Frames != last.Frames {
		return ChunkResult{}, fmt.Errorf("%w: %d frames encoded, %d in the output",
			ErrFrameMismatch, last.Frames, info.Frames)
	}
	if info.MaxStep > MaxGap {
		return ChunkResult{}, fmt.Errorf("%w: %v between two frames, at most %v",
			ErrGapTooLong, info.MaxStep, MaxGap)
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return ChunkResult{}, err
	}
	return ChunkResult{
		Frames:     last.Frames,
		Bytes:      fi.Size(),
		DupFrames:  last.DupFrames,
		DropFrames: last.DropFrames,
		Info:       info,
	}, nil
}

// seconds formats d for ffmpeg's time options.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}
