package control

import (
	"context"
	"errors"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/retention"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// Retention is what the control plane asks of retention: *retention.Retention.
type Retention interface {
	Hold(camera string, d day.Date, reason, who string) (retention.Hold, error)
	Release(camera string, d day.Date, who string) (retention.Hold, error)
	Held(camera string, d day.Date) (retention.Hold, bool)
	DryRun() (retention.Plan, error)
	Status() retention.Status
}

var _ Retention = (*retention.Retention)(nil)

// errNoRetention reports a retention RPC to a daemon without retention.
var errNoRetention = errors.New("retention is off in this daemon")

// HoldDay holds a day of a camera for the user behind the call.
func (s *service) HoldDay(ctx context.Context, req *cctvv1.HoldDayRequest) (*cctvv1.HoldDayResponse, error) {
	c, d, err := s.retentionDay(req.GetCamera(), req.GetDate())
	if err != nil {
		return nil, toStatus(err)
	}
	h, err := s.ret.Hold(c, d, req.GetReason(), who(ctx))
	if err != nil {
		return nil, toStatus(err)
	}
	return &cctvv1.HoldDayResponse{Hold: holdProto(h)}, nil
}

// ReleaseDay ends a day's hold.
func (s *service) ReleaseDay(ctx context.Context, req *cctvv1.ReleaseDayRequest) (*cctvv1.ReleaseDayResponse, error) {
	c, d, err := s.retentionDay(req.GetCamera(), req.GetDate())
	if err != nil {
		return nil, toStatus(err)
	}
	h, err := s.ret.Release(c, d, who(ctx))
	if err != nil {
		return nil, toStatus(err)
	}
	return &cctvv1.ReleaseDayResponse{Hold: holdProto(h)}, nil
}

// retentionDay checks a hold's camera and date.
func (s *service) retentionDay(camera, date string) (string, day.Date, error) {
	if s.ret == nil {
		return "", day.Date{}, errNoRetention
	}
	d, err := day.Parse(date)
	if err != nil {
		return "", day.Date{}, err
	}
	c, err := s.camera(camera)
	if err != nil {
		return "", day.Date{}, err
	}
	return c.Name, d, nil
}

func holdProto(h retention.Hold) *cctvv1.RetentionHold {
	return &cctvv1.RetentionHold{Camera: h.Camera, Date: h.Day, Reason: h.Reason, Who: h.Who, Time: timeProto(h.Time)}
}

func retentionStatusProto(st retention.Status) *cctvv1.RetentionStatus {
	out := &cctvv1.RetentionStatus{Blocked: st.Blocked, FreeBytes: st.Free, KeepFreeBytes: st.Need,
		DeletedDays: int32(st.DeletedDays), DeletedBytes: st.DeletedBytes, Error: st.Err}
	if !st.Since.IsZero() {
		out.BlockedSince = timeProto(st.Since)
	}
	if !st.Checked.IsZero() {
		out.CheckTime = timeProto(st.Checked)
	}
	return out
}
