package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// call makes one RPC of any kind and returns its error; ConvertDay's is
// the stream's first.
func call(ctx context.Context, api cctvv1.CctvServiceClient, rpc, date string, force bool) error {
	var err error
	switch rpc {
	case "GetStatus":
		_, err = api.GetStatus(ctx, &cctvv1.GetStatusRequest{})
	case "ListDays":
		_, err = api.ListDays(ctx, &cctvv1.ListDaysRequest{})
	case "VerifyDay":
		_, err = api.VerifyDay(ctx, &cctvv1.VerifyDayRequest{Date: date})
	case "CancelConversion":
		_, err = api.CancelConversion(ctx, &cctvv1.CancelConversionRequest{Date: date})
	case "ConvertDay":
		var s cctvv1.CctvService_ConvertDayClient
		if s, err = api.ConvertDay(ctx, &cctvv1.ConvertDayRequest{Date: date, Force: force, DryRun: true}); err == nil {
			_, err = s.Recv()
		}
		if !force {
			// A real run: the first message or the refusal.
			s, err = api.ConvertDay(ctx, &cctvv1.ConvertDayRequest{Date: date})
			if err == nil {
				_, err = s.Recv()
			}
		}
	default:
		panic(rpc)
	}
	return err
}

func TestErrorCodes(t *testing.T) {
	h := serve(t, Config{})
	tests := []struct {
		name    string
		rpc     string
		date    string
		force   bool
		archErr error // the archiver's answer to everything
		code    codes.Code
		msg     string // in the status message
	}{
		{name: "bad date verify", rpc: "VerifyDay", date: "2024-13-45", code: codes.InvalidArgument, msg: `"2024-13-45": not a date (want YYYY-MM-DD)`},
		{name: "bad date convert", rpc: "ConvertDay", date: "2024-13-45", code: codes.InvalidArgument},
		{name: "bad date cancel", rpc: "CancelConversion", date: "2024-2-3", code: codes.InvalidArgument},
		{name: "empty date", rpc: "VerifyDay", date: "", code: codes.InvalidArgument},
		{name: "unknown day verify", rpc: "VerifyDay", date: "2020-01-01", code: codes.NotFound, msg: "unknown day"},
		{name: "unknown day convert", rpc: "ConvertDay", date: "2020-01-01", code: codes.NotFound},
		{name: "today without force", rpc: "ConvertDay", date: "2026-11-25", code: codes.FailedPrecondition, msg: "still being recorded"},
		{name: "settling without force", rpc: "ConvertDay", date: "2026-11-24", code: codes.FailedPrecondition, msg: "still settling"},
		{name: "cancel idle day", rpc: "CancelConversion", date: "2026-11-20", code: codes.FailedPrecondition, msg: "not being converted"},
		{name: "nothing to do", rpc: "ConvertDay", date: "2026-11-20", force: true,
			archErr: markAs(errors.New("convert 2026-11-20: nothing to archive"), ErrNothingToDo), code: codes.FailedPrecondition},
		{name: "committing", rpc: "CancelConversion", date: "2026-11-22",
			archErr: markAs(errors.New("cancel 2026-11-22: archive is being committed"), ErrCommitting), code: codes.FailedPrecondition},
		{name: "no encoder", rpc: "ConvertDay", date: "2026-11-22", force: true,
			archErr: markAs(errors.New("ffmpeg missing: exec: \"ffmpeg\": not found"), ErrNoEncoder), code: codes.FailedPrecondition},
		{name: "internal", rpc: "VerifyDay", date: "2026-11-22", archErr: errors.New("Disk on fire"),
			code: codes.Internal, msg: "disk on fire"},
		{name: "status", rpc: "GetStatus", code: codes.OK},
		{name: "days", rpc: "ListDays", code: codes.OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.arc.err = tt.archErr
			t.Cleanup(func() { h.arc.err = nil })
			err := call(t.Context(), h.api, tt.rpc, tt.date, tt.force)
			st := status.Convert(err)
			if st.Code() != tt.code || !strings.Contains(st.Message(), tt.msg) {
				t.Errorf("got %v %q; want %v with %q", st.Code(), st.Message(), tt.code, tt.msg)
			}
			if msg := st.Message(); msg != "" && strings.ToLower(msg[:1]) != msg[:1] {
				t.Errorf("message %q is not lower-case", msg)
			}
		})
	}
	if len(h.arc.queued) != 0 {
		t.Errorf("refused requests queued %v", h.arc.queued)
	}
}

func TestGetStatus(t *testing.T) {
	h := serve(t, Config{})
	got, err := h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != "v1.2.3" || got.GetUptime().AsDuration() != 0 || !got.GetStartTime().AsTime().Equal(now) ||
		got.GetSettle().AsDuration() != settle || got.Root == "" {
		t.Errorf("version, uptime, start, settle or root wrong: %v", got)
	}
	wantCounts := map[cctvv1.DayState]int32{
		cctvv1.DayState_DAY_STATE_RECORDING: 1, cctvv1.DayState_DAY_STATE_SETTLING: 1, cctvv1.DayState_DAY_STATE_QUEUED: 1,
		cctvv1.DayState_DAY_STATE_ARCHIVED: 2, cctvv1.DayState_DAY_STATE_FAILED: 1, cctvv1.DayState_DAY_STATE_PARTIAL: 1,
	}
	for _, c := range got.DayCounts {
		if wantCounts[c.State] != c.Count {
			t.Errorf("%v: %d days, want %d", c.State, c.Count, wantCounts[c.State])
		}
		delete(wantCounts, c.State)
	}
	if len(wantCounts) > 0 {
		t.Errorf("states missing: %v", wantCounts)
	}
	d := got.GetDisk()
	wantRoot := uint64((4320+8640+8640+8000+3)*500_000 + 400_000_000 + 300_000_000)
	if d.GetTotalBytes() != 1000 || d.GetUsedBytes() != 400 || d.GetFreeBytes() != 550 || d.GetRootBytes() != wantRoot {
		t.Errorf("disk %v, want root bytes %d", d, wantRoot)
	}
	if len(got.Conversions) != 0 {
		t.Errorf("conversions while idle: %v", got.Conversions)
	}
	if len(got.RecentErrors) != 1 || got.RecentErrors[0].Component != "archive" || got.RecentErrors[0].Date != "2026-11-21" {
		t.Errorf("recent errors %v", got.RecentErrors)
	}
	wantPending := []*cctvv1.PendingConversion{{Date: "2026-11-21", ChunksDone: 2, ChunkCount: 5}, {Date: "2026-11-23", Forced: true}}
	if len(got.Pending) != len(wantPending) {
		t.Errorf("pending %v, want %v", got.Pending, wantPending)
	}
	for i := range min(len(got.Pending), len(wantPending)) {
		if !proto.Equal(got.Pending[i], wantPending[i]) {
			t.Errorf("pending %d: %v, want %v", i, got.Pending[i], wantPending[i])
		}
	}

	// A conversion under way shows.
	if _, err := h.arc.Convert(t.Context(), date("2026-11-22"), false, false); err != nil {
		t.Fatal(err)
	}
	got, err = h.api.GetStatus(t.Context(), &cctvv1.GetStatusRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Conversions) != 1 || got.Conversions[0].Date != "2026-11-22" ||
		got.Conversions[0].Phase != cctvv1.ConversionPhase_CONVERSION_PHASE_QUEUED {
		t.Errorf("conversions %v", got.Conversions)
	}
}

func TestListDays(t *testing.T) {
	h := serve(t, Config{})
	got, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, d := range got.Days {
		lines = append(lines, fmt.Sprintf("%s %s %d", d.Date, strings.TrimPrefix(d.State.String(), "DAY_STATE_"), d.SegmentCount))
	}
	want := []string{
		"2026-11-18 ARCHIVED 0", "2026-11-19 PARTIAL 3", "2026-11-20 ARCHIVED 0", "2026-11-21 FAILED 8000",
		"2026-11-22 QUEUED 8640", "2026-11-24 SETTLING 8640", "2026-11-25 RECORDING 4320",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("days:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	archived := got.Days[2]
	if archived.ReductionRatio != 0.1 || archived.ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_UNVERIFIED ||
		len(archived.ArchiveFiles) != 1 || archived.ArchiveBytes != 400_000_000 || archived.KeptCount != 2 {
		t.Errorf("archived day %v", archived)
	}
	if got.Days[1].ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_MISSING {
		t.Errorf("partial day without checksum file: %v", got.Days[1].ChecksumState)
	}
	failed := got.Days[3]
	if failed.LastError != "ffmpeg exited 1" || !failed.GetNextAttemptTime().AsTime().Equal(now.Add(time.Hour)) {
		t.Errorf("failed day %v", failed)
	}
	if due := got.Days[5].GetDueTime().AsTime(); !due.Equal(time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("settling day due %v", due)
	}

	only, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{States: []cctvv1.DayState{
		cctvv1.DayState_DAY_STATE_ARCHIVED, cctvv1.DayState_DAY_STATE_PARTIAL}})
	if err != nil {
		t.Fatal(err)
	}
	if len(only.Days) != 3 || only.Days[0].Date != "2026-11-18" || only.Days[2].Date != "2026-11-20" {
		t.Errorf("filtered: %v", only.Days)
	}
	_, err = h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{States: []cctvv1.DayState{42}})
	if status.Code(err) != codes.InvalidArgument {
		t.Errorf("unknown state: %v", err)
	}
}

func TestVerifyDay(t *testing.T) {
	h := serve(t, Config{})
	h.arc.report = &Report{
		Archives: []ArchiveCheck{
			{File: "video.mp4", Bytes: 400, Checksum: ChecksumVerified, Expected: "ab", Actual: "ab", Codec: "hevc", Frames: 1000, Duration: 40 * time.Second},
			{File: "video-2.mp4", Bytes: 10, Checksum: ChecksumMismatch, Expected: "ab", Actual: "cd", Broken: errors.New("moov atom not found")},
		},
		Plan: fixturePlan(),
	}
	got, err := h.api.VerifyDay(t.Context(), &cctvv1.VerifyDayRequest{Date: "2026-11-19"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Date != "2026-11-19" || got.State != cctvv1.DayState_DAY_STATE_PARTIAL || got.SegmentCount != 4 || got.Bytes != 4_000_000 {
		t.Errorf("header %v", got)
	}
	if len(got.Archives) != 2 || got.Archives[0].ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED ||
		got.Archives[1].ChecksumState != cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH || got.Archives[0].Codec != "hevc" {
		t.Errorf("archives %v", got.Archives)
	}
	var kinds []string
	for _, f := range got.Findings {
		kinds = append(kinds, strings.TrimPrefix(f.Kind.String(), "FINDING_KIND_")+" "+strings.Join(f.Files, ","))
	}
	want := "CHECKSUM_MISMATCH video-2.mp4|ARCHIVE_BROKEN video-2.mp4|LATE seg1.ts,seg2.ts,seg3.ts,seg4.ts|" +
		"NOT_TS notes.txt|GAP seg2.ts,seg3.ts|RESTART seg3.ts,seg4.ts|ZERO_BYTE seg5.ts"
	if strings.Join(kinds, "|") != want {
		t.Errorf("findings\n%s\nwant\n%s", strings.Join(kinds, "|"), want)
	}
}

func TestDryRunChangesNothing(t *testing.T) {
	h := serve(t, Config{})
	before, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	// Dry runs are allowed for any day, settling or today included; the
	// plan says which force could convert now (not today's).
	for _, d := range []string{"2026-11-22", "2026-11-24", "2026-11-25"} {
		stream, err := h.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Date: d, DryRun: true})
		if err != nil {
			t.Fatal(err)
		}
		msgs := recvAll(t, stream)
		if len(msgs) != 1 || msgs[0].GetPlan() == nil {
			t.Fatalf("%s: got %v, want one plan", d, msgs)
		}
		p := msgs[0].GetPlan()
		if p.GetRecording() != (d == "2026-11-25") || !p.GetDueTime().AsTime().Equal(cal.due(date(d))) {
			t.Errorf("%s: recording %v, due %v", d, p.GetRecording(), p.GetDueTime().AsTime())
		}
	}
	after, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, after) || len(h.arc.queued) != 0 || len(h.arc.Status()) != 1 {
		t.Errorf("a dry run changed something: queued %v, jobs %v", h.arc.queued, h.arc.Status())
	}
}

// recvAll reads a stream to its end, which must be clean.
func recvAll(t *testing.T, s cctvv1.CctvService_ConvertDayClient) []*cctvv1.ConvertDayResponse {
	t.Helper()
	var out []*cctvv1.ConvertDayResponse
	for {
		m, err := s.Recv()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("after %d messages: %v", len(out), err)
		}
		out = append(out, m)
	}
}

func TestConvertStreamsToTheEnd(t *testing.T) {
	d := date("2026-11-22")
	enc := func(frames int64) Progress {
		return Progress{Date: d, Phase: PhaseEncoding, Chunk: 1, Chunks: 2, Frames: frames, TotalFrames: 1000, Speed: 2.5, ETA: time.Minute}
	}
	tests := []struct {
		name    string
		reports []Progress
		want    []cctvv1.ConversionPhase
		check   func(t *testing.T, last *cctvv1.ConversionProgress)
	}{
		{
			name: "done",
			reports: []Progress{{Date: d, Phase: PhaseQueued}, {Date: d, Phase: PhasePlanning}, enc(10), enc(20), enc(30),
				{Date: d, Phase: PhaseJoining}, {Date: d, Phase: PhaseVerifying}, {Date: d, Phase: PhaseChecksumming},
				{Date: d, Phase: PhaseCommitting}, {Date: d, Phase: PhaseDone, Archive: "video.mp4", ArchiveBytes: 123, SHA512: "ab12"}},
			want: phaseList("QUEUED PLANNING ENCODING JOINING VERIFYING CHECKSUMMING COMMITTING DONE"),
			check: func(t *testing.T, last *cctvv1.ConversionProgress) {
				if last.ArchiveFile != "video.mp4" || last.ArchiveBytes != 123 || last.Sha512 != "ab12" {
					t.Errorf("done: %v", last)
				}
			},
		},
		{
			name: "failed",
			reports: []Progress{{Date: d, Phase: PhaseQueued}, {Date: d, Phase: PhasePlanning}, enc(10),
				{Date: d, Phase: PhaseFailed, Err: errors.New("ffmpeg exited 1"), StderrTail: []string{"x265 [error]: out of memory"}}},
			want: phaseList("QUEUED PLANNING ENCODING FAILED"),
			check: func(t *testing.T, last *cctvv1.ConversionProgress) {
				if last.Error != "ffmpeg exited 1" || len(last.StderrTail) != 1 {
					t.Errorf("failed: %v", last)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := serve(t, Config{})
			stream, err := h.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Date: d.String()})
			if err != nil {
				t.Fatal(err)
			}
			go func() {
				<-h.arc.watching
				for _, p := range tt.reports {
					h.arc.publish(t, p)
				}
			}()
			msgs := recvAll(t, stream)
			var got []cctvv1.ConversionPhase
			for _, m := range msgs {
				if n := len(got); n == 0 || got[n-1] != m.GetProgress().GetPhase() {
					got = append(got, m.GetProgress().GetPhase())
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("phases %v, want %v", got, tt.want)
			}
			// Three encoding reports within a second: one is sent.
			if len(msgs) != len(tt.want) {
				t.Errorf("%d messages, want %d (one per phase)", len(msgs), len(tt.want))
			}
			tt.check(t, msgs[len(msgs)-1].GetProgress())
		})
	}
}

func phaseList(s string) []cctvv1.ConversionPhase {
	var out []cctvv1.ConversionPhase
	for _, f := range strings.Fields(s) {
		out = append(out, cctvv1.ConversionPhase(cctvv1.ConversionPhase_value["CONVERSION_PHASE_"+f]))
	}
	return out
}

func TestCancelInTheMiddle(t *testing.T) {
	h := serve(t, Config{})
	d := date("2026-11-22")
	stream, err := h.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Date: d.String()})
	if err != nil {
		t.Fatal(err)
	}
	<-h.arc.watching
	go h.arc.publish(t, Progress{Date: d, Phase: PhaseEncoding, Chunk: 1, Chunks: 2})
	if m, err := stream.Recv(); err != nil || m.GetProgress().GetPhase() != cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING {
		t.Fatalf("first message %v, %v", m, err)
	}
	resp, err := h.api.CancelConversion(t.Context(), &cctvv1.CancelConversionRequest{Date: d.String()})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Date != d.String() || resp.Phase != cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING || resp.RemovedFiles != 2 {
		t.Errorf("cancel answered %v", resp)
	}
	msgs := recvAll(t, stream)
	if len(msgs) != 1 || msgs[0].GetProgress().GetPhase() != cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED {
		t.Errorf("after cancel: %v", msgs)
	}
	// Cancelling again: nothing is being converted.
	_, err = h.api.CancelConversion(t.Context(), &cctvv1.CancelConversionRequest{Date: d.String()})
	if status.Code(err) != codes.FailedPrecondition {
		t.Errorf("second cancel: %v", err)
	}
}

func TestConversionOutlivesItsClient(t *testing.T) {
	h := serve(t, Config{})
	d := date("2026-11-22")
	ctx, cancel := context.WithCancel(t.Context())
	stream, err := h.api.ConvertDay(ctx, &cctvv1.ConvertDayRequest{Date: d.String(), Force: true})
	if err != nil {
		t.Fatal(err)
	}
	<-h.arc.watching
	go h.arc.publish(t, Progress{Date: d, Phase: PhaseQueued})
	if _, err := stream.Recv(); err != nil {
		t.Fatal(err)
	}
	cancel()
	// A second client follows the same conversion to its end.
	again, err := h.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Date: d.String()})
	if err != nil {
		t.Fatal(err)
	}
	<-h.arc.watching
	go h.arc.publish(t, Progress{Date: d, Phase: PhaseDone})
	msgs := recvAll(t, again)
	if len(msgs) != 1 || msgs[0].GetProgress().GetPhase() != cctvv1.ConversionPhase_CONVERSION_PHASE_DONE {
		t.Errorf("second client got %v", msgs)
	}
	if len(h.arc.queued) != 1 {
		t.Errorf("queued %v, want the day once", h.arc.queued)
	}
}
