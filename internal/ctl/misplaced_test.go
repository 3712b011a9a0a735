package ctl

import (
	"strings"
	"testing"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestMisplacedFootage(t *testing.T) {
	status := fakeStatus()
	status.RecentErrors = nil
	status.Misplaced = []*cctvv1.MisplacedEntry{
		{Name: "2026-02-30", Kind: cctvv1.MisplacedKind_MISPLACED_KIND_NOT_A_DATE, Detail: "named like a day, but not a real date"},
		{Name: "2026-11-25.bak", Kind: cctvv1.MisplacedKind_MISPLACED_KIND_DAY_SUFFIX, Date: "2026-11-25", Detail: "named after 2026-11-25 with more to its name"},
		{Name: "seg15.ts", Kind: cctvv1.MisplacedKind_MISPLACED_KIND_STRAY_SEGMENT, Detail: "a segment in the root"},
	}
	verify := &cctvv1.VerifyDayResponse{Date: "2026-11-25", State: cctvv1.DayState_DAY_STATE_SETTLING, SegmentCount: 8, Bytes: 8 << 20,
		Findings: []*cctvv1.Finding{
			{Kind: cctvv1.FindingKind_FINDING_KIND_REORDERED, Time: at(10 * 60 * 1e9), Files: []string{"seg1.ts", "seg6.ts", "2026-11-25T10-01-00.ts"},
				Detail: "6 files seg1.ts … seg6.ts (filmed 10:00:00–10:01:00) go before 2026-11-25T10-01-00.ts"},
			{Kind: cctvv1.FindingKind_FINDING_KIND_OUTSIDE_DAY, Time: at(26 * 3600 * 1e9), Files: []string{"seg7.ts", "seg8.ts"},
				Detail: "2 segments seg7.ts … seg8.ts filmed 2026-11-26 02:00:00 – 02:00:20"},
			{Kind: cctvv1.FindingKind_FINDING_KIND_MISPLACED, Files: []string{"../2026-11-25.bak"}, Detail: "named after 2026-11-25 with more to its name"},
		}}
	tests := []struct {
		name   string
		daemon *fakeDaemon
		args   []string
		want   string // the end of stdout
		code   int
	}{
		{
			name:   "status lists them",
			daemon: &fakeDaemon{status: status},
			args:   []string{"status"},
			want: `converting 2026-11-15: encoding chunk 3/24: 46% (12000/26000 frames) at 2.50x, eta 1h2m0s
pending 2026-11-16: forced, 1/3 chunks done
pending 2026-11-17: forced, not started
misplaced footage (not played or archived until moved; cctvd moves nothing):
  2026-02-30      not-a-date               named like a day, but not a real date
  2026-11-25.bak  day-suffix (2026-11-25)  named after 2026-11-25 with more to its name
  seg15.ts        stray-segment            a segment in the root
`,
		},
		{
			name:   "verify names the new kinds",
			daemon: &fakeDaemon{verify: verify},
			args:   []string{"verify", "2026-11-25"},
			want: `KIND         AT        LENGTH  FILES                                     DETAIL
reordered    00:10:00  -       seg1.ts, seg6.ts, 2026-11-25T10-01-00.ts  6 files seg1.ts … seg6.ts (filmed 10:00:00–10:01:00) go before 2026-11-25T10-01-00.ts
outside-day  02:00:00  -       seg7.ts, seg8.ts                          2 segments seg7.ts … seg8.ts filmed 2026-11-26 02:00:00 – 02:00:20
misplaced    -         -       ../2026-11-25.bak                         named after 2026-11-25 with more to its name
`,
			code: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			if res.code != tt.code || !strings.HasSuffix(res.stdout, tt.want) {
				t.Errorf("exit %d, stdout:\n%s\nstderr: %s\nwant exit %d, stdout ending:\n%s", res.code, res.stdout, res.stderr, tt.code, tt.want)
			}
		})
	}
}
