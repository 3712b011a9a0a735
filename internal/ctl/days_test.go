package ctl

import (
	"testing"
	"time"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func fakeDays() *cctvv1.ListDaysResponse {
	return &cctvv1.ListDaysResponse{Days: []*cctvv1.Day{
		{
			Date: "2026-11-15", State: cctvv1.DayState_DAY_STATE_ARCHIVED,
			ArchiveFiles: []string{"video.mp4"}, ArchiveBytes: 310 << 20, ArchivedSourceBytes: 3800 << 20,
			ChecksumState: cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED, ReductionRatio: 0.0816, KeptCount: 2,
		},
		{
			Date: "2026-11-16", State: cctvv1.DayState_DAY_STATE_FAILED,
			SegmentCount: 8640, Bytes: 4400 << 20, Covered: dur(23*time.Hour + 59*time.Minute + 50*time.Second),
			GapCount: 2, GapDuration: dur(40 * time.Second), FindingCount: 3,
			ChecksumState:   cctvv1.ChecksumState_CHECKSUM_STATE_NONE,
			LastError:       "ffmpeg exited with status 1\n[libx265] error",
			NextAttemptTime: at(2 * time.Hour),
		},
		{
			Date: "2026-11-17", State: cctvv1.DayState_DAY_STATE_SETTLING,
			SegmentCount: 360, Bytes: 180 << 20, Covered: dur(time.Hour), DueTime: at(48 * time.Hour),
		},
	}}
}

func TestDays(t *testing.T) {
	tests := []struct {
		name   string
		daemon *fakeDaemon
		args   []string
		want   string
	}{
		{
			name:   "table",
			daemon: &fakeDaemon{days: fakeDays()},
			args:   []string{"days"},
			want: `DATE        STATE     SEGMENTS  SIZE       COVERED    GAPS  FINDINGS  ARCHIVE    CHECKSUM  RATIO  NOTE
2026-11-15  archived  0         -          -          0     0         310.0 MiB  verified  8.2%   2 kept
2026-11-16  failed    8640      4.3 GiB    23h59m50s  2     3         -          -         -      retry 2026-11-18 02:00:00; error: ffmpeg exited with status 1 …
2026-11-17  settling  360       180.0 MiB  1h0m0s     0     0         -          -         -      due 2026-11-20 00:00:00
`,
		},
		{
			name:   "no days",
			daemon: &fakeDaemon{days: &cctvv1.ListDaysResponse{}},
			args:   []string{"days"},
			want:   "no days yet\n",
		},
		{
			name: "json",
			daemon: &fakeDaemon{days: &cctvv1.ListDaysResponse{Days: []*cctvv1.Day{
				fakeDays().Days[0],
				{Date: "2026-11-17", State: cctvv1.DayState_DAY_STATE_SETTLING, SegmentCount: 360, Bytes: 1000, Covered: dur(time.Hour), DueTime: at(48 * time.Hour)},
			}}},
			args: []string{"days", "--json"},
			want: `{
  "days": [
    {
      "date": "2026-11-15",
      "state": "DAY_STATE_ARCHIVED",
      "kept_count": 2,
      "archive_files": [
        "video.mp4"
      ],
      "archive_bytes": "325058560",
      "archived_source_bytes": "3984588800",
      "checksum_state": "CHECKSUM_STATE_VERIFIED",
      "reduction_ratio": 0.0816
    },
    {
      "date": "2026-11-17",
      "state": "DAY_STATE_SETTLING",
      "segment_count": 360,
      "bytes": "1000",
      "covered": "3600s",
      "due_time": "2026-11-20T00:00:00Z"
    }
  ]
}
`,
		},
		{
			name:   "json before the command",
			daemon: &fakeDaemon{days: &cctvv1.ListDaysResponse{}},
			args:   []string{"--json", "days"},
			want:   "{}\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			if res.code != 0 || res.stdout != tt.want {
				t.Errorf("exit %d, stdout:\n%s\nstderr: %s\nwant stdout:\n%s", res.code, res.stdout, res.stderr, tt.want)
			}
		})
	}
}
