package control

import (
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestPlanProto(t *testing.T) {
	p := planProto(fixturePlan())
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

func TestProgressProto(t *testing.T) {
	d := date("2026-11-22")
	p := progressProto(&Progress{Date: d, Phase: PhaseEncoding, Chunk: 2, Chunks: 3, Frames: 10, TotalFrames: 30,
		OutTime: time.Minute, TotalTime: 3 * time.Minute, Speed: 2, Started: now, Updated: now.Add(time.Minute)})
	if p.Date != "2026-11-22" || p.Phase != cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING || p.Chunk != 2 || p.ChunkCount != 3 ||
		p.Eta != nil || p.OutTime.AsDuration() != time.Minute || p.UpdateTime.AsTime().Sub(p.StartTime.AsTime()) != time.Minute {
		t.Errorf("progress %v", p)
	}
	for ph := range phases {
		if phaseProto(ph) == cctvv1.ConversionPhase_CONVERSION_PHASE_UNSPECIFIED {
			t.Errorf("phase %s has no enum value", ph)
		}
	}
	if phaseProto("nonsense") != cctvv1.ConversionPhase_CONVERSION_PHASE_UNSPECIFIED {
		t.Error("an unknown phase has a value")
	}
}

// A kind the API has a name for keeps that name end to end: the log's
// "unreadable" is not the client's "other".
func TestFindingKindsKeepTheirNames(t *testing.T) {
	for k, v := range findingKinds {
		name := "FINDING_KIND_" + strings.ToUpper(string(k))
		if want, ok := cctvv1.FindingKind_value[name]; ok && v != cctvv1.FindingKind(want) {
			t.Errorf("%s is sent as %v, want %s", k, v, name)
		}
	}
	if got := findingKind(ts.Unreadable); got != cctvv1.FindingKind_FINDING_KIND_UNREADABLE {
		t.Errorf("unreadable is sent as %v", got)
	}
}

func TestTimeProto(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		set  bool
	}{
		{name: "zero", in: time.Time{}},
		{name: "a camera's time", in: time.Date(2026, 11, 29, 13, 30, 42, 153192286, time.UTC), set: true},
		{name: "the end of 9999-12-31 (its due time)", in: time.Date(10000, 1, 2, 0, 0, 0, 0, time.UTC)},
		{name: "before year 1", in: time.Date(0, 12, 31, 0, 0, 0, 0, time.UTC)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := timeProto(tt.in)
			if (got != nil) != tt.set {
				t.Fatalf("timeProto(%v) = %v, want set %v", tt.in, got, tt.set)
			}
			if got != nil && !got.AsTime().Equal(tt.in) {
				t.Errorf("timeProto(%v) = %v", tt.in, got.AsTime())
			}
		})
	}
}
