package control

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/disk"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// frontLast is when camera front's newest segment ends: off the whole
// second, as a real camera's is.
var frontLast = now.Add(-(3*time.Minute + 10*time.Second + 153192286*time.Nanosecond))

// cameras is a root of three cameras: the default one (the fixture's
// week), front (a few days of its own, one of them a date the default
// camera has too; silent) and garage (nothing yet). The lister can change
// while the server runs, as cameras appear.
type cameras struct {
	*harness // the default camera's days and archiver
	front    *fakeArchiver
	frontDay *fakeDays

	mu   sync.Mutex
	list []Camera
}

func (c *cameras) listed() []Camera {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.list)
}

func (c *cameras) add(cam Camera) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.list = append(c.list, cam)
}

// serveCameras serves the three cameras, listed out of order (the
// service orders them), unless only names which of them to list.
func serveCameras(t *testing.T, only ...string) *cameras {
	t.Helper()
	days := fixtureDays()
	arc := newFakeArchiver(t, days)
	arc.plan, arc.report = fixturePlan(), &archive.Report{Plan: fixturePlan()}
	failed := date("2026-11-21")
	arc.jobs[failed] = &archive.DayStatus{Date: failed, State: archive.StateFailed, Err: errors.New("ffmpeg exited 1"), NextAttempt: now.Add(time.Hour),
		Progress: archive.Progress{Date: failed, Phase: archive.PhaseFailed}}
	arc.pending = []archive.Pending{{Date: failed, ChunksDone: 2, Chunks: 5}}

	seg := func(d string, n int) DayInfo {
		return DayInfo{Date: date(d), Segments: n, Bytes: int64(n) * 400_000, Covered: time.Duration(n) * 10 * time.Second}
	}
	archived := DayInfo{Date: date("2026-11-20"), Archives: []ArchiveFile{{Name: "video.mp4", Bytes: 400_000_000, Checksum: true}}}
	frontDays := newFakeDays(archived, seg("2026-11-22", 8640), seg("2026-11-23", 8640), seg("2026-11-25", 100))
	front := newFakeArchiver(t, frontDays)
	front.plan, front.report = fixturePlan(), &archive.Report{Plan: fixturePlan()}
	front.pending = []archive.Pending{{Date: date("2026-11-22"), ChunksDone: 1, Chunks: 3}}

	all := map[string]Camera{
		"garage": {Name: "garage", Days: newFakeDays(), Archiver: newFakeArchiver(t, newFakeDays())},
		"":       {Days: days, Archiver: arc},
		"front": {Name: "front", Title: "Front door", Days: frontDays, Archiver: front,
			Misplaced:   fakeMisplaced{{Name: "2026-11-23.bak", Kind: catalog.DaySuffix, Date: date("2026-11-23"), Detail: "a backup"}},
			LastSegment: func() time.Time { return frontLast }, Silent: func() bool { return true }},
	}
	if len(only) == 0 {
		only = []string{"garage", "", "front"}
	}
	c := &cameras{harness: &harness{days: days, arc: arc, sock: t.TempDir() + "/cctvd.sock"}, front: front, frontDay: frontDays}
	for _, name := range only {
		c.list = append(c.list, all[name])
	}
	cfg := Config{Addr: "unix://" + c.sock, Version: "v1.2.3", Root: t.TempDir(), Calendar: cal, Now: clock}
	usage := func(string) (disk.Usage, error) { return disk.Usage{Total: 1000, Used: 400, Free: 550}, nil }
	srv, err := New(cfg, Deps{Cameras: c.listed, Disk: usage}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	c.srv = srv
	c.start(t)
	return c
}

// The default camera's fixture, as GetStatus counts it.
var (
	defaultCounts = []*cctvv1.DayStateCount{
		{State: cctvv1.DayState_DAY_STATE_RECORDING, Count: 1}, {State: cctvv1.DayState_DAY_STATE_SETTLING, Count: 1},
		{State: cctvv1.DayState_DAY_STATE_QUEUED, Count: 1}, {State: cctvv1.DayState_DAY_STATE_ARCHIVED, Count: 2},
		{State: cctvv1.DayState_DAY_STATE_FAILED, Count: 1}, {State: cctvv1.DayState_DAY_STATE_PARTIAL, Count: 1},
	}
	defaultBytes = int64((4320+8640+8640+8000+3)*500_000 + 400_000_000 + 300_000_000)
	frontBytes   = int64((8640+8640+100)*400_000 + 400_000_000)
)

func TestListCameras(t *testing.T) {
	c := serveCameras(t)
	got, err := c.api.ListCameras(t.Context(), &cctvv1.ListCamerasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := []*cctvv1.Camera{
		{Name: "", DayCounts: defaultCounts, Bytes: defaultBytes, ArchiveBytes: 700_000_000},
		{Name: "front", Title: "Front door", LastSegmentTime: timeProto(frontLast), SinceLastSegment: durProto(now.Sub(frontLast)),
			Silent: true, Bytes: frontBytes, ArchiveBytes: 400_000_000, DayCounts: []*cctvv1.DayStateCount{
				{State: cctvv1.DayState_DAY_STATE_RECORDING, Count: 1}, {State: cctvv1.DayState_DAY_STATE_SETTLING, Count: 1},
				{State: cctvv1.DayState_DAY_STATE_QUEUED, Count: 1}, {State: cctvv1.DayState_DAY_STATE_ARCHIVED, Count: 1}}},
		{Name: "garage"},
	}
	if len(got.Cameras) != len(want) {
		t.Fatalf("cameras %v, want %v", got.Cameras, want)
	}
	for i := range want {
		if !proto.Equal(got.Cameras[i], want[i]) {
			t.Errorf("camera %d:\n%v\nwant\n%v", i, got.Cameras[i], want[i])
		}
	}
	if d := got.Cameras[1].GetSinceLastSegment().AsDuration(); d != 3*time.Minute+10*time.Second+153192286 {
		t.Errorf("front silent for %v", d)
	}

	// A camera that appears while cctvd runs is listed, and served.
	c.add(Camera{Name: "porch", Days: newFakeDays(), Archiver: newFakeArchiver(t, newFakeDays())})
	got, err = c.api.ListCameras(t.Context(), &cctvv1.ListCamerasRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, cam := range got.Cameras {
		names = append(names, cam.Name)
	}
	if strings.Join(names, ",") != ",front,garage,porch" {
		t.Errorf("cameras %q after porch appeared", names)
	}
	if _, err := c.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{Camera: proto.String("porch")}); err != nil {
		t.Errorf("porch's days: %v", err)
	}
}

func TestListDaysByCamera(t *testing.T) {
	c := serveCameras(t)
	defaultDays := []string{"/2026-11-18 ARCHIVED", "/2026-11-19 PARTIAL", "/2026-11-20 ARCHIVED", "/2026-11-21 FAILED",
		"/2026-11-22 QUEUED", "/2026-11-24 SETTLING", "/2026-11-25 RECORDING"}
	frontDays := []string{"front/2026-11-20 ARCHIVED", "front/2026-11-22 QUEUED", "front/2026-11-23 SETTLING", "front/2026-11-25 RECORDING"}
	tests := []struct {
		name   string
		req    *cctvv1.ListDaysRequest
		want   []string // camera/date STATE
		code   codes.Code
		errMsg string
	}{
		{name: "every camera, as an old client asks", req: &cctvv1.ListDaysRequest{}, want: append(slices.Clone(defaultDays), frontDays...)},
		{name: "one camera", req: &cctvv1.ListDaysRequest{Camera: proto.String("front")}, want: frontDays},
		{name: "the default camera alone", req: &cctvv1.ListDaysRequest{Camera: proto.String("")}, want: defaultDays},
		{name: "a camera without days", req: &cctvv1.ListDaysRequest{Camera: proto.String("garage")}},
		{name: "states of every camera", req: &cctvv1.ListDaysRequest{States: []cctvv1.DayState{cctvv1.DayState_DAY_STATE_QUEUED}},
			want: []string{"/2026-11-22 QUEUED", "front/2026-11-22 QUEUED"}},
		{name: "states of one camera", req: &cctvv1.ListDaysRequest{Camera: proto.String("front"), States: []cctvv1.DayState{cctvv1.DayState_DAY_STATE_ARCHIVED}},
			want: []string{"front/2026-11-20 ARCHIVED"}},
		{name: "unknown camera", req: &cctvv1.ListDaysRequest{Camera: proto.String("porch")}, code: codes.NotFound, errMsg: `no camera "porch"`},
		{name: "a path for a name", req: &cctvv1.ListDaysRequest{Camera: proto.String("../etc")}, code: codes.InvalidArgument,
			errMsg: `not a camera name: "../etc"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := c.api.ListDays(t.Context(), tt.req)
			if st := status.Convert(err); st.Code() != tt.code || !strings.Contains(st.Message(), tt.errMsg) {
				t.Fatalf("got %v %q; want %v with %q", st.Code(), st.Message(), tt.code, tt.errMsg)
			}
			var lines []string
			for _, d := range got.GetDays() {
				lines = append(lines, fmt.Sprintf("%s/%s %s", d.Camera, d.Date, strings.TrimPrefix(d.State.String(), "DAY_STATE_")))
			}
			if !slices.Equal(lines, tt.want) {
				t.Errorf("days:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// A request for one camera's day goes to that camera's archiver alone,
// and every answer names the camera.
func TestCameraRouting(t *testing.T) {
	const d = "2026-11-22" // both cameras have it, due
	tests := []struct {
		name   string
		camera string
	}{
		{name: "no camera is the default camera", camera: ""},
		{name: "named camera", camera: "front"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := serveCameras(t)
			target, other := c.arc, c.front
			if tt.camera != "" {
				target, other = other, target
			}
			v, err := c.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Camera: tt.camera, Date: d})
			if err != nil || v.Camera != tt.camera || v.Date != d {
				t.Fatalf("verify: %v, %v", v, err)
			}
			dry, err := c.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Camera: tt.camera, Date: d, DryRun: true})
			if err != nil {
				t.Fatal(err)
			}
			if m, err := dry.Recv(); err != nil || m.GetPlan().GetCamera() != tt.camera {
				t.Fatalf("dry run: %v, %v", m, err)
			}

			stream, err := c.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Camera: tt.camera, Date: d})
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-target.watching:
			case <-other.watching:
				t.Fatal("the other camera's archiver follows the conversion")
			}
			go target.publish(t, archive.Progress{Date: date(d), Phase: archive.PhaseEncoding, Chunk: 1, Chunks: 2})
			if m, err := stream.Recv(); err != nil || m.GetProgress().GetCamera() != tt.camera ||
				m.GetProgress().GetPhase() != cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING {
				t.Fatalf("first progress: %v, %v", m, err)
			}
			st, err := c.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
			if err != nil || len(st.Conversions) != 1 || st.Conversions[0].Camera != tt.camera || st.Conversions[0].Date != d {
				t.Fatalf("status conversions: %v, %v", st.GetConversions(), err)
			}
			cn, err := c.api.CancelConversion(t.Context(), &cctvv1.CancelConversionRequest{Camera: tt.camera, Date: d})
			if err != nil || cn.Camera != tt.camera || cn.Phase != cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING {
				t.Fatalf("cancel: %v, %v", cn, err)
			}
			if msgs := recvAll(t, stream); len(msgs) != 1 || msgs[0].GetProgress().GetPhase() != cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED ||
				msgs[0].GetProgress().GetCamera() != tt.camera {
				t.Errorf("after cancel: %v", msgs)
			}

			want := []string{"Verify " + d, "Convert " + d, "Convert " + d, "Watch " + d, "Cancel " + d}
			if got := target.seen(); !slices.Equal(got, want) {
				t.Errorf("camera %q's archiver got %q, want %q", tt.camera, got, want)
			}
			if got := other.seen(); len(got) > 0 {
				t.Errorf("the other camera's archiver got %q", got)
			}
		})
	}
}

func TestCameraErrors(t *testing.T) {
	c := serveCameras(t)
	tests := []struct {
		name   string
		rpc    string
		camera string
		date   string
		code   codes.Code
		msg    string
	}{
		{name: "verify unknown camera", rpc: "VerifyDay", camera: "porch", date: "2026-11-22", code: codes.NotFound, msg: `no camera "porch"`},
		{name: "convert unknown camera", rpc: "ConvertDay", camera: "porch", date: "2026-11-22", code: codes.NotFound, msg: `no camera "porch"`},
		{name: "cancel unknown camera", rpc: "CancelConversion", camera: "porch", date: "2026-11-22", code: codes.NotFound, msg: `no camera "porch"`},
		{name: "starts with a digit", rpc: "VerifyDay", camera: "1st", date: "2026-11-22", code: codes.InvalidArgument, msg: "not a camera name"},
		{name: "a path", rpc: "ConvertDay", camera: "front/..", date: "2026-11-22", code: codes.InvalidArgument, msg: "not a camera name"},
		{name: "too long", rpc: "CancelConversion", camera: "a" + strings.Repeat("b", 64), date: "2026-11-22", code: codes.InvalidArgument, msg: "longer than 64 characters"},
		{name: "the longest name is a name", rpc: "VerifyDay", camera: "a" + strings.Repeat("b", 63), date: "2026-11-22", code: codes.NotFound, msg: "no camera"},
		{name: "malformed date first", rpc: "VerifyDay", camera: "porch", date: "2026-13-01", code: codes.InvalidArgument, msg: "not a date"},
		{name: "a day of another camera", rpc: "VerifyDay", camera: "", date: "2026-11-23", code: codes.NotFound, msg: "unknown day"},
		{name: "the same day of its camera", rpc: "VerifyDay", camera: "front", date: "2026-11-23", code: codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error
			switch tt.rpc {
			case "VerifyDay":
				_, err = c.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Camera: tt.camera, Date: tt.date})
			case "CancelConversion":
				_, err = c.api.CancelConversion(t.Context(), &cctvv1.CancelConversionRequest{Camera: tt.camera, Date: tt.date})
			case "ConvertDay":
				var s cctvv1.CctvService_ConvertDayClient
				if s, err = c.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Camera: tt.camera, Date: tt.date, DryRun: true}); err == nil {
					_, err = s.Recv()
				}
			}
			if st := status.Convert(err); st.Code() != tt.code || !strings.Contains(st.Message(), tt.msg) {
				t.Errorf("got %v %q; want %v with %q", st.Code(), st.Message(), tt.code, tt.msg)
			}
		})
	}
	if got := append(c.arc.seen(), c.front.seen()...); !slices.Equal(got, []string{"Verify 2026-11-23", "Verify 2026-11-23"}) {
		t.Errorf("archivers got %q; want only the two verifies of a known camera", got)
	}
}

// A root whose footage is all in named cameras: a request without a
// camera finds no default camera, ListDays lists the cameras there are.
func TestNoDefaultCamera(t *testing.T) {
	c := serveCameras(t, "front")
	_, err := c.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Date: "2026-11-22"})
	if st := status.Convert(err); st.Code() != codes.NotFound || !strings.Contains(st.Message(), "no default camera") {
		t.Errorf("verify without a camera: %v", err)
	}
	days, err := c.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil || len(days.Days) != 4 || days.Days[0].Camera != "front" {
		t.Errorf("days: %v, %v", days, err)
	}
}

func TestGetStatusCameras(t *testing.T) {
	c := serveCameras(t)
	got, err := c.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var counts []string
	for _, n := range got.DayCounts {
		counts = append(counts, fmt.Sprintf("%d %s", n.Count, strings.TrimPrefix(n.State.String(), "DAY_STATE_")))
	}
	// The default camera's week and front's four days together.
	if want := "2 RECORDING,2 SETTLING,2 QUEUED,3 ARCHIVED,1 FAILED,1 PARTIAL"; strings.Join(counts, ",") != want {
		t.Errorf("day counts %s, want %s", strings.Join(counts, ","), want)
	}
	if got.GetDisk().GetRootBytes() != uint64(defaultBytes+frontBytes) {
		t.Errorf("root bytes %d, want %d", got.GetDisk().GetRootBytes(), defaultBytes+frontBytes)
	}
	var cams []string
	for _, cam := range got.Cameras {
		cams = append(cams, fmt.Sprintf("%q silent=%v", cam.Name, cam.Silent))
	}
	if want := `"" silent=false,"front" silent=true,"garage" silent=false`; strings.Join(cams, ",") != want {
		t.Errorf("cameras %s, want %s", strings.Join(cams, ","), want)
	}
	var pending []string
	for _, p := range got.Pending {
		pending = append(pending, p.Camera+"/"+p.Date)
	}
	if want := "/2026-11-21,front/2026-11-22"; strings.Join(pending, ",") != want {
		t.Errorf("pending %s, want %s", strings.Join(pending, ","), want)
	}
	if len(got.Misplaced) != 1 || got.Misplaced[0].Camera != "front" || got.Misplaced[0].Name != "2026-11-23.bak" {
		t.Errorf("misplaced %v", got.Misplaced)
	}
	for _, tt := range []struct {
		camera string
		want   map[string]int
	}{
		{camera: "", want: map[string]int{"recording": 1, "settling": 1, "queued": 1, "archived": 2, "failed": 1, "partial": 1}},
		{camera: "front", want: map[string]int{"recording": 1, "settling": 1, "queued": 1, "archived": 1}},
		{camera: "garage", want: map[string]int{}},
		{camera: "porch"},
	} {
		if got := c.srv.DayStatesOf(tt.camera); !maps.Equal(got, tt.want) || (got == nil) != (tt.want == nil) {
			t.Errorf("DayStatesOf(%q) = %v, want %v", tt.camera, got, tt.want)
		}
	}

	// Front's misplaced backup of a day is named by front's verify of it,
	// not by the default camera's.
	v, err := c.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Camera: "front", Date: "2026-11-23"})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(v.Findings); n == 0 || v.Findings[n-1].Kind != cctvv1.FindingKind_FINDING_KIND_MISPLACED {
		t.Errorf("front's verify findings %v lack the backup", v.Findings)
	}
}

// VerifyDay of one camera's archive shows in that camera's day alone,
// though the other camera has an archive of the same name and size.
func TestCheckedPerCamera(t *testing.T) {
	c := serveCameras(t)
	c.front.report = &archive.Report{Plan: &archive.Plan{},
		Archives: []archive.ArchiveCheck{{File: "video.mp4", Bytes: 400_000_000, Checksum: archive.ChecksumVerified}}}
	if _, err := c.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Camera: "front", Date: "2026-11-20"}); err != nil {
		t.Fatal(err)
	}
	days, err := c.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]cctvv1.ChecksumState{
		"/2026-11-20":      cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED,
		"front/2026-11-20": cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED,
	}
	for _, d := range days.Days {
		if st, ok := want[d.Camera+"/"+d.Date]; ok && d.ChecksumState != st {
			t.Errorf("%s/%s: %v, want %v", d.Camera, d.Date, d.ChecksumState, st)
		}
	}
}

func TestNewNeedsCameras(t *testing.T) {
	days := newFakeDays()
	tests := []struct {
		name string
		deps Deps
		want string
	}{
		{name: "no lister", deps: Deps{}, want: "cameras are required"},
		{name: "a camera without an archiver", deps: Deps{Cameras: func() []Camera { return []Camera{{Name: "front", Days: days}} }},
			want: `camera "front": days and archiver are required`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Addr: "unix://" + t.TempDir() + "/s.sock"}, tt.deps, testLogger(t))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New: %v, want %q", err, tt.want)
			}
		})
	}
}
