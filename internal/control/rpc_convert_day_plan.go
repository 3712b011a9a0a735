package control

import (
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/ts"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// The plan a ConvertDay dry run sends.

func planMsg(camera string, p *archive.Plan) *cctvv1.ConvertDayResponse {
	return &cctvv1.ConvertDayResponse{Event: &cctvv1.ConvertDayResponse_Plan{Plan: planProto(camera, p)}}
}

func planProto(camera string, p *archive.Plan) *cctvv1.Plan {
	idx := indexSegments(&p.Plan)
	out := &cctvv1.Plan{
		Camera:   camera,
		Date:     p.Date.String(),
		Output:   p.Output,
		Segments: make([]*cctvv1.PlanSegment, 0, len(p.Segments)),
		Kept:     keptProto(&p.Plan),
		Chunks:   make([]*cctvv1.Chunk, 0, len(p.Chunks)),
		Findings: findingsProto(p.Findings, idx),
		Bytes:    p.Bytes(),
		Frames:   int64(p.Frames()),
		Duration: durProto(footage(&p.Plan)),
		Due:      p.Due,
	}
	for i := range p.Segments {
		s := &p.Segments[i]
		out.Segments = append(out.Segments, &cctvv1.PlanSegment{
			Name:      s.Name,
			Bytes:     s.Report.Size,
			Frames:    int64(s.Report.Frames),
			Duration:  durProto(s.Report.Duration()),
			StartTime: timeProto(s.Start),
			Restart:   i > 0 && s.Run != p.Segments[i-1].Run,
		})
	}
	for _, c := range p.Chunks {
		out.Chunks = append(out.Chunks, chunkProto(&p.Plan, c))
	}
	return out
}

// chunkProto is c as the API numbers chunks: from 1, where the archiver's
// Index counts from 0.
func chunkProto(p *ts.Plan, c archive.Chunk) *cctvv1.Chunk {
	out := &cctvv1.Chunk{
		Index:        int32(c.Index + 1),
		SegmentCount: int32(c.Count),
		Frames:       c.Frames,
		Duration:     durProto(c.Duration),
		Done:         c.Done,
	}
	if c.Count > 0 && c.First >= 0 && c.First+c.Count <= len(p.Segments) {
		out.FirstSegment = p.Segments[c.First].Name
		out.LastSegment = p.Segments[c.First+c.Count-1].Name
	}
	return out
}

// footage is the time the plan's segments cover, gaps not counted.
func footage(p *ts.Plan) time.Duration {
	var d time.Duration
	for i := range p.Segments {
		d += p.Segments[i].Report.Duration()
	}
	return d
}

// keptProto lists the files that stay out, with the detail of the finding
// that names them.
func keptProto(p *ts.Plan) []*cctvv1.KeptFile {
	detail := map[string]string{}
	for _, f := range p.Findings {
		if n := len(f.Files); n > 0 {
			detail[string(f.Kind)+"\x00"+f.Files[n-1]] = f.Detail
		}
	}
	out := make([]*cctvv1.KeptFile, 0, len(p.Kept))
	for _, k := range p.Kept {
		out = append(out, &cctvv1.KeptFile{
			Name:   k.Name,
			Reason: findingKind(k.Reason),
			Detail: detail[string(k.Reason)+"\x00"+k.Name],
			Bytes:  k.Size,
		})
	}
	return out
}
