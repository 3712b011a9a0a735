package control

import (
	"testing"

	"github.com/cctvd/cctvd/internal/archive"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestDayState(t *testing.T) {
	archives := []ArchiveFile{{Name: "video.mp4", Bytes: 1, Checksum: true}}
	tests := []struct {
		name string
		info DayInfo
		job  *archive.DayStatus
		want cctvv1.DayState
	}{
		{name: "today", info: DayInfo{Date: date("2026-11-25"), Segments: 5}, want: cctvv1.DayState_DAY_STATE_RECORDING},
		{name: "tomorrow (a camera's clock ahead)", info: DayInfo{Date: date("2026-11-26"), Segments: 5}, want: cctvv1.DayState_DAY_STATE_RECORDING},
		{name: "yesterday", info: DayInfo{Date: date("2026-11-24"), Segments: 5}, want: cctvv1.DayState_DAY_STATE_SETTLING},
		// 2026-11-23 ends at midnight on the 24th: due at noon on the 25th is not yet.
		{name: "due in 12 hours", info: DayInfo{Date: date("2026-11-23"), Segments: 5}, want: cctvv1.DayState_DAY_STATE_SETTLING},
		{name: "due since midnight", info: DayInfo{Date: date("2026-11-22"), Segments: 5}, want: cctvv1.DayState_DAY_STATE_QUEUED},
		{name: "due, still being scanned", info: DayInfo{Date: date("2026-11-22"), Pending: 3}, want: cctvv1.DayState_DAY_STATE_QUEUED},
		{name: "due, nothing to archive", info: DayInfo{Date: date("2026-11-22"), Kept: 2}, want: cctvv1.DayState_DAY_STATE_ARCHIVED},
		{name: "archived", info: DayInfo{Date: date("2026-11-20"), Archives: archives}, want: cctvv1.DayState_DAY_STATE_ARCHIVED},
		{name: "late segments", info: DayInfo{Date: date("2026-11-20"), Segments: 2, Archives: archives}, want: cctvv1.DayState_DAY_STATE_PARTIAL},
		{name: "queued while settling (forced)", info: DayInfo{Date: date("2026-11-24"), Segments: 5},
			job: &archive.DayStatus{State: archive.StateQueued}, want: cctvv1.DayState_DAY_STATE_QUEUED},
		{name: "converting", info: DayInfo{Date: date("2026-11-22"), Segments: 5},
			job: &archive.DayStatus{State: archive.StateConverting}, want: cctvv1.DayState_DAY_STATE_CONVERTING},
		{name: "converting late segments", info: DayInfo{Date: date("2026-11-20"), Segments: 2, Archives: archives},
			job: &archive.DayStatus{State: archive.StateConverting}, want: cctvv1.DayState_DAY_STATE_CONVERTING},
		{name: "failed", info: DayInfo{Date: date("2026-11-22"), Segments: 5},
			job: &archive.DayStatus{State: archive.StateFailed}, want: cctvv1.DayState_DAY_STATE_FAILED},
		{name: "cancelled when due", info: DayInfo{Date: date("2026-11-22"), Segments: 5},
			job: &archive.DayStatus{State: archive.StateCancelled}, want: cctvv1.DayState_DAY_STATE_FAILED},
		{name: "cancelled while settling", info: DayInfo{Date: date("2026-11-24"), Segments: 5},
			job: &archive.DayStatus{State: archive.StateCancelled}, want: cctvv1.DayState_DAY_STATE_SETTLING},
		{name: "archived by this run", info: DayInfo{Date: date("2026-11-22"), Archives: archives},
			job: &archive.DayStatus{State: archive.StateArchived}, want: cctvv1.DayState_DAY_STATE_ARCHIVED},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := dayState(cal, now, &tt.info, tt.job); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
