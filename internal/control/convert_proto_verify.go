package control

import (
	"fmt"

	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

var checksumStates = map[ChecksumState]cctvv1.ChecksumState{
	ChecksumVerified: cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED,
	ChecksumMismatch: cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH,
	ChecksumMissing:  cctvv1.ChecksumState_CHECKSUM_STATE_MISSING,
	// A checksum file that cannot be read cannot vouch for the archive.
	ChecksumInvalid: cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH,
}

func archiveCheckProto(c *ArchiveCheck) *cctvv1.ArchiveCheck {
	return &cctvv1.ArchiveCheck{
		File:           c.File,
		Bytes:          c.Bytes,
		ChecksumState:  checksumStates[c.Checksum],
		ExpectedSha512: c.Expected,
		ActualSha512:   c.Actual,
		Codec:          c.Codec,
		Frames:         c.Frames,
		Duration:       optDurProto(c.Duration),
	}
}

// archiveFindings are the problems of one checked archive.
func archiveFindings(c *ArchiveCheck) []*cctvv1.Finding {
	var out []*cctvv1.Finding
	add := func(k cctvv1.FindingKind, detail string) {
		out = append(out, &cctvv1.Finding{Kind: k, Files: []string{c.File}, Detail: detail})
	}
	switch c.Checksum {
	case ChecksumMissing:
		add(cctvv1.FindingKind_FINDING_KIND_CHECKSUM_MISSING, day.ChecksumName(c.File)+" is missing")
	case ChecksumMismatch:
		add(cctvv1.FindingKind_FINDING_KIND_CHECKSUM_MISMATCH,
			fmt.Sprintf("sha512 is %.16s…, the checksum file says %.16s…", c.Actual, c.Expected))
	case ChecksumInvalid:
		add(cctvv1.FindingKind_FINDING_KIND_CHECKSUM_MISMATCH, day.ChecksumName(c.File)+" cannot be read")
	}
	if c.Broken != nil {
		add(cctvv1.FindingKind_FINDING_KIND_ARCHIVE_BROKEN, errText(c.Broken))
	}
	return out
}

// verifyProto is the report VerifyDay answers. Segments still in the
// folder of a day that has an archive arrived late: one finding names them.
func verifyProto(r *Report, state cctvv1.DayState) *cctvv1.VerifyDayResponse {
	p := r.Plan
	if p == nil {
		p = &Plan{Date: r.Date}
	}
	out := &cctvv1.VerifyDayResponse{
		Date:         r.Date.String(),
		State:        state,
		SegmentCount: int32(len(p.Segments)),
		Bytes:        p.Bytes(),
	}
	for i := range r.Archives {
		out.Archives = append(out.Archives, archiveCheckProto(&r.Archives[i]))
		out.Findings = append(out.Findings, archiveFindings(&r.Archives[i])...)
	}
	if len(r.Archives) > 0 && len(p.Segments) > 0 {
		late := &cctvv1.Finding{Kind: cctvv1.FindingKind_FINDING_KIND_LATE,
			Detail: fmt.Sprintf("%d segments arrived after the archive was made", len(p.Segments))}
		for i := range p.Segments {
			late.Files = append(late.Files, p.Segments[i].Name)
		}
		out.Findings = append(out.Findings, late)
	}
	out.Findings = append(out.Findings, findingsProto(p.Findings, indexSegments(&p.Plan))...)
	return out
}
