package archive

import (
	"context"
	"io"
	"time"

	"github.com/cctvd/cctvd/internal/encode"
)

// encoder is what archiving needs of ffmpeg.
type encoder interface {
	EncodeChunk(ctx context.Context, src io.Reader, dst string, progress func(encode.Progress)) (encode.ChunkResult, error)
	Join(ctx context.Context, chunks []string, dst string, creationTime time.Time) error
	Probe(ctx context.Context, path string) (encode.Info, error)
	Decode(ctx context.Context, src io.Reader) (int64, error)
}

// ffmpeg is the encoder: internal/encode with the archiver's settings.
type ffmpeg struct{ s encode.Settings }

func (f ffmpeg) EncodeChunk(ctx context.Context, src io.Reader, dst string, progress func(encode.Progress)) (encode.ChunkResult, error) {
	return encode.EncodeChunk(ctx, f.s, src, dst, progress)
}

func (f ffmpeg) Join(ctx context.Context, chunks []string, dst string, creationTime time.Time) error {
	return encode.Join(ctx, f.s, chunks, dst, creationTime)
}

func (f ffmpeg) Probe(ctx context.Context, path string) (encode.Info, error) {
	return encode.Probe(ctx, f.s, path)
}

func (f ffmpeg) Decode(ctx context.Context, src io.Reader) (int64, error) {
	return encode.Decode(ctx, f.s, src)
}
