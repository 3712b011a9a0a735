package control

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// ListDays lists the day folders of every camera or of one, each camera's
// oldest first, optionally only some states.
func (s *service) ListDays(ctx context.Context, req *cctvv1.ListDaysRequest) (*cctvv1.ListDaysResponse, error) {
	want, err := stateFilter(req.GetStates())
	if err != nil {
		return nil, toStatus(err)
	}
	cams := s.cameras()
	if req.Camera != nil {
		c, err := s.camera(req.GetCamera())
		if err != nil {
			return nil, toStatus(err)
		}
		cams = []Camera{*c}
	}
	now := s.now()
	resp := &cctvv1.ListDaysResponse{}
	for _, c := range cams {
		jobs := c.jobs()
		scrubs := s.scrubsOf(c.Name)
		days := c.Days.Days()
		slices.SortFunc(days, func(a, b DayInfo) int { return a.Date.Compare(b.Date) })
		for i := range days {
			job := jobs[days[i].Date]
			s.checked.fill(c.Name, &days[i], job)
			d := s.dayProto(now, c.Name, &days[i], job)
			fillScrubs(d, present(scrubs[days[i].Date], &days[i]))
			s.fillOffsite(d, c.Name, days[i].Date)
			if want == nil || want[d.State] {
				resp.Days = append(resp.Days, d)
			}
		}
	}
	return resp, nil
}

// stateFilter is the set of states asked for; nil means all.
func stateFilter(states []cctvv1.DayState) (map[cctvv1.DayState]bool, error) {
	if len(states) == 0 {
		return nil, nil
	}
	want := map[cctvv1.DayState]bool{}
	for _, st := range states {
		if _, ok := cctvv1.DayState_name[int32(st)]; !ok || st == cctvv1.DayState_DAY_STATE_UNSPECIFIED {
			return nil, markAs(fmt.Errorf("states: %d is not a day state", st), errInvalid)
		}
		want[st] = true
	}
	return want, nil
}

// dayProto is a day of camera as ListDays shows it at now; job is nil
// when the archiver has not dealt with the day.
func (s *service) dayProto(now time.Time, camera string, info *DayInfo, job *archive.DayStatus) *cctvv1.Day {
	d := &cctvv1.Day{
		Camera:              camera,
		Date:                info.Date.String(),
		State:               dayState(s.cal, now, info, job),
		SegmentCount:        int32(info.Segments),
		Bytes:               info.Bytes,
		Covered:             durProto(info.Covered + info.ArchivedCovered),
		FirstSegmentTime:    timeProto(info.First),
		LastSegmentTime:     timeProto(info.Last),
		GapCount:            int32(info.Gaps),
		GapDuration:         durProto(info.Missing),
		FindingCount:        int32(info.Findings),
		KeptCount:           int32(info.Kept),
		ArchiveBytes:        info.archiveBytes(),
		ArchivedSourceBytes: info.ArchivedSourceBytes,
		ChecksumState:       daySums(info.Archives),
		DueTime:             timeProto(s.cal.Due(info.Date)),
	}
	if s.ret != nil {
		if h, ok := s.ret.Held(camera, info.Date); ok {
			d.Held, d.HoldReason, d.HoldWho, d.HoldTime = true, h.Reason, h.Who, timeProto(h.Time)
		}
	}
	for _, a := range info.Archives {
		d.ArchiveFiles = append(d.ArchiveFiles, a.Name)
	}
	if d.ArchiveBytes > 0 && d.ArchivedSourceBytes > 0 {
		d.ReductionRatio = float64(d.ArchiveBytes) / float64(d.ArchivedSourceBytes)
	}
	if job != nil && (job.State == archive.StateFailed || job.State == archive.StateCancelled) {
		d.LastError = errText(firstErr(job.Err, job.Progress.Err))
	}
	if job != nil && job.State == archive.StateFailed {
		d.NextAttemptTime = timeProto(job.NextAttempt)
	}
	return d
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// daySums is what is known of a day's archives' checksums, the worst of
// them: none without archives; mismatch if re-hashing found one differs;
// missing if one lacks its checksum file; unverified if one was not
// re-hashed by this process (re-hashing is VerifyDay's, and the
// conversion's that wrote it); else verified.
func daySums(as []ArchiveFile) cctvv1.ChecksumState {
	if len(as) == 0 {
		return cctvv1.ChecksumState_CHECKSUM_STATE_NONE
	}
	worst := cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED
	rank := map[cctvv1.ChecksumState]int{
		cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED:   0,
		cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED: 1,
		cctvv1.ChecksumState_CHECKSUM_STATE_MISSING:    2,
		cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH:   3,
	}
	for _, a := range as {
		st := cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED
		switch {
		case a.Checked != "":
			st = checksumStates[a.Checked]
		case !a.Checksum:
			st = cctvv1.ChecksumState_CHECKSUM_STATE_MISSING
		}
		if rank[st] > rank[worst] {
			worst = st
		}
	}
	return worst
}
