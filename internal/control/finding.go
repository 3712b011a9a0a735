package control

import (
	"time"

	"github.com/cctvd/cctvd/internal/ts"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

var findingKinds = map[ts.Kind]cctvv1.FindingKind{
	ts.Gap:           cctvv1.FindingKind_FINDING_KIND_GAP,
	ts.Restart:       cctvv1.FindingKind_FINDING_KIND_RESTART,
	ts.Damaged:       cctvv1.FindingKind_FINDING_KIND_CORRUPT,
	ts.Duplicate:     cctvv1.FindingKind_FINDING_KIND_DUPLICATE,
	ts.Overlap:       cctvv1.FindingKind_FINDING_KIND_OVERLAP,
	ts.Truncated:     cctvv1.FindingKind_FINDING_KIND_TRUNCATED,
	ts.BadTimestamps: cctvv1.FindingKind_FINDING_KIND_CORRUPT,
	ts.Undecodable:   cctvv1.FindingKind_FINDING_KIND_CORRUPT,
	ts.ZeroByte:      cctvv1.FindingKind_FINDING_KIND_ZERO_BYTE,
	ts.NotTS:         cctvv1.FindingKind_FINDING_KIND_NOT_TS,
	ts.Foreign:       cctvv1.FindingKind_FINDING_KIND_NOT_TS,
	ts.InFlight:      cctvv1.FindingKind_FINDING_KIND_IN_FLIGHT,
	ts.NoVideo:       cctvv1.FindingKind_FINDING_KIND_OTHER,
	ts.Unreadable:    cctvv1.FindingKind_FINDING_KIND_UNREADABLE,
	ts.OutsideDay:    cctvv1.FindingKind_FINDING_KIND_OUTSIDE_DAY,
	ts.Reordered:     cctvv1.FindingKind_FINDING_KIND_REORDERED,
}

// findingKind is k's enum value; OTHER for a kind this API has no name for.
func findingKind(k ts.Kind) cctvv1.FindingKind {
	if v, ok := findingKinds[k]; ok {
		return v
	}
	return cctvv1.FindingKind_FINDING_KIND_OTHER
}

// segmentIndex finds a plan's segments by name, to place findings in time.
type segmentIndex map[string]*ts.Segment

func indexSegments(p *ts.Plan) segmentIndex {
	idx := make(segmentIndex, len(p.Segments))
	for i := range p.Segments {
		idx[p.Segments[i].Name] = &p.Segments[i]
	}
	return idx
}

// when is the wall-clock time of a finding, if its files say: a gap starts
// where the file before it ends, a restart where the file after it starts,
// anything else where its first file starts.
func (idx segmentIndex) when(f *ts.Finding) time.Time {
	if len(f.Files) == 0 {
		return time.Time{}
	}
	switch f.Kind {
	case ts.Gap:
		if s := idx[f.Files[0]]; s != nil && !s.Start.IsZero() {
			return s.Start.Add(s.Report.Duration())
		}
	case ts.Restart:
		if s := idx[f.Files[len(f.Files)-1]]; s != nil {
			return s.Start
		}
	default:
		if s := idx[f.Files[0]]; s != nil {
			return s.Start
		}
	}
	return time.Time{}
}

func findingsProto(fs []ts.Finding, idx segmentIndex) []*cctvv1.Finding {
	out := make([]*cctvv1.Finding, 0, len(fs))
	for i := range fs {
		f := &fs[i]
		out = append(out, &cctvv1.Finding{
			Kind:     findingKind(f.Kind),
			Files:    f.Files,
			Detail:   f.Detail,
			Time:     timeProto(idx.when(f)),
			Duration: optDurProto(f.Length),
		})
	}
	return out
}
