package control

import (
	"context"
	"errors"
	"time"

	"google.golang.org/grpc"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// errNoPlan reports an archiver that answered a dry run without a plan.
var errNoPlan = errors.New("dry run gave no plan")

// ConvertDay queues a day and streams its progress until it ends; with
// dry_run it sends the plan and changes nothing. The conversion goes on if
// the client goes away.
func (s *service) ConvertDay(req *cctvv1.ConvertDayRequest, stream grpc.ServerStreamingServer[cctvv1.ConvertDayResponse]) error {
	d, err := parseDate(req.GetDate())
	if err != nil {
		return toStatus(err)
	}
	ctx := stream.Context()
	plan, err := s.arc.Convert(ctx, d, req.GetForce(), req.GetDryRun())
	if err != nil {
		return toStatus(err)
	}
	if req.GetDryRun() {
		if plan == nil {
			return toStatus(errNoPlan)
		}
		msg := planMsg(plan)
		// Whether force could convert the day now is the calendar's, so
		// that a dry run never suggests what Convert then refuses.
		msg.GetPlan().Recording = !d.Before(s.cal.today())
		msg.GetPlan().DueTime = timeProto(s.cal.due(d))
		return stream.Send(msg)
	}
	ch, stop, err := s.arc.Watch(d)
	if err != nil {
		return toStatus(err)
	}
	defer stop()
	s.log.Info("following conversion", "day", d.String(), "force", req.GetForce())
	return toStatus(s.follow(ctx, ch, func(p *Progress) error { return stream.Send(progressMsg(p)) }))
}

// follow passes a conversion's progress to send until its final report:
// every phase change at once, other reports at most one per s.every, and
// the last one always. It ends early when ctx ends (the client went away)
// or the server stops; the conversion goes on either way.
func (s *service) follow(ctx context.Context, ch <-chan Progress, send func(*Progress) error) error {
	var (
		last    Progress
		sent    time.Time // when last was sent; zero before the first
		pending *Progress
		timer   = time.NewTimer(time.Hour)
	)
	timer.Stop() // armed when a report is held back
	defer timer.Stop()
	flush := func(p *Progress) error {
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
			case sent.IsZero() || p.Phase != last.Phase || p.Phase.final():
				if err := flush(&p); err != nil || p.Phase.final() {
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

// CancelConversion stops a day's conversion; the segments stay as they were.
func (s *service) CancelConversion(ctx context.Context, req *cctvv1.CancelConversionRequest) (*cctvv1.CancelConversionResponse, error) {
	d, err := parseDate(req.GetDate())
	if err != nil {
		return nil, toStatus(err)
	}
	c, err := s.arc.Cancel(ctx, d)
	if err != nil {
		return nil, toStatus(err)
	}
	s.log.Info("conversion cancelled", "day", d.String(), "phase", string(c.Phase), "removed", c.Removed)
	return &cctvv1.CancelConversionResponse{Date: d.String(), Phase: phaseProto(c.Phase), RemovedFiles: int32(c.Removed)}, nil
}
