package control

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/user"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/disk"
	"github.com/cctvd/cctvd/internal/retention"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// serveRetention is serve with retention over the fixture's archived day.
func serveRetention(t *testing.T) *harness {
	t.Helper()
	days := fixtureDays()
	arc := newFakeArchiver(t, days)
	ret, err := retention.New(retention.Config{
		Root: t.TempDir(), State: t.TempDir(), KeepFree: retention.Limit{Bytes: 600}, Calendar: cal, Now: clock,
		Days: func(time.Time) []retention.Day {
			return []retention.Day{
				{Date: date("2026-11-18"), Due: true, Archives: []retention.Archive{{Name: "video.mp4", Size: 100, Checksum: true}}},
				{Date: date("2026-11-20"), Due: true, Archives: []retention.Archive{{Name: "video.mp4", Size: 100, Checksum: true}}},
				{Date: date("2026-11-25"), Segments: 4320},
			}
		},
		Folder: func(string) string { return t.TempDir() },
		Disk:   func(string) (disk.Usage, error) { return disk.Usage{Total: 1000, Used: 450, Free: 550}, nil },
	}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{days: days, arc: arc, sock: t.TempDir() + "/run/cctvd.sock"}
	srv, err := New(Config{Addr: "unix://" + h.sock, Root: t.TempDir(), Calendar: cal, Now: clock},
		Deps{Cameras: OneCamera(days, arc, nil), Retention: ret}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.start(t)
	return h
}

func TestHoldDay(t *testing.T) {
	h := serveRetention(t)
	ctx := context.Background()
	me := strconv.Itoa(os.Getuid())
	if u, err := user.Current(); err == nil && u.Username != "" {
		me = u.Username
	}
	for _, tc := range []struct {
		name string
		req  *cctvv1.HoldDayRequest
		code codes.Code
	}{
		{name: "no reason", req: &cctvv1.HoldDayRequest{Date: "2026-11-18"}, code: codes.InvalidArgument},
		{name: "bad date", req: &cctvv1.HoldDayRequest{Date: "2026-11-31", Reason: "x"}, code: codes.InvalidArgument},
		{name: "unknown camera", req: &cctvv1.HoldDayRequest{Date: "2026-11-18", Camera: "ghost", Reason: "x"}, code: codes.NotFound},
		{name: "held", req: &cctvv1.HoldDayRequest{Date: "2026-11-18", Reason: "break-in"}, code: codes.OK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := h.api.HoldDay(ctx, tc.req)
			if status.Code(err) != tc.code {
				t.Fatalf("HoldDay: %v, want %v", err, tc.code)
			}
			if err == nil && (resp.GetHold().GetWho() != me || resp.GetHold().GetReason() != "break-in") {
				t.Errorf("hold = %v, want by %s (the socket's peer)", resp.GetHold(), me)
			}
		})
	}
	days, err := h.api.ListDays(ctx, &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range days.GetDays() {
		if held := d.GetDate() == "2026-11-18"; d.GetHeld() != held || (held && d.GetHoldReason() != "break-in") {
			t.Errorf("%s: held %v (%q), want %v", d.GetDate(), d.GetHeld(), d.GetHoldReason(), held)
		}
	}
	plan, err := h.api.PlanRetention(ctx, &cctvv1.PlanRetentionRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range plan.GetDays() {
		got = append(got, d.GetDate()+" "+d.GetReason())
	}
	if want := "2026-11-18 held,2026-11-20 newest archive,2026-11-25 today"; joined(got) != want || !plan.GetShort() || plan.GetFreeBytes() != 550 || plan.GetKeepFreeBytes() != 600 {
		t.Errorf("plan = %s (short %v, free %d, keep %d), want %s, short", joined(got), plan.GetShort(), plan.GetFreeBytes(), plan.GetKeepFreeBytes(), want)
	}
	if _, err := h.api.ReleaseDay(ctx, &cctvv1.ReleaseDayRequest{Date: "2026-11-18"}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.api.ReleaseDay(ctx, &cctvv1.ReleaseDayRequest{Date: "2026-11-18"}); status.Code(err) != codes.NotFound {
		t.Errorf("second release: %v, want NotFound", err)
	}
}

func TestHoldDayWithoutRetention(t *testing.T) {
	h := serve(t, Config{})
	_, err := h.api.HoldDay(context.Background(), &cctvv1.HoldDayRequest{Date: "2026-11-18", Reason: "x"})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("HoldDay without retention: %v, want FailedPrecondition", err)
	}
}

func joined(s []string) string { return strings.Join(s, ",") }
