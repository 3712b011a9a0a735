package control

import (
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/uploader"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// Offsite is what the control plane asks of the off-site uploader:
// *uploader.Uploader.
type Offsite interface {
	// Day is where camera's day's off-site copy is.
	Day(camera string, d day.Date) uploader.DayStatus
	// Status is the uploader at a glance.
	Status() uploader.Status
}

var _ Offsite = (*uploader.Uploader)(nil)

var offsiteStates = map[uploader.State]cctvv1.OffsiteState{
	uploader.None:      cctvv1.OffsiteState_OFFSITE_STATE_NONE,
	uploader.Pending:   cctvv1.OffsiteState_OFFSITE_STATE_PENDING,
	uploader.Uploading: cctvv1.OffsiteState_OFFSITE_STATE_UPLOADING,
	uploader.Verified:  cctvv1.OffsiteState_OFFSITE_STATE_VERIFIED,
	uploader.Failed:    cctvv1.OffsiteState_OFFSITE_STATE_ERROR,
}

// fillOffsite adds where the day's off-site copy is.
func (s *service) fillOffsite(d *cctvv1.Day, camera string, date day.Date) {
	if s.offsite == nil {
		return
	}
	st := s.offsite.Day(camera, date)
	d.OffsiteState = offsiteStates[st.State]
	if st.State == uploader.Verified {
		d.OffsiteVerifiedTime = timeProto(st.VerifiedAt)
	}
	d.OffsiteError = st.Err
}

func offsiteStatusProto(st uploader.Status) *cctvv1.OffsiteStatus {
	m := &cctvv1.OffsiteStatus{Target: st.Target, LastError: st.Err, Permanent: st.Permanent,
		UploadedBytes: st.Sent, QueueLength: int32(st.Queue), VerifiedDays: int32(st.Verified),
		Uploading: st.Uploading, KeepLocalDays: int32(st.KeepLocal)}
	m.LastErrorTime, m.LastVerifiedTime = timeProto(st.ErrTime), timeProto(st.LastVerified)
	return m
}
