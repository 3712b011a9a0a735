package ctl

import (
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// frontSilence is how long ago camera front's newest segment ended: off
// the whole second, as a real camera's is.
const frontSilence = 3*time.Minute + 10*time.Second + 153192286*time.Nanosecond

func fakeCameras() *cctvv1.ListCamerasResponse {
	return &cctvv1.ListCamerasResponse{Cameras: []*cctvv1.Camera{
		{LastSegmentTime: at(-12*time.Second - 153192286), SinceLastSegment: dur(12*time.Second + 153192286), Bytes: 310 << 30,
			DayCounts: []*cctvv1.DayStateCount{{State: cctvv1.DayState_DAY_STATE_RECORDING, Count: 1}, {State: cctvv1.DayState_DAY_STATE_ARCHIVED, Count: 30}}},
		{Name: "front", Title: "Front door", LastSegmentTime: at(-frontSilence), SinceLastSegment: dur(frontSilence), Silent: true, Bytes: 9 << 30,
			DayCounts: []*cctvv1.DayStateCount{{State: cctvv1.DayState_DAY_STATE_RECORDING, Count: 1}, {State: cctvv1.DayState_DAY_STATE_SETTLING, Count: 2}}},
		{Name: "garage", Silent: true},
	}}
}

// requests are the daemon's requests of method.
func requests(f *fakeDaemon, method string) []proto.Message {
	var out []proto.Message
	for _, c := range f.seen() {
		if c.method == method {
			out = append(out, c.req)
		}
	}
	return out
}

// A day of another camera is CAMERA/DATE or --camera CAMERA DATE; DATE
// alone is the default camera's and asks exactly what it asked before
// cameras. Names that cannot be a camera's are refused before any request.
func TestCameraDays(t *testing.T) {
	cameras := fakeCameras()
	verify := &cctvv1.VerifyDayResponse{Camera: "front", Date: "2026-11-20", State: cctvv1.DayState_DAY_STATE_SETTLING, SegmentCount: 3, Bytes: 3 << 20}
	cancel := &cctvv1.CancelConversionResponse{Camera: "front", Date: "2026-11-20", Phase: cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING, RemovedFiles: 2}
	queuedFront := []*cctvv1.ConvertDayResponse{progress(queued, func(p *cctvv1.ConversionProgress) { p.Camera, p.Date = "front", "2026-11-20" })}
	daemon := func() *fakeDaemon {
		return &fakeDaemon{cameras: cameras, verify: verify, cancel: cancel, stream: queuedFront}
	}
	const (
		verified    = "front/2026-11-20 (settling): clean in 3 segments (3.0 MiB)\n"
		cancelled   = "front/2026-11-20: conversion cancelled (it was encoding), 2 temporary files removed; segments untouched\n"
		queuedLine  = "front/2026-11-20: queued (follow it with: cctvctl convert front/2026-11-20 --wait)\n"
		notCamera   = ": want a letter, then letters, digits, - or _"
		notCameraFl = "want a camera name: letters, digits, '-' and '_', starting with a letter"
	)
	tests := []struct {
		name       string
		daemon     *fakeDaemon
		args       []string
		method     string        // of wantReq
		wantReq    proto.Message // the one request of method; nil: none at all
		askCameras bool          // whether ListCameras is asked first
		wantOut    string
		wantErr    string // in stderr
		code       int
	}{
		{name: "verify CAMERA/DATE", args: []string{"verify", "front/2026-11-20"}, method: "VerifyDay",
			wantReq: &cctvv1.VerifyDayRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: verified},
		{name: "verify --camera", args: []string{"verify", "--camera", "front", "2026-11-20"}, method: "VerifyDay",
			wantReq: &cctvv1.VerifyDayRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: verified},
		{name: "--camera= after the date", args: []string{"verify", "2026-11-20", "--camera=front"}, method: "VerifyDay",
			wantReq: &cctvv1.VerifyDayRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: verified},
		{name: "--camera before the command", args: []string{"--camera", "front", "verify", "2026-11-20"}, method: "VerifyDay",
			wantReq: &cctvv1.VerifyDayRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: verified},
		{name: "both, agreeing", args: []string{"verify", "--camera", "front", "front/2026-11-20"}, method: "VerifyDay",
			wantReq: &cctvv1.VerifyDayRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: verified},
		{name: "DATE alone is the default camera's", daemon: &fakeDaemon{verify: &cctvv1.VerifyDayResponse{Date: "2026-11-20", State: cctvv1.DayState_DAY_STATE_SETTLING}},
			args: []string{"verify", "2026-11-20"}, method: "VerifyDay", wantReq: &cctvv1.VerifyDayRequest{Date: "2026-11-20"},
			wantOut: "2026-11-20 (settling): clean in 0 segments (0 B)\n"},
		{name: "convert CAMERA/DATE", args: []string{"convert", "front/2026-11-20", "--force"}, method: "ConvertDay",
			wantReq: &cctvv1.ConvertDayRequest{Camera: "front", Date: "2026-11-20", Force: true}, askCameras: true, wantOut: queuedLine},
		{name: "convert --camera", args: []string{"convert", "--camera", "front", "2026-11-20"}, method: "ConvertDay",
			wantReq: &cctvv1.ConvertDayRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: queuedLine},
		{name: "convert --wait names the camera's day", daemon: &fakeDaemon{cameras: cameras, stream: []*cctvv1.ConvertDayResponse{
			progress(done, func(p *cctvv1.ConversionProgress) {
				p.Camera, p.ArchiveFile, p.ArchiveBytes = "front", "video.mp4", 90<<10
			})}},
			args: []string{"convert", "front/2026-11-18", "--wait"}, method: "ConvertDay",
			wantReq: &cctvv1.ConvertDayRequest{Camera: "front", Date: "2026-11-18"}, askCameras: true,
			wantOut: "front/2026-11-18 done: video.mp4\nfront/2026-11-18: archived to video.mp4 (90.0 KiB), verified, sha512 -\n"},
		{name: "cancel CAMERA/DATE", args: []string{"cancel", "front/2026-11-20"}, method: "CancelConversion",
			wantReq: &cctvv1.CancelConversionRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: cancelled},
		{name: "cancel --camera", args: []string{"cancel", "2026-11-20", "--camera", "front"}, method: "CancelConversion",
			wantReq: &cctvv1.CancelConversionRequest{Camera: "front", Date: "2026-11-20"}, askCameras: true, wantOut: cancelled},
		{name: "the daemon's refusal without its own context",
			daemon: &fakeDaemon{cameras: cameras, err: status.Error(codes.FailedPrecondition, "convert 2026-11-25: day is still being recorded")},
			args:   []string{"convert", "front/2026-11-25"}, method: "ListCameras", wantReq: &cctvv1.ListCamerasRequest{},
			wantErr: "cctvctl: convert front/2026-11-25: day is still being recorded\n", code: 2},
		{name: "unknown camera", daemon: &fakeDaemon{cameras: cameras, err: status.Error(codes.NotFound, `no camera "porch"`)},
			args: []string{"verify", "porch/2026-11-20"}, method: "ListCameras", wantReq: &cctvv1.ListCamerasRequest{},
			wantErr: "cctvctl: verify porch/2026-11-20: not found: no camera \"porch\"\n", code: 2},
		{name: "a daemon older than cameras is asked nothing", daemon: &fakeDaemon{verify: verify, cancel: cancel, stream: queuedFront},
			args: []string{"convert", "front/2026-11-20", "--force"}, method: "ListCameras", wantReq: &cctvv1.ListCamerasRequest{},
			wantErr: "cctvctl: convert front/2026-11-20: cctvd does not know cameras (it is older than cctvctl); nothing was asked of it\n", code: 2},
		{name: "nor cancels the default camera's day", daemon: &fakeDaemon{cancel: cancel},
			args: []string{"cancel", "--camera", "front", "2026-11-20"}, method: "ListCameras", wantReq: &cctvv1.ListCamerasRequest{},
			wantErr: "cctvctl: cancel front/2026-11-20: cctvd does not know cameras (it is older than cctvctl); nothing was asked of it\n", code: 2},
		{name: "two cameras", args: []string{"verify", "--camera", "back", "front/2026-11-20"},
			wantErr: "cctvctl: verify: two cameras: --camera \"back\" and \"front/2026-11-20\"\n", code: 2},
		{name: "no camera before the slash", args: []string{"convert", "/2026-11-20"},
			wantErr: "cctvctl: convert: \"/2026-11-20\": no camera before the / (DATE alone is the default camera's day)\n", code: 2},
		{name: "a path", args: []string{"cancel", "../front/2026-11-20"},
			wantErr: "cctvctl: cancel: not a camera name: \"..\"" + notCamera + "\n", code: 2},
		{name: "starts with a digit", args: []string{"verify", "1st/2026-11-20"},
			wantErr: "cctvctl: verify: not a camera name: \"1st\"" + notCamera + "\n", code: 2},
		{name: "too long", args: []string{"verify", "a" + strings.Repeat("b", 64) + "/2026-11-20"},
			wantErr: "cctvctl: verify: not a camera name: \"a" + strings.Repeat("b", 64) + "\" is longer than 64 characters\n", code: 2},
		{name: "a space", args: []string{"verify", "front door/2026-11-20"},
			wantErr: "cctvctl: verify: not a camera name: \"front door\"" + notCamera + "\n", code: 2},
		{name: "bad --camera", args: []string{"convert", "--camera", "../x", "2026-11-20"},
			wantErr: "cctvctl: convert: invalid value \"../x\" for flag -camera: " + notCameraFl + "\n", code: 2},
		{name: "malformed date of a camera", args: []string{"verify", "front/2026-02-30"},
			wantErr: "cctvctl: verify: \"2026-02-30\": not a date (want YYYY-MM-DD)\n", code: 2},
		{name: "a camera without a date", args: []string{"verify", "front/"},
			wantErr: "cctvctl: verify: \"\": not a date (want YYYY-MM-DD)\n", code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := tt.daemon
			if f == nil {
				f = daemon()
			}
			res := runAgainst(t, f, tt.args...)
			if res.code != tt.code || res.stdout != tt.wantOut || !strings.Contains(res.stderr, tt.wantErr) || (tt.wantErr == "") != (res.stderr == "") {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr, tt.code, tt.wantOut, tt.wantErr)
			}
			calls := f.seen()
			if tt.wantReq == nil {
				if len(calls) > 0 {
					t.Errorf("daemon got %v, want no request at all", calls)
				}
				return
			}
			if got := requests(f, tt.method); len(got) != 1 || !proto.Equal(got[0], tt.wantReq) {
				t.Errorf("daemon got %v, want one %s %v", calls, tt.method, tt.wantReq)
			}
			if asked := len(requests(f, "ListCameras")) > 0; asked != (tt.askCameras || tt.method == "ListCameras") {
				t.Errorf("ListCameras asked: %v; want %v", asked, tt.askCameras)
			}
			if want := 1 + btoi(tt.askCameras); len(calls) != want {
				t.Errorf("daemon got %d requests, want %d: %v", len(calls), want, calls)
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestCameras(t *testing.T) {
	tests := []struct {
		name    string
		daemon  *fakeDaemon
		args    []string
		want    string
		wantErr string
		code    int
	}{
		{
			name:   "table",
			daemon: &fakeDaemon{cameras: fakeCameras()},
			args:   []string{"cameras"},
			want: `CAMERA     TITLE       LAST SEGMENT  SENDING  DAYS                      SIZE
(default)  -           12s ago       ok       1 recording, 30 archived  310.0 GiB
front      Front door  3m10s ago     silent   1 recording, 2 settling   9.0 GiB
garage     -           never         silent   -                         -
`,
		},
		{name: "no cameras", daemon: &fakeDaemon{cameras: &cctvv1.ListCamerasResponse{}}, args: []string{"cameras"}, want: "no cameras yet\n"},
		{
			name:   "json",
			daemon: &fakeDaemon{cameras: &cctvv1.ListCamerasResponse{Cameras: fakeCameras().Cameras[1:]}},
			args:   []string{"cameras", "--json"},
			want: `{
  "cameras": [
    {
      "name": "front",
      "title": "Front door",
      "last_segment_time": "2026-11-17T23:56:49.846807714Z",
      "since_last_segment": "190.153192286s",
      "silent": true,
      "day_counts": [
        {
          "state": "DAY_STATE_RECORDING",
          "count": 1
        },
        {
          "state": "DAY_STATE_SETTLING",
          "count": 2
        }
      ],
      "bytes": "9663676416"
    },
    {
      "name": "garage",
      "silent": true
    }
  ]
}
`,
		},
		{name: "a daemon older than cameras", daemon: &fakeDaemon{}, args: []string{"cameras"},
			wantErr: "cctvctl: cameras: cctvd does not support this request (is it older than cctvctl?)\n", code: 2},
		{name: "no arguments", daemon: &fakeDaemon{}, args: []string{"cameras", "front"},
			wantErr: "cctvctl: cameras: unexpected argument \"front\" (usage: cctvctl cameras)\n", code: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runAgainst(t, tt.daemon, tt.args...).expect(t, tt.code, tt.want, tt.wantErr)
		})
	}
}

func TestDaysOfCameras(t *testing.T) {
	two := fakeDays()
	two.Days[2].Camera = "front"
	tests := []struct {
		name    string
		daemon  *fakeDaemon
		args    []string
		wantReq *cctvv1.ListDaysRequest
		want    string
	}{
		{
			name:    "a CAMERA column when more than one camera has days",
			daemon:  &fakeDaemon{days: two},
			args:    []string{"days"},
			wantReq: &cctvv1.ListDaysRequest{},
			want: `CAMERA     DATE        STATE     SEGMENTS  SIZE       COVERED    GAPS  FINDINGS  ARCHIVE    CHECKSUM  RATIO  NOTE
(default)  2026-11-15  archived  0         -          -          0     0         310.0 MiB  verified  8.2%   2 kept
(default)  2026-11-16  failed    8640      4.3 GiB    23h59m50s  2     3         -          -         -      retry 2026-11-18 02:00:00; error: ffmpeg exited with status 1 …
front      2026-11-17  settling  360       180.0 MiB  1h0m0s     0     0         -          -         -      due 2026-11-20 00:00:00
`,
		},
		{
			name:    "one camera's",
			daemon:  &fakeDaemon{cameras: fakeCameras(), days: &cctvv1.ListDaysResponse{Days: two.Days[2:]}},
			args:    []string{"days", "--camera", "front"},
			wantReq: &cctvv1.ListDaysRequest{Camera: proto.String("front")},
			want: `DATE        STATE     SEGMENTS  SIZE       COVERED  GAPS  FINDINGS  ARCHIVE  CHECKSUM  RATIO  NOTE
2026-11-17  settling  360       180.0 MiB  1h0m0s   0     0         -        -         -      due 2026-11-20 00:00:00
`,
		},
		{
			name:    "the default camera's alone",
			daemon:  &fakeDaemon{days: &cctvv1.ListDaysResponse{}},
			args:    []string{"days", "--camera="},
			wantReq: &cctvv1.ListDaysRequest{Camera: proto.String("")},
			want:    "no days yet\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			if res.code != 0 || res.stdout != tt.want {
				t.Errorf("exit %d, stdout:\n%s\nstderr: %s\nwant stdout:\n%s", res.code, res.stdout, res.stderr, tt.want)
			}
			if got := requests(tt.daemon, "ListDays"); len(got) != 1 || !proto.Equal(got[0], tt.wantReq) {
				t.Errorf("daemon got %v, want %v", tt.daemon.seen(), tt.wantReq)
			}
		})
	}
}

func TestStatusOfCameras(t *testing.T) {
	st := fakeStatus()
	st.Cameras = fakeCameras().Cameras
	st.Conversions[0].Camera = "front"
	st.Pending[0].Camera = "front" // the conversion's: its progress line says more
	st.Pending[1].Camera = "front"
	st.Misplaced = []*cctvv1.MisplacedEntry{{Camera: "front", Name: "2026-11-23.bak", Kind: cctvv1.MisplacedKind_MISPLACED_KIND_DAY_SUFFIX,
		Date: "2026-11-23", Detail: "a backup"}}
	want := `cctvd v0.3.0, up 3h12m0s (since 2026-11-17 21:00:00)
root:    /srv/cctv
disk:    120.0 GiB free of 500.0 GiB (76% used), footage 310.0 GiB
days:    1 recording, 2 settling, 30 archived
settle:  48h0m0s
cameras: 3, 2 silent
camera front: silent for 3m10s (last segment 2026-11-17 23:56:49)
camera garage: silent, no segment yet
converting front/2026-11-15: encoding chunk 3/24: 46% (12000/26000 frames) at 2.50x, eta 1h2m0s
pending front/2026-11-16: forced, 1/3 chunks done
pending 2026-11-17: forced, not started
recent errors:
  2026-11-17 23:00:00  archive 2026-11-14: ffmpeg exited with status 1 …
misplaced footage (not played or archived until moved; cctvd moves nothing):
  front/2026-11-23.bak  day-suffix (2026-11-23)  a backup
`
	runAgainst(t, &fakeDaemon{status: st}, "status").expect(t, 0, want, "")

	// The default camera alone, silent: no count of cameras, one line.
	st = fakeStatus()
	st.Cameras = []*cctvv1.Camera{{Silent: true, LastSegmentTime: at(-time.Hour), SinceLastSegment: dur(time.Hour)}}
	res := runAgainst(t, &fakeDaemon{status: st}, "status")
	if !strings.Contains(res.stdout, "settle:  48h0m0s\ndefault camera: silent for 1h0m0s (last segment 2026-11-17 23:00:00)\nconverting") ||
		strings.Contains(res.stdout, "cameras:") {
		t.Errorf("status of a silent default camera:\n%s", res.stdout)
	}
}
