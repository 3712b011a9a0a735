package control

import (
	"testing"
	"time"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestPlanProto(t *testing.T) {
	p := planProto("", fixturePlan())
	if p.Date != "2026-11-20" || p.Output != "video.mp4" || !p.Due || p.Bytes != 4_000_000 || p.Frames != 1000 ||
		p.Duration.AsDuration() != 40*time.Second {
		t.Errorf("plan header: %v", p)
	}
	if len(p.Segments) != 4 {
		t.Fatalf("segments %v", p.Segments)
	}
	for i, want := range []bool{false, false, false, true} {
		if p.Segments[i].Restart != want {
			t.Errorf("segment %s restart %v", p.Segments[i].Name, p.Segments[i].Restart)
		}
	}
	s := p.Segments[0]
	if s.Bytes != 1_000_000 || s.Frames != 250 || s.Duration.AsDuration() != 10*time.Second ||
		!s.StartTime.AsTime().Equal(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("first segment %v", s)
	}
	if len(p.Kept) != 2 || p.Kept[0].Name != "notes.txt" || p.Kept[0].Reason != cctvv1.FindingKind_FINDING_KIND_NOT_TS ||
		p.Kept[0].Detail != "not a segment file" || p.Kept[0].Bytes != 12 || p.Kept[1].Reason != cctvv1.FindingKind_FINDING_KIND_ZERO_BYTE {
		t.Errorf("kept %v", p.Kept)
	}
	c := p.Chunks[1]
	if c.Index != 2 || c.FirstSegment != "seg3.ts" || c.LastSegment != "seg4.ts" || c.SegmentCount != 2 || c.Done || !p.Chunks[0].Done {
		t.Errorf("chunks %v", p.Chunks)
	}
	for _, f := range p.Findings {
		switch f.Kind {
		case cctvv1.FindingKind_FINDING_KIND_GAP:
			// seg2 ends at 08:00:20; 30 s are missing.
			if !f.Time.AsTime().Equal(time.Date(2026, 11, 20, 8, 0, 20, 0, time.UTC)) || f.Duration.AsDuration() != 30*time.Second {
				t.Errorf("gap %v", f)
			}
		case cctvv1.FindingKind_FINDING_KIND_RESTART:
			if f.Time == nil || f.Duration != nil {
				t.Errorf("restart %v", f)
			}
		}
	}
}
