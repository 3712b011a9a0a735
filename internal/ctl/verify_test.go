package ctl

import (
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func messyVerify() *cctvv1.VerifyDayResponse {
	return &cctvv1.VerifyDayResponse{
		Date: "2026-11-16", State: cctvv1.DayState_DAY_STATE_SETTLING, SegmentCount: 12, Bytes: 6 << 20,
		Findings: []*cctvv1.Finding{
			{Kind: cctvv1.FindingKind_FINDING_KIND_GAP, Files: []string{"seg4.ts", "seg5.ts"}, Time: at(40 * time.Second), Duration: dur(30 * time.Second), Detail: "30s of footage missing"},
			{Kind: cctvv1.FindingKind_FINDING_KIND_RESTART, Files: []string{"seg9.ts"}, Time: at(110 * time.Second), Detail: "timestamps start again: camera restart"},
			{Kind: cctvv1.FindingKind_FINDING_KIND_TRUNCATED, Files: []string{"seg11.ts"}, Detail: "ends 80 bytes into a packet"},
			{Kind: cctvv1.FindingKind_FINDING_KIND_IN_FLIGHT, Files: []string{".seg15.ts.Xy9k2Q"}, Detail: "rsync temp file"},
		},
	}
}

// A day's findings are printed, or sent as JSON, and make the exit code 1.
func TestVerify(t *testing.T) {
	runCases(t, "VerifyDay", []cliCase{
		{
			name: "clean day of segments",
			daemon: &fakeDaemon{verify: &cctvv1.VerifyDayResponse{
				Date: "2026-11-16", State: cctvv1.DayState_DAY_STATE_SETTLING, SegmentCount: 8640, Bytes: 4400 << 20,
			}},
			args:    []string{"verify", "2026-11-16"},
			wantReq: &cctvv1.VerifyDayRequest{Date: "2026-11-16"},
			wantOut: "2026-11-16 (settling): clean in 8640 segments (4.3 GiB)\n",
		},
		{
			name:    "findings name their files",
			daemon:  &fakeDaemon{verify: messyVerify()},
			args:    []string{"verify", "2026-11-16"},
			wantReq: &cctvv1.VerifyDayRequest{Date: "2026-11-16"},
			wantOut: `2026-11-16 (settling): 4 findings in 12 segments (6.0 MiB)

KIND       AT        LENGTH  FILES             DETAIL
gap        00:00:40  30s     seg4.ts, seg5.ts  30s of footage missing
restart    00:01:50  -       seg9.ts           timestamps start again: camera restart
truncated  -         -       seg11.ts          ends 80 bytes into a packet
in-flight  -         -       .seg15.ts.Xy9k2Q  rsync temp file
`,
			wantErr: "cctvctl: 2026-11-16: 4 findings\n",
			code:    1,
		},
		{
			name: "archived day with a bad checksum",
			daemon: &fakeDaemon{verify: &cctvv1.VerifyDayResponse{
				Date: "2026-11-15", State: cctvv1.DayState_DAY_STATE_ARCHIVED,
				Archives: []*cctvv1.ArchiveCheck{{
					File: "video.mp4", Bytes: 310 << 20, ChecksumState: cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH,
					Codec: "hevc", Frames: 2160000, Duration: dur(24 * time.Hour),
				}},
				Findings: []*cctvv1.Finding{{
					Kind: cctvv1.FindingKind_FINDING_KIND_CHECKSUM_MISMATCH, Files: []string{"video.mp4", "video.mp4.sha512sum"},
					Detail: "sha512 is 9f86d081…, the checksum file says 2c26b46b…",
				}},
			}},
			args:    []string{"verify", "2026-11-15"},
			wantReq: &cctvv1.VerifyDayRequest{Date: "2026-11-15"},
			wantOut: `2026-11-15 (archived): 1 finding in video.mp4
  video.mp4: 310.0 MiB, hevc, 2160000 frames, 24h0m0s, checksum mismatch

KIND               AT  LENGTH  FILES                           DETAIL
checksum-mismatch  -   -       video.mp4, video.mp4.sha512sum  sha512 is 9f86d081…, the checksum file says 2c26b46b…
`,
			wantErr: "cctvctl: 2026-11-15: 1 finding\n",
			code:    1,
		},
		{
			name:    "findings as JSON still exit 1",
			daemon:  &fakeDaemon{verify: &cctvv1.VerifyDayResponse{Date: "2026-11-16", Findings: messyVerify().Findings[2:3]}},
			args:    []string{"verify", "--json", "2026-11-16"},
			wantReq: &cctvv1.VerifyDayRequest{Date: "2026-11-16"},
			wantOut: "{\n  \"date\": \"2026-11-16\",\n  \"findings\": [\n    {\n      \"kind\": \"FINDING_KIND_TRUNCATED\",\n      \"files\": [\n        \"seg11.ts\"\n      ],\n      \"detail\": \"ends 80 bytes into a packet\"\n    }\n  ]\n}\n",
			wantErr: `{"error":"2026-11-16: 1 finding","exit_code":1}` + "\n",
			code:    1,
		},
	})
}

// What cctvd or the arguments refuse exits 2; a bad argument sends nothing.
func TestVerifyRefused(t *testing.T) {
	runCases(t, "VerifyDay", []cliCase{
		{
			name:    "unknown day",
			daemon:  &fakeDaemon{err: status.Error(codes.NotFound, "no day folder 2026-11-01")},
			args:    []string{"verify", "2026-11-01"},
			wantReq: &cctvv1.VerifyDayRequest{Date: "2026-11-01"},
			wantErr: "cctvctl: verify 2026-11-01: not found: no day folder 2026-11-01\n",
			code:    2,
		},
		{
			name:    "malformed date",
			daemon:  &fakeDaemon{},
			args:    []string{"verify", "2026-11-1"},
			wantErr: "cctvctl: verify: \"2026-11-1\": not a date (want YYYY-MM-DD)\n",
			code:    2,
		},
		{
			name:    "missing date",
			daemon:  &fakeDaemon{},
			args:    []string{"verify"},
			wantErr: "cctvctl: verify: missing DATE (usage: cctvctl verify [CAMERA/]DATE)\n",
			code:    2,
		},
		{
			name:    "two dates",
			daemon:  &fakeDaemon{},
			args:    []string{"verify", "2026-11-16", "2026-11-17"},
			wantErr: "cctvctl: verify: unexpected argument \"2026-11-17\" (usage: cctvctl verify [CAMERA/]DATE)\n",
			code:    2,
		},
	})
}
