package control

import (
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// dayProto is a day as ListDays shows it; job is nil when the archiver
// has not dealt with the day.
func (c calendar) dayProto(info *DayInfo, job *Job) *cctvv1.Day {
	d := &cctvv1.Day{
		Date:                info.Date.String(),
		State:               c.dayState(info, job),
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
		DueTime:             timeProto(c.due(info.Date)),
	}
	for _, a := range info.Archives {
		d.ArchiveFiles = append(d.ArchiveFiles, a.Name)
	}
	if d.ArchiveBytes > 0 && d.ArchivedSourceBytes > 0 {
		d.ReductionRatio = float64(d.ArchiveBytes) / float64(d.ArchivedSourceBytes)
	}
	if job != nil && (job.State == JobFailed || job.State == JobCancelled) {
		d.LastError = errText(firstErr(job.Err, job.Progress.Err))
	}
	if job != nil && job.State == JobFailed {
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
