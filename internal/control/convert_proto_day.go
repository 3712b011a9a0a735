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
		Covered:             durProto(info.Covered),
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

// daySums is what the folder says of its archives' checksums: none without
// archives, missing if any archive lacks its checksum file, else
// unverified (re-hashing is VerifyDay's).
func daySums(as []ArchiveFile) cctvv1.ChecksumState {
	if len(as) == 0 {
		return cctvv1.ChecksumState_CHECKSUM_STATE_NONE
	}
	for _, a := range as {
		if !a.Checksum {
			return cctvv1.ChecksumState_CHECKSUM_STATE_MISSING
		}
	}
	return cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED
}
