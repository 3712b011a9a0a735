package control

import (
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/disk"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

type fakeMisplaced []catalog.Misplaced

func (f fakeMisplaced) Misplaced() []catalog.Misplaced { return f }

func TestMisplacedInStatusAndVerify(t *testing.T) {
	days := fixtureDays()
	arc := newFakeArchiver(t, days)
	arc.report = &archive.Report{Plan: fixturePlan()}
	mis := fakeMisplaced{
		{Name: "2026-02-30", Kind: catalog.NotADate, Detail: "not a date"},
		{Name: "2026-11-22.bak", Kind: catalog.DaySuffix, Date: date("2026-11-22"), Detail: "a backup"},
		{Name: "2026-11-23 copy", Kind: catalog.DaySuffix, Date: date("2026-11-23"), Detail: "a copy"},
		{Name: "seg15.ts", Kind: catalog.StraySegment, Detail: "in the root"},
	}
	h := &harness{days: days, arc: arc, sock: t.TempDir() + "/cctvd.sock"}
	cfg := Config{Addr: "unix://" + h.sock, Version: "v1.2.3", Root: t.TempDir(), Calendar: cal, Now: clock}
	usage := func(string) (disk.Usage, error) { return disk.Usage{Total: 1000, Used: 400, Free: 550}, nil }
	srv, err := New(cfg, Deps{Cameras: OneCamera(days, arc, mis), Disk: usage}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.start(t)

	st, err := h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range st.Misplaced {
		got = append(got, strings.Join([]string{m.Name, m.Kind.String(), m.Date, m.Detail}, " "))
	}
	want := "2026-02-30 MISPLACED_KIND_NOT_A_DATE  not a date|" +
		"2026-11-22.bak MISPLACED_KIND_DAY_SUFFIX 2026-11-22 a backup|" +
		"2026-11-23 copy MISPLACED_KIND_DAY_SUFFIX 2026-11-23 a copy|" +
		"seg15.ts MISPLACED_KIND_STRAY_SEGMENT  in the root"
	if g := strings.Join(got, "|"); g != want {
		t.Errorf("status misplaced\n%s\nwant\n%s", g, want)
	}

	v, err := h.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Date: "2026-11-22"})
	if err != nil {
		t.Fatal(err)
	}
	last := v.Findings[len(v.Findings)-1]
	if last.Kind != cctvv1.FindingKind_FINDING_KIND_MISPLACED || strings.Join(last.Files, ",") != "../2026-11-22.bak" {
		t.Errorf("last finding %v, want the misplaced ../2026-11-22.bak", last)
	}
	for _, f := range v.Findings[:len(v.Findings)-1] {
		if f.Kind == cctvv1.FindingKind_FINDING_KIND_MISPLACED {
			t.Errorf("misplaced finding %v does not name 2026-11-22", f)
		}
	}

	// A day whose folder has another name: not found, with where it may be.
	_, err = h.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Date: "2026-11-23"})
	if s := status.Convert(err); s.Code() != codes.NotFound || !strings.Contains(s.Message(), "2026-11-23 copy") {
		t.Errorf("verify of a day only a misplaced folder names: %v, want not found naming it", err)
	}
}
