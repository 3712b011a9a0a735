package ctl

import (
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func (f *fakeDaemon) ScrubDay(req *cctvv1.ScrubDayRequest, stream grpc.ServerStreamingServer[cctvv1.ScrubDayResponse]) error {
	f.record("ScrubDay", req)
	if f.err != nil {
		return f.err
	}
	for _, m := range f.scrub {
		if err := stream.Send(m); err != nil {
			return err
		}
	}
	return nil
}

func scrubReading(camera, date string, done, files int32) *cctvv1.ScrubDayResponse {
	return &cctvv1.ScrubDayResponse{Camera: camera, Date: date, File: "video.mp4", BytesDone: int64(done) << 20, BytesTotal: 4 << 20,
		FilesDone: files, FileCount: 2}
}

func scrubDone(results ...cctvv1.ScrubResult) *cctvv1.ScrubDayResponse {
	m := &cctvv1.ScrubDayResponse{Done: true, BytesDone: 4 << 20, BytesTotal: 4 << 20, FilesDone: int32(len(results)), FileCount: int32(len(results))}
	for i, r := range results {
		a := &cctvv1.ScrubArchive{Date: "2026-11-1" + string(rune('5'+i)), File: "video.mp4", Result: r, Bytes: 2 << 20, Time: at(0)}
		if r == cctvv1.ScrubResult_SCRUB_RESULT_MISMATCH {
			a.Detail = "sha512 is 0123…, video.mp4.sha512sum says 4567…"
		}
		m.Archives = append(m.Archives, a)
	}
	return m
}

// A scrub streams its progress and exits like verify: 0 clean, 1 damaged, 2 an error.
func TestScrub(t *testing.T) {
	ok, bad := cctvv1.ScrubResult_SCRUB_RESULT_OK, cctvv1.ScrubResult_SCRUB_RESULT_MISMATCH
	runCases(t, "ScrubDay", []cliCase{
		{
			name:    "clean day",
			daemon:  &fakeDaemon{scrub: []*cctvv1.ScrubDayResponse{scrubReading("", "2026-11-15", 1, 0), scrubReading("", "2026-11-15", 3, 0), scrubDone(ok)}},
			args:    []string{"scrub", "2026-11-15"},
			wantReq: &cctvv1.ScrubDayRequest{Date: "2026-11-15", Camera: new(string)},
			wantOut: "scrubbing 2026-11-15 video.mp4 (1/2)\n" +
				"DAY         FILE       SIZE     RESULT  DETAIL\n" +
				"2026-11-15  video.mp4  2.0 MiB  ok      -\n" +
				"scrub 2026-11-15: 1 archive (4.0 MiB) re-hashed: clean\n",
		},
		{
			name:    "all cameras, one damaged",
			daemon:  &fakeDaemon{scrub: []*cctvv1.ScrubDayResponse{scrubDone(ok, bad)}},
			args:    []string{"scrub", "--all"},
			wantReq: &cctvv1.ScrubDayRequest{All: true},
			wantOut: "DAY         FILE       SIZE     RESULT             DETAIL\n" +
				"2026-11-15  video.mp4  2.0 MiB  ok                 -\n" +
				"2026-11-16  video.mp4  2.0 MiB  DAMAGED: mismatch  sha512 is 0123…, video.mp4.sha512sum says 4567…\n" +
				"scrub --all: 2 archives (4.0 MiB) re-hashed: 1 damaged archive, kept as they are\n",
			wantErr: "cctvctl: scrub --all: damaged: 2026-11-16/video.mp4\n",
			code:    1,
		},
		{
			name:    "a day with no archive",
			daemon:  &fakeDaemon{err: status.Error(codes.FailedPrecondition, "2026-11-29: no archive to scrub")},
			args:    []string{"scrub", "2026-11-29"},
			wantReq: &cctvv1.ScrubDayRequest{Date: "2026-11-29", Camera: new(string)},
			wantErr: "cctvctl: scrub 2026-11-29: 2026-11-29: no archive to scrub\n",
			code:    2,
		},
		{
			name:    "both a date and --all",
			daemon:  &fakeDaemon{},
			args:    []string{"scrub", "2026-11-15", "--all"},
			wantErr: "cctvctl: scrub: give DATE or --all, not both (usage: cctvctl scrub [CAMERA/]DATE | --all)\n",
			code:    2,
		},
	})
	t.Run("one camera's all", func(t *testing.T) {
		f := &fakeDaemon{scrub: []*cctvv1.ScrubDayResponse{{Done: true}}, cameras: &cctvv1.ListCamerasResponse{}}
		runAgainst(t, f, "scrub", "--all", "--camera", "garage").expect(t, 0, "scrub --all --camera garage: 0 archives (-) re-hashed: clean\n", "")
		calls := f.seen()
		garage := "garage"
		if len(calls) != 2 || !proto.Equal(calls[1].req, &cctvv1.ScrubDayRequest{All: true, Camera: &garage}) {
			t.Errorf("daemon got %v, want ListCameras then ScrubDay of garage", calls)
		}
	})
}
