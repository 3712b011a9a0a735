package control

import (
	"testing"

	"google.golang.org/protobuf/proto"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestGetStatus(t *testing.T) {
	h := serve(t, Config{})
	got, err := h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != "v1.2.3" || got.GetUptime().AsDuration() != 0 || !got.GetStartTime().AsTime().Equal(now) ||
		got.GetSettle().AsDuration() != settle || got.Root == "" {
		t.Errorf("version, uptime, start, settle or root wrong: %v", got)
	}
	wantCounts := map[cctvv1.DayState]int32{
		cctvv1.DayState_DAY_STATE_RECORDING: 1, cctvv1.DayState_DAY_STATE_SETTLING: 1, cctvv1.DayState_DAY_STATE_QUEUED: 1,
		cctvv1.DayState_DAY_STATE_ARCHIVED: 2, cctvv1.DayState_DAY_STATE_FAILED: 1, cctvv1.DayState_DAY_STATE_PARTIAL: 1,
	}
	for _, c := range got.DayCounts {
		if wantCounts[c.State] != c.Count {
			t.Errorf("%v: %d days, want %d", c.State, c.Count, wantCounts[c.State])
		}
		delete(wantCounts, c.State)
	}
	if len(wantCounts) > 0 {
		t.Errorf("states missing: %v", wantCounts)
	}
	d := got.GetDisk()
	wantRoot := uint64((4320+8640+8640+8000+3)*500_000 + 400_000_000 + 300_000_000)
	if d.GetTotalBytes() != 1000 || d.GetUsedBytes() != 400 || d.GetFreeBytes() != 550 || d.GetRootBytes() != wantRoot {
		t.Errorf("disk %v, want root bytes %d", d, wantRoot)
	}
	if len(got.Conversions) != 0 {
		t.Errorf("conversions while idle: %v", got.Conversions)
	}
	if len(got.RecentErrors) != 1 || got.RecentErrors[0].Component != "archive" || got.RecentErrors[0].Date != "2026-11-21" {
		t.Errorf("recent errors %v", got.RecentErrors)
	}
	wantPending := []*cctvv1.PendingConversion{{Date: "2026-11-21", ChunksDone: 2, ChunkCount: 5}, {Date: "2026-11-23", Forced: true}}
	if len(got.Pending) != len(wantPending) {
		t.Errorf("pending %v, want %v", got.Pending, wantPending)
	}
	for i := range min(len(got.Pending), len(wantPending)) {
		if !proto.Equal(got.Pending[i], wantPending[i]) {
			t.Errorf("pending %d: %v, want %v", i, got.Pending[i], wantPending[i])
		}
	}

	// A conversion under way shows.
	if _, err := h.arc.Convert(t.Context(), date("2026-11-22"), false, false); err != nil {
		t.Fatal(err)
	}
	got, err = h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Conversions) != 1 || got.Conversions[0].Date != "2026-11-22" ||
		got.Conversions[0].Phase != cctvv1.ConversionPhase_CONVERSION_PHASE_QUEUED {
		t.Errorf("conversions %v", got.Conversions)
	}
}
