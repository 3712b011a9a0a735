package control

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/scrub"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// serveScrub is serve's fixture with a real scrubber over a root holding
// the fixture's two archived days: 2026-11-20 sound, 2026-11-19 not.
func serveScrub(t *testing.T) *harness {
	t.Helper()
	root := t.TempDir()
	for d, sum := range map[string]string{"2026-11-20": "", "2026-11-19": "wrong"} {
		dir := filepath.Join(root, d)
		os.MkdirAll(dir, 0o755)
		b := []byte("archive of " + d)
		h := sha512.Sum512(append(b, sum...))
		os.WriteFile(filepath.Join(dir, "video.mp4"), b, 0o644)
		os.WriteFile(filepath.Join(dir, "video.mp4"+day.ChecksumSuffix), []byte(hex.EncodeToString(h[:])+"  video.mp4\n"), 0o644)
	}
	sc := scrub.New(scrub.Config{Now: clock}, testLogger(t))
	if err := sc.Add(scrub.Camera{Root: root, State: t.TempDir()}); err != nil {
		t.Fatal(err)
	}
	days := fixtureDays()
	arc := newFakeArchiver(t, days)
	h := &harness{days: days, arc: arc, sock: t.TempDir() + "/cctvd.sock"}
	srv, err := New(Config{Addr: "unix://" + h.sock, Root: root, Calendar: cal, Now: clock},
		Deps{Cameras: OneCamera(days, arc, nil), Scrub: sc}, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	h.srv = srv
	h.start(t)
	return h
}

// scrubAll reads a ScrubDay stream to its end: the progress and the last message.
func scrubAll(t *testing.T, h *harness, req *cctvv1.ScrubDayRequest) ([]*cctvv1.ScrubDayResponse, error) {
	t.Helper()
	stream, err := h.api.ScrubDay(t.Context(), req)
	if err != nil {
		return nil, err
	}
	var msgs []*cctvv1.ScrubDayResponse
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return msgs, nil
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, m)
	}
}

func TestScrubDay(t *testing.T) {
	h := serveScrub(t)
	msgs, err := scrubAll(t, h, &cctvv1.ScrubDayRequest{Date: "2026-11-20"})
	if err != nil {
		t.Fatal(err)
	}
	last := msgs[len(msgs)-1]
	if len(msgs) < 2 || msgs[0].File != "video.mp4" || msgs[0].Date != "2026-11-20" || !last.Done ||
		len(last.Archives) != 1 || last.Archives[0].Result != cctvv1.ScrubResult_SCRUB_RESULT_OK {
		t.Errorf("scrub of a sound day: %v", msgs)
	}
	msgs, err = scrubAll(t, h, &cctvv1.ScrubDayRequest{All: true})
	if err != nil {
		t.Fatal(err)
	}
	last = msgs[len(msgs)-1]
	got := map[string]cctvv1.ScrubResult{}
	for _, a := range last.Archives {
		got[a.Date] = a.Result
	}
	if len(got) != 2 || got["2026-11-19"] != cctvv1.ScrubResult_SCRUB_RESULT_MISMATCH || got["2026-11-20"] != cctvv1.ScrubResult_SCRUB_RESULT_OK {
		t.Errorf("scrub --all: %v", got)
	}
	list, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range list.Days {
		want := map[string]cctvv1.ScrubResult{"2026-11-19": cctvv1.ScrubResult_SCRUB_RESULT_MISMATCH,
			"2026-11-20": cctvv1.ScrubResult_SCRUB_RESULT_OK}[d.Date]
		if d.ScrubResult != want || (want != 0) != (d.LastScrubTime != nil) || (want != 0) != (len(d.Scrubs) == 1) {
			t.Errorf("ListDays %s: scrub %v at %v (%d archives), want %v", d.Date, d.ScrubResult, d.LastScrubTime, len(d.Scrubs), want)
		}
	}
}

// GetStatus lists the damaged archives and the oldest scrub.
func TestScrubStatus(t *testing.T) {
	h := serveScrub(t)
	if _, err := scrubAll(t, h, &cctvv1.ScrubDayRequest{All: true}); err != nil {
		t.Fatal(err)
	}
	st, err := h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.DamagedArchives) != 1 || st.DamagedArchives[0].Date != "2026-11-19" || st.DamagedArchives[0].File != "video.mp4" ||
		st.DamagedArchives[0].Result != cctvv1.ScrubResult_SCRUB_RESULT_MISMATCH || !st.OldestScrubTime.AsTime().Equal(clock()) {
		t.Errorf("status: damaged %v, oldest scrub %v; want 2026-11-19/video.mp4 mismatch, %v", st.DamagedArchives, st.OldestScrubTime, clock())
	}
}

func TestScrubDayRefused(t *testing.T) {
	h := serveScrub(t)
	porch, bad := "porch", "no way"
	tests := []struct {
		name string
		req  *cctvv1.ScrubDayRequest
		code codes.Code
	}{
		{"date and all", &cctvv1.ScrubDayRequest{Date: "2026-11-20", All: true}, codes.InvalidArgument},
		{"neither", &cctvv1.ScrubDayRequest{}, codes.InvalidArgument},
		{"bad date", &cctvv1.ScrubDayRequest{Date: "2026-13-01"}, codes.InvalidArgument},
		{"unknown day", &cctvv1.ScrubDayRequest{Date: "2026-01-01"}, codes.NotFound},
		{"a day without archives", &cctvv1.ScrubDayRequest{Date: "2026-11-22"}, codes.FailedPrecondition},
		{"unknown camera", &cctvv1.ScrubDayRequest{All: true, Camera: &porch}, codes.NotFound},
		{"bad camera name", &cctvv1.ScrubDayRequest{Date: "2026-11-20", Camera: &bad}, codes.InvalidArgument},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := scrubAll(t, h, tt.req); status.Code(err) != tt.code {
				t.Errorf("%v, want %v", err, tt.code)
			}
		})
	}
	t.Run("no scrubber", func(t *testing.T) {
		h := serve(t, Config{})
		if _, err := scrubAll(t, h, &cctvv1.ScrubDayRequest{All: true}); status.Code(err) != codes.FailedPrecondition {
			t.Errorf("%v, want FailedPrecondition", err)
		}
	})
}
