package ctl

import (
	"testing"
	"time"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// With --offsite, days has an OFFSITE column and status an offsite line;
// without it (every state unspecified), neither, as before.
func TestOffsiteText(t *testing.T) {
	days := fakeDays()
	days.Days[0].OffsiteState = cctvv1.OffsiteState_OFFSITE_STATE_VERIFIED
	days.Days[0].OffsiteVerifiedTime = at(-time.Hour)
	days.Days[1].OffsiteState = cctvv1.OffsiteState_OFFSITE_STATE_NONE
	days.Days[2].OffsiteState = cctvv1.OffsiteState_OFFSITE_STATE_NONE
	failed := &cctvv1.Day{Date: "2026-11-14", State: cctvv1.DayState_DAY_STATE_ARCHIVED, ArchiveBytes: 300 << 20,
		ChecksumState: cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED,
		OffsiteState:  cctvv1.OffsiteState_OFFSITE_STATE_ERROR, OffsiteError: "off-site upload: unreachable"}
	pending := &cctvv1.Day{Date: "2026-11-13", State: cctvv1.DayState_DAY_STATE_ARCHIVED, ArchiveBytes: 300 << 20,
		ChecksumState: cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED, OffsiteState: cctvv1.OffsiteState_OFFSITE_STATE_PENDING}
	days.Days = append([]*cctvv1.Day{pending, failed}, days.Days...)

	withError := fakeStatus()
	withError.Conversions, withError.Pending, withError.RecentErrors = nil, nil, nil
	withError.Offsite = &cctvv1.OffsiteStatus{Target: "s3://cctv/home", VerifiedDays: 30, QueueLength: 2, UploadedBytes: 3 << 30,
		LastVerifiedTime: at(-time.Hour), KeepLocalDays: 14,
		LastError: "off-site upload: wrong credentials", LastErrorTime: at(-time.Minute), Permanent: true}
	working := fakeStatus()
	working.Conversions, working.Pending, working.RecentErrors = nil, nil, nil
	working.Offsite = &cctvv1.OffsiteStatus{Target: "s3://cctv", QueueLength: 1, Uploading: "front/2026-11-16", UploadedBytes: 5 << 20}

	tests := []struct {
		name   string
		daemon *fakeDaemon
		args   []string
		want   string
	}{
		{
			name:   "days",
			daemon: &fakeDaemon{days: days},
			args:   []string{"days"},
			want: `DATE        STATE     SEGMENTS  SIZE       COVERED    GAPS  FINDINGS  ARCHIVE    CHECKSUM    RATIO  OFFSITE  NOTE
2026-11-13  archived  0         -          -          0     0         300.0 MiB  unverified  -      pending
2026-11-14  archived  0         -          -          0     0         300.0 MiB  unverified  -      error    off-site: off-site upload: unreachable
2026-11-15  archived  0         -          -          0     0         310.0 MiB  verified    8.2%   ✓        2 kept
2026-11-16  failed    8640      4.3 GiB    23h59m50s  2     3         -          -           -      -        retry 2026-11-18 02:00:00; error: ffmpeg exited with status 1 …
2026-11-17  settling  360       180.0 MiB  1h0m0s     0     0         -          -           -      -        due 2026-11-20 00:00:00
`,
		},
		{
			name:   "status with a permanent error",
			daemon: &fakeDaemon{status: withError},
			args:   []string{"status"},
			want: `cctvd v0.3.0, up 3h12m0s (since 2026-11-17 21:00:00)
root:    /srv/cctv
disk:    120.0 GiB free of 500.0 GiB (76% used), footage 310.0 GiB
days:    1 recording, 2 settling, 30 archived
offsite: s3://cctv/home: 30 days verified, 2 to upload, 3.0 GiB sent, last verified 2026-11-17 23:00:00; local archives kept 14 days once verified
offsite stopped, fix the configuration (2026-11-17 23:59:00): off-site upload: wrong credentials
settle:  48h0m0s
converting: nothing
`,
		},
		{
			name:   "status uploading",
			daemon: &fakeDaemon{status: working},
			args:   []string{"status"},
			want: `cctvd v0.3.0, up 3h12m0s (since 2026-11-17 21:00:00)
root:    /srv/cctv
disk:    120.0 GiB free of 500.0 GiB (76% used), footage 310.0 GiB
days:    1 recording, 2 settling, 30 archived
offsite: s3://cctv: 0 days verified, 1 to upload, uploading front/2026-11-16, 5.0 MiB sent
settle:  48h0m0s
converting: nothing
`,
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
