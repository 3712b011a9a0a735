package ctl

import (
	"encoding/json"
	"testing"
	"time"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func fakeStatus() *cctvv1.GetStatusResponse {
	return &cctvv1.GetStatusResponse{
		Version:   "v0.3.0",
		StartTime: at(-3 * time.Hour),
		Uptime:    dur(3*time.Hour + 12*time.Minute),
		Root:      "/srv/cctv",
		Disk:      &cctvv1.DiskUsage{TotalBytes: 500 << 30, UsedBytes: 380 << 30, FreeBytes: 120 << 30, RootBytes: 310 << 30},
		DayCounts: []*cctvv1.DayStateCount{
			{State: cctvv1.DayState_DAY_STATE_RECORDING, Count: 1},
			{State: cctvv1.DayState_DAY_STATE_SETTLING, Count: 2},
			{State: cctvv1.DayState_DAY_STATE_ARCHIVED, Count: 30},
		},
		Conversions: []*cctvv1.ConversionProgress{{
			Date: "2026-11-15", Phase: cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING,
			Chunk: 3, ChunkCount: 24, Frames: 12000, TotalFrames: 26000, Speed: 2.5, Eta: dur(62 * time.Minute),
		}},
		Pending: []*cctvv1.PendingConversion{
			{Date: "2026-11-15", ChunksDone: 2, ChunkCount: 24},
			{Date: "2026-11-16", Forced: true, ChunksDone: 1, ChunkCount: 3},
			{Date: "2026-11-17", Forced: true},
		},
		RecentErrors: []*cctvv1.RecentError{{
			Time: at(-time.Hour), Date: "2026-11-14", Component: "archive", Message: "ffmpeg exited with status 1\nmore",
		}},
		Settle: dur(48 * time.Hour),
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		name   string
		daemon *fakeDaemon
		args   []string
		want   string
		code   int
	}{
		{
			name:   "text",
			daemon: &fakeDaemon{status: fakeStatus()},
			args:   []string{"status"},
			want: `cctvd v0.3.0, up 3h12m0s (since 2026-11-17 21:00:00)
root:    /srv/cctv
disk:    120.0 GiB free of 500.0 GiB (76% used), footage 310.0 GiB
days:    1 recording, 2 settling, 30 archived
settle:  48h0m0s
converting 2026-11-15: encoding chunk 3/24: 46% (12000/26000 frames) at 2.50x, eta 1h2m0s
pending 2026-11-16: forced, 1/3 chunks done
pending 2026-11-17: forced, not started
recent errors:
  2026-11-17 23:00:00  archive 2026-11-14: ffmpeg exited with status 1 …
`,
		},
		{
			name:   "idle daemon",
			daemon: &fakeDaemon{status: &cctvv1.GetStatusResponse{Version: "v0.3.0", Uptime: dur(5 * time.Second), StartTime: at(0), Root: "/srv/cctv"}},
			args:   []string{"status"},
			want: `cctvd v0.3.0, up 5s (since 2026-11-18 00:00:00)
root:    /srv/cctv
days:    none
converting: nothing
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			if res.code != tt.code || res.stdout != tt.want {
				t.Errorf("exit %d, stdout:\n%s\nstderr: %s\nwant exit %d, stdout:\n%s", res.code, res.stdout, res.stderr, tt.code, tt.want)
			}
		})
	}
}

func TestStatusJSON(t *testing.T) {
	res := runAgainst(t, &fakeDaemon{status: fakeStatus()}, "status", "--json")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var got struct {
		Version   string `json:"version"`
		StartTime string `json:"start_time"`
		Uptime    string `json:"uptime"`
		Disk      struct {
			FreeBytes string `json:"free_bytes"`
		} `json:"disk"`
		DayCounts []struct {
			State string `json:"state"`
			Count int    `json:"count"`
		} `json:"day_counts"`
		Conversions []struct {
			Phase       string  `json:"phase"`
			TotalFrames string  `json:"total_frames"`
			Speed       float64 `json:"speed"`
		} `json:"conversions"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("%v in:\n%s", err, res.stdout)
	}
	if got.Version != "v0.3.0" || got.StartTime != "2026-11-17T21:00:00Z" || got.Uptime != "11520s" ||
		got.Disk.FreeBytes != "128849018880" || len(got.DayCounts) != 3 ||
		got.DayCounts[2].State != "DAY_STATE_ARCHIVED" || got.DayCounts[2].Count != 30 ||
		len(got.Conversions) != 1 || got.Conversions[0].Phase != "CONVERSION_PHASE_ENCODING" ||
		got.Conversions[0].TotalFrames != "26000" || got.Conversions[0].Speed != 2.5 {
		t.Errorf("unexpected JSON:\n%s", res.stdout)
	}
}
