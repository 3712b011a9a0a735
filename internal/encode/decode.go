package encode

import (
	"context"
	"fmt"
	"io"
)

// Decode decodes the video of the MPEG-TS stream read from src and
// returns how many frames came out. A stream that decodes whole gives as
// many frames as it holds; a corrupt one fewer, since ffmpeg's decoder
// drops what it cannot rebuild. Nothing is written.
func Decode(ctx context.Context, s Settings, src io.Reader) (int64, error) {
	s, err := s.withDefaults()
	if err != nil {
		return 0, fmt.Errorf("decode: %w", err)
	}
	last, err := runFFmpeg(ctx, s, decodeArgs(), src, nil)
	if err != nil {
		return 0, fmt.Errorf("decode: %w", err)
	}
	return last.Frames, nil
}

// decodeArgs make ffmpeg decode stdin's first video stream into nothing,
// every decoded frame counted once (-fps_mode passthrough), as a chunk's
// encode would see them.
func decodeArgs() []string {
	return []string{
		"-hide_banner", "-nostats", "-loglevel", "error", "-progress", "pipe:1",
		"-f", "mpegts", "-i", "pipe:0",
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-copyts", "-fps_mode", "passthrough",
		"-f", "null", "-",
	}
}
