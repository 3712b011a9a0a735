package control

import (
	"context"
	"io"
	"os"
	"time"

	"google.golang.org/grpc"

	"github.com/cctvd/cctvd/internal/export"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// Exporter cuts ranges of a camera's footage (package export).
type Exporter interface {
	ParseRange(start, end string) (export.Range, error)
	Export(ctx context.Context, r export.Range, progress func(export.Progress)) (*export.Clip, error)
}

// exportChunk is how much of a clip one message carries: well under
// gRPC's 4 MiB message limit.
const exportChunk = 256 << 10

// ExportRange makes the clip, streaming its progress, then sends it and
// removes it. A client that goes away cancels the export.
func (s *service) ExportRange(req *cctvv1.ExportRangeRequest, stream grpc.ServerStreamingServer[cctvv1.ExportRangeResponse]) error {
	cam, err := s.camera(req.GetCamera())
	if err != nil {
		return toStatus(err)
	}
	if cam.Exporter == nil {
		return toStatus(markAs(errNoExports, errInvalid))
	}
	r, err := cam.Exporter.ParseRange(req.GetStart(), req.GetEnd())
	if err != nil {
		return toStatus(err)
	}
	ctx := stream.Context()
	var sent time.Time
	var sendErr error
	clip, err := cam.Exporter.Export(ctx, r, func(p export.Progress) {
		if sendErr != nil || (p.Done < p.Total && time.Since(sent) < progressEvery) {
			return
		}
		sent = time.Now()
		sendErr = stream.Send(&cctvv1.ExportRangeResponse{Event: &cctvv1.ExportRangeResponse_Progress{
			Progress: &cctvv1.ExportProgress{DoneBytes: p.Done, TotalBytes: p.Total}}})
	})
	if err != nil {
		return toStatus(err)
	}
	defer clip.Remove()
	if sendErr != nil {
		return toStatus(sendErr)
	}
	s.log.Info("export", "camera", cam.Name, "start", r.Start, "end", r.End, "clip", clip.Name, "bytes", clip.Manifest.File.Bytes)
	f := clip.Manifest.File
	if err := stream.Send(&cctvv1.ExportRangeResponse{Event: &cctvv1.ExportRangeResponse_Clip{
		Clip: &cctvv1.ExportClip{Name: f.Name, Size: f.Bytes, Sha512: f.SHA512}}}); err != nil {
		return toStatus(err)
	}
	if err := sendFile(clip.MP4, stream); err != nil {
		return toStatus(err)
	}
	m, err := clip.Manifest.JSON()
	if err != nil {
		return toStatus(err)
	}
	return toStatus(stream.Send(&cctvv1.ExportRangeResponse{Event: &cctvv1.ExportRangeResponse_ManifestJson{ManifestJson: string(m)}}))
}

func sendFile(path string, stream grpc.ServerStreamingServer[cctvv1.ExportRangeResponse]) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	buf := make([]byte, exportChunk)
	for {
		n, err := io.ReadFull(fh, buf)
		if n > 0 {
			if err := stream.Send(&cctvv1.ExportRangeResponse{Event: &cctvv1.ExportRangeResponse_Data{Data: buf[:n]}}); err != nil {
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}
