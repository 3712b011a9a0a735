package control

import (
	"context"
	"errors"
	"fmt"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// VerifyDay checks one day now; what it finds is data, not an error.
func (s *service) VerifyDay(ctx context.Context, req *cctvv1.VerifyDayRequest) (*cctvv1.VerifyDayResponse, error) {
	d, err := day.Parse(req.GetDate())
	if err != nil {
		return nil, toStatus(err)
	}
	cam, err := s.camera(req.GetCamera())
	if err != nil {
		return nil, toStatus(err)
	}
	rep, err := cam.Archiver.Verify(ctx, d)
	if err != nil {
		return nil, toStatus(withMisplaced(err, cam.misplaced(), d))
	}
	s.checked.record(cam.Name, rep)
	// The state follows the fresh scan rather than the catalog, which does
	// not know that a segment is a copy of one already archived.
	info := reportInfo(rep)
	resp := verifyProto(rep, dayState(s.cal, s.now(), &info, cam.jobs()[d]))
	resp.Camera = cam.Name
	resp.Findings = append(resp.Findings, misplacedFindings(cam.misplaced(), d)...)
	return resp, nil
}

// reportInfo is what a verify report says of its day, for its state.
func reportInfo(r *archive.Report) DayInfo {
	info := DayInfo{Date: r.Date}
	if r.Plan != nil {
		info.Segments = len(r.Plan.Segments)
	}
	for _, a := range r.Archives {
		info.Archives = append(info.Archives, ArchiveFile{Name: a.File, Bytes: a.Bytes})
	}
	return info
}

// verifyProto is the report VerifyDay answers. Segments still in the
// folder of a day that has an archive arrived late: one finding names them.
func verifyProto(r *archive.Report, state cctvv1.DayState) *cctvv1.VerifyDayResponse {
	p := r.Plan
	if p == nil {
		p = &archive.Plan{Date: r.Date}
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

func archiveCheckProto(c *archive.ArchiveCheck) *cctvv1.ArchiveCheck {
	return &cctvv1.ArchiveCheck{
		File:           c.File,
		Bytes:          c.Bytes,
		ChecksumState:  checksumStates[c.Checksum],
		ExpectedSha512: c.Expected,
		ActualSha512:   c.Actual,
		Codec:          c.Info.Codec,
		Frames:         c.Info.Frames,
		Duration:       optDurProto(c.Info.Duration),
	}
}

// archiveFindings are the problems of one checked archive.
func archiveFindings(c *archive.ArchiveCheck) []*cctvv1.Finding {
	var out []*cctvv1.Finding
	add := func(k cctvv1.FindingKind, detail string) {
		out = append(out, &cctvv1.Finding{Kind: k, Files: []string{c.File}, Detail: detail})
	}
	switch c.Checksum {
	case archive.ChecksumMissing:
		add(cctvv1.FindingKind_FINDING_KIND_CHECKSUM_MISSING, day.ChecksumName(c.File)+" is missing")
	case archive.ChecksumMismatch:
		add(cctvv1.FindingKind_FINDING_KIND_CHECKSUM_MISMATCH,
			fmt.Sprintf("sha512 is %.16s…, the checksum file says %.16s…", c.Actual, c.Expected))
	case archive.ChecksumInvalid:
		add(cctvv1.FindingKind_FINDING_KIND_CHECKSUM_MISMATCH, day.ChecksumName(c.File)+" cannot be read")
	}
	if err := broken(c); err != nil {
		add(cctvv1.FindingKind_FINDING_KIND_ARCHIVE_BROKEN, errText(err))
	}
	return out
}

// broken is what is wrong with the archive file itself: it cannot be read
// (it was not hashed), or it does not probe as the video that went in.
// A checksum's state alone is not in it; nil when the file is sound.
func broken(c *archive.ArchiveCheck) error {
	if c.Err != nil && (c.Actual == "" || errors.Is(c.Err, archive.ErrVerify)) {
		return c.Err
	}
	return nil
}
