package control

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestListDays(t *testing.T) {
	h := serve(t, Config{})
	got, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range got.Days {
		lines = append(lines, fmt.Sprintf("%s %s %d", d.Date, strings.TrimPrefix(d.State.String(), "DAY_STATE_"), d.SegmentCount))
	}
	want := []string{
		"2026-11-18 ARCHIVED 0", "2026-11-19 PARTIAL 3", "2026-11-20 ARCHIVED 0", "2026-11-21 FAILED 8000",
		"2026-11-22 QUEUED 8640", "2026-11-24 SETTLING 8640", "2026-11-25 RECORDING 4320",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("days:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	archived := got.Days[2]
	if archived.ReductionRatio != 0.1 || archived.ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED ||
		len(archived.ArchiveFiles) != 1 || archived.ArchiveBytes != 400_000_000 || archived.KeptCount != 2 {
		t.Errorf("archived day %v", archived)
	}
	if got.Days[1].ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_MISSING {
		t.Errorf("partial day without checksum file: %v", got.Days[1].ChecksumState)
	}
	failed := got.Days[3]
	if failed.LastError != "ffmpeg exited 1" || !failed.GetNextAttemptTime().AsTime().Equal(now.Add(time.Hour)) {
		t.Errorf("failed day %v", failed)
	}
	if due := got.Days[5].GetDueTime().AsTime(); !due.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("settling day due %v", due)
	}

	only, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{States: []cctvv1.DayState{
		cctvv1.DayState_DAY_STATE_ARCHIVED, cctvv1.DayState_DAY_STATE_PARTIAL}})
	if err != nil {
		t.Fatal(err)
	}
	if len(only.Days) != 3 || only.Days[0].Date != "2026-11-18" || only.Days[2].Date != "2026-11-20" {
		t.Errorf("filtered: %v", only.Days)
	}
	_, err = h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{States: []cctvv1.DayState{42}})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("unknown state: %v", err)
	}
}
