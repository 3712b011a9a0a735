package control

import (
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// An archived day shows the footage its archive holds, not 0s, and an
// archive this process just checked shows what the check found, not
// "unverified".
func TestArchivedDayAfterVerification(t *testing.T) {
	const archived = "2026-11-20" // fixtureDays: video.mp4, 400 MB, with its checksum file
	check := func(st archive.ChecksumState, bytes int64) *archive.Report {
		return &archive.Report{Plan: &archive.Plan{}, Archives: []archive.ArchiveCheck{{File: "video.mp4", Bytes: bytes, Checksum: st}}}
	}
	tests := []struct {
		name   string
		verify *archive.Report    // VerifyDay's report, if VerifyDay is called
		job    *archive.DayStatus // the archiver's job for the day, if any
		want   cctvv1.ChecksumState
	}{
		{name: "not checked", want: cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED},
		{name: "verified by VerifyDay", verify: check(archive.ChecksumVerified, 400_000_000), want: cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED},
		{name: "mismatch found by VerifyDay", verify: check(archive.ChecksumMismatch, 400_000_000), want: cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH},
		{name: "checked, but the file is another now", verify: check(archive.ChecksumVerified, 399_999_999), want: cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED},
		{
			name: "written and verified by this process's conversion",
			job: &archive.DayStatus{Date: date(archived), State: archive.StateArchived,
				Progress: archive.Progress{Date: date(archived), Phase: archive.PhaseDone, Archive: "video.mp4", ArchiveBytes: 400_000_000}},
			want: cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED,
		},
		{
			name: "the conversion wrote another archive",
			job: &archive.DayStatus{Date: date(archived), State: archive.StateArchived,
				Progress: archive.Progress{Date: date(archived), Phase: archive.PhaseDone, Archive: "video-2.mp4", ArchiveBytes: 1000}},
			want: cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := serve(t, Config{})
			info, _ := h.days.Day(date(archived))
			info.ArchivedCovered = 23*time.Hour + 59*time.Minute + 50*time.Second
			h.days.days[info.Date] = info
			if tt.job != nil {
				h.arc.jobs[tt.job.Date] = tt.job
			}
			if tt.verify != nil {
				h.arc.report = tt.verify
				if _, err := h.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Date: archived}); err != nil {
					t.Fatal(err)
				}
			}
			resp, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range resp.GetDays() {
				if d.GetDate() != archived {
					continue
				}
				if d.GetChecksumState() != tt.want || d.GetCovered().AsDuration() != info.ArchivedCovered {
					t.Errorf("checksum %v, covered %v; want %v, %v", d.GetChecksumState(), d.GetCovered().AsDuration(), tt.want, info.ArchivedCovered)
				}
				return
			}
			t.Fatalf("no day %s in %v", archived, resp)
		})
	}
}
