package control

import (
	"context"
	"strings"
	"time"

	"google.golang.org/grpc"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// progressEvery is how often a ConvertDay stream reports progress at most,
// phase changes aside.
const progressEvery = time.Second

// ConvertDay queues a day and streams its progress until it ends; with
// dry_run it sends the plan and changes nothing. The conversion goes on if
// the client goes away.
func (s *service) ConvertDay(req *cctvv1.ConvertDayRequest, stream grpc.ServerStreamingServer[cctvv1.ConvertDayResponse]) error {
	d, err := day.Parse(req.GetDate())
	if err != nil {
		return toStatus(err)
	}
	cam, err := s.camera(req.GetCamera())
	if err != nil {
		return toStatus(err)
	}
	ctx := stream.Context()
	plan, err := cam.Archiver.Convert(ctx, d, req.GetForce(), req.GetDryRun())
	if err != nil {
		return toStatus(err)
	}
	if req.GetDryRun() {
		if plan == nil {
			return toStatus(errNoPlan)
		}
		msg := planMsg(cam.Name, plan)
		// Whether force could convert the day now is the calendar's, so
		// that a dry run never suggests what Convert then refuses.
		msg.GetPlan().Recording = !d.Before(s.cal.Today(s.now()))
		msg.GetPlan().DueTime = timeProto(s.cal.Due(d))
		return stream.Send(msg)
	}
	ch, stop, err := cam.Archiver.Watch(d)
	if err != nil {
		return toStatus(err)
	}
	defer stop()
	s.log.Info("following conversion", "camera", cam.Name, "day", d.String(), "force", req.GetForce())
	return toStatus(s.follow(ctx, ch, func(p *archive.Progress) error { return stream.Send(progressMsg(cam.Name, p)) }))
}

// follow passes a conversion's progress to send until its final report:
// every phase change at once, other reports at most one per s.every, and
// the last one always. It ends early when ctx ends (the client went away)
// or the server stops; the conversion goes on either way.
func (s *service) follow(ctx context.Context, ch <-chan archive.Progress, send func(*archive.Progress) error) error {
	var (
		last    archive.Progress
		sent    time.Time // when last was sent; zero before the first
		pending *archive.Progress
		timer   = time.NewTimer(time.Hour)
	)
	timer.Stop() // armed when a report is held back
	defer timer.Stop()
	flush := func(p *archive.Progress) error {
		last, sent, pending = *p, time.Now(), nil
		return send(p)
	}
	for {
		var tick <-chan time.Time
		if pending != nil {
			tick = timer.C
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.closed:
			return ErrShuttingDown
		case <-tick:
			if err := flush(pending); err != nil {
				return err
			}
		case p, ok := <-ch:
			switch {
			case !ok && pending != nil:
				return flush(pending)
			case !ok:
				return nil
			case sent.IsZero() || p.Phase != last.Phase || p.Phase.Final():
				if err := flush(&p); err != nil || p.Phase.Final() {
					return err
				}
			case time.Since(sent) >= s.every:
				if err := flush(&p); err != nil {
					return err
				}
			default:
				if pending == nil {
					timer.Reset(s.every - time.Since(sent))
				}
				pending = &p
			}
		}
	}
}

// phaseProto is p's enum value, the one of the same name; UNSPECIFIED for
// a phase this API lacks. The names are the archiver's, so a phase added
// there is sent as soon as the API has its name.
func phaseProto(p archive.Phase) cctvv1.ConversionPhase {
	return cctvv1.ConversionPhase(cctvv1.ConversionPhase_value["CONVERSION_PHASE_"+strings.ToUpper(string(p))])
}

func progressProto(camera string, p *archive.Progress) *cctvv1.ConversionProgress {
	return &cctvv1.ConversionProgress{
		Camera:       camera,
		Date:         p.Date.String(),
		Phase:        phaseProto(p.Phase),
		Chunk:        int32(p.Chunk),
		ChunkCount:   int32(p.Chunks),
		Frames:       p.Frames,
		TotalFrames:  p.TotalFrames,
		OutTime:      durProto(p.OutTime),
		TotalTime:    durProto(p.TotalTime),
		Speed:        p.Speed,
		Eta:          optDurProto(p.ETA),
		StartTime:    timeProto(p.Started),
		UpdateTime:   timeProto(p.Updated),
		Error:        errText(p.Err),
		StderrTail:   p.StderrTail,
		ArchiveFile:  p.Archive,
		ArchiveBytes: p.ArchiveBytes,
		Sha512:       p.SHA512,
	}
}

func progressMsg(camera string, p *archive.Progress) *cctvv1.ConvertDayResponse {
	return &cctvv1.ConvertDayResponse{Event: &cctvv1.ConvertDayResponse_Progress{Progress: progressProto(camera, p)}}
}
