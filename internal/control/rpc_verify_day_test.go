package control

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/encode"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestVerifyDay(t *testing.T) {
	h := serve(t, Config{})
	h.arc.report = &archive.Report{
		Archives: []archive.ArchiveCheck{
			{File: "video.mp4", Bytes: 400, Checksum: archive.ChecksumVerified, Expected: "ab", Actual: "ab",
				Info: encode.Info{Codec: "hevc", Frames: 1000, Duration: 40 * time.Second}},
			{File: "video-2.mp4", Bytes: 10, Checksum: archive.ChecksumMismatch, Expected: "ab", Actual: "cd",
				Err: errors.Join(archive.ErrChecksumMismatch, fmt.Errorf("%w: moov atom not found", archive.ErrVerify))},
		},
		Plan: fixturePlan(),
	}
	got, err := h.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Date: "2026-11-19"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Date != "2026-11-19" || got.State != cctvv1.DayState_DAY_STATE_PARTIAL || got.SegmentCount != 4 || got.Bytes != 4_000_000 {
		t.Errorf("header %v", got)
	}
	if len(got.Archives) != 2 || got.Archives[0].ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED ||
		got.Archives[1].ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH || got.Archives[0].Codec != "hevc" {
		t.Errorf("archives %v", got.Archives)
	}
	var kinds []string
	for _, f := range got.Findings {
		kinds = append(kinds, strings.TrimPrefix(f.Kind.String(), "FINDING_KIND_")+" "+strings.Join(f.Files, ","))
	}
	want := "CHECKSUM_MISMATCH video-2.mp4|ARCHIVE_BROKEN video-2.mp4|LATE seg1.ts,seg2.ts,seg3.ts,seg4.ts|" +
		"NOT_TS notes.txt|GAP seg2.ts,seg3.ts|RESTART seg3.ts,seg4.ts|ZERO_BYTE seg5.ts"
	if strings.Join(kinds, "|") != want {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(kinds, "|"), want)
	}
}

// An archive is broken when it cannot be read or does not probe as the
// video that went in; a checksum that differs is a finding of its own.
func TestArchiveFindings(t *testing.T) {
	tests := []struct {
		name  string
		check archive.ArchiveCheck
		want  string // the findings' kinds
	}{
		{name: "sound", check: archive.ArchiveCheck{File: "video.mp4", Checksum: archive.ChecksumVerified, Actual: "ab",
			Info: encode.Info{Codec: "hevc", Frames: 10}}},
		{name: "checksum differs", check: archive.ArchiveCheck{File: "video.mp4", Checksum: archive.ChecksumMismatch,
			Expected: "ab", Actual: "cd", Err: fmt.Errorf("video.mp4: %w", archive.ErrChecksumMismatch)},
			want: "CHECKSUM_MISMATCH"},
		{name: "checksum file missing", check: archive.ArchiveCheck{File: "video.mp4", Checksum: archive.ChecksumMissing,
			Actual: "ab", Err: errors.New("video.mp4: no checksum file")}, want: "CHECKSUM_MISSING"},
		{name: "checksum file unreadable", check: archive.ArchiveCheck{File: "video.mp4", Checksum: archive.ChecksumInvalid,
			Actual: "ab", Err: errors.New("video.mp4.sha512sum: bad line")}, want: "CHECKSUM_MISMATCH"},
		{name: "does not probe", check: archive.ArchiveCheck{File: "video.mp4", Checksum: archive.ChecksumVerified,
			Actual: "ab", Err: fmt.Errorf("%w: moov atom not found", archive.ErrVerify)}, want: "ARCHIVE_BROKEN"},
		{name: "cannot be read", check: archive.ArchiveCheck{File: "video.mp4",
			Err: errors.New("hash video.mp4: input/output error")}, want: "ARCHIVE_BROKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var kinds []string
			for _, f := range archiveFindings(&tt.check) {
				kinds = append(kinds, strings.TrimPrefix(f.Kind.String(), "FINDING_KIND_"))
			}
			if got := strings.Join(kinds, " "); got != tt.want {
				t.Errorf("findings %q, want %q", got, tt.want)
			}
		})
	}
}
