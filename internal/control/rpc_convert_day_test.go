package control

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"google.golang.org/protobuf/proto"

	"github.com/cctvd/cctvd/internal/archive"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

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
		if p.GetRecording() != (d == "2026-11-25") || !p.GetDueTime().AsTime().Equal(cal.Due(date(d))) {
			t.Errorf("%s: recording %v, due %v", d, p.GetRecording(), p.GetDueTime().AsTime())
		}
	}
	after, err := h.api.ListDays(t.Context(), &cctvv1.ListDaysRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if !proto.Equal(before, after) || len(h.arc.queued) != 0 || len(h.arc.Status().Days) != 1 {
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
	enc := func(frames int64) archive.Progress {
		return archive.Progress{Date: d, Phase: archive.PhaseEncoding, Chunk: 1, Chunks: 2, Frames: frames, TotalFrames: 1000, Speed: 2.5, ETA: time.Minute}
	}
	tests := []struct {
		name    string
		reports []archive.Progress
		want    []cctvv1.ConversionPhase
		check   func(t *testing.T, last *cctvv1.ConversionProgress)
	}{
		{
			name: "done",
			reports: []archive.Progress{{Date: d, Phase: archive.PhaseQueued}, {Date: d, Phase: archive.PhasePlanning}, enc(10), enc(20), enc(30),
				{Date: d, Phase: archive.PhaseJoining}, {Date: d, Phase: archive.PhaseVerifying}, {Date: d, Phase: archive.PhaseChecksumming},
				{Date: d, Phase: archive.PhaseCommitting}, {Date: d, Phase: archive.PhaseDone, Archive: "video.mp4", ArchiveBytes: 123, SHA512: "ab12"}},
			want: phaseList("QUEUED PLANNING ENCODING JOINING VERIFYING CHECKSUMMING COMMITTING DONE"),
			check: func(t *testing.T, last *cctvv1.ConversionProgress) {
				if last.ArchiveFile != "video.mp4" || last.ArchiveBytes != 123 || last.Sha512 != "ab12" {
					t.Errorf("done: %v", last)
				}
			},
		},
		{
			name: "failed",
			reports: []archive.Progress{{Date: d, Phase: archive.PhaseQueued}, {Date: d, Phase: archive.PhasePlanning}, enc(10),
				{Date: d, Phase: archive.PhaseFailed, Err: errors.New("ffmpeg exited 1"), StderrTail: []string{"x265 [error]: out of memory"}}},
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

func TestConversionOutlivesItsClient(t *testing.T) {
	h := serve(t, Config{})
	d := date("2026-11-22")
	ctx, cancel := context.WithCancel(t.Context())
	h.following(t, ctx, &cctvv1.ConvertDayRequest{Date: d.String(), Force: true}, archive.Progress{Date: d, Phase: archive.PhaseQueued})
	cancel()
	// A second client follows the same conversion to its end.
	again, err := h.api.ConvertDay(t.Context(), &cctvv1.ConvertDayRequest{Date: d.String()})
	if err != nil {
		t.Fatal(err)
	}
	<-h.arc.watching
	go h.arc.publish(t, archive.Progress{Date: d, Phase: archive.PhaseDone})
	msgs := recvAll(t, again)
	if len(msgs) != 1 || msgs[0].GetProgress().GetPhase() != cctvv1.ConversionPhase_CONVERSION_PHASE_DONE {
		t.Errorf("second client got %v", msgs)
	}
	if len(h.arc.queued) != 1 {
		t.Errorf("queued %v, want the day once", h.arc.queued)
	}
}

// followed runs follow on a fake clock and feeds it reports at the given
// times; it returns what was sent, each with its time, and follow's error.
func followed(t *testing.T, feed func(at func(time.Duration, archive.Progress), ch chan archive.Progress, cancel func(), closed chan struct{})) (string, error) {
	var sent []string
	var err error
	synctest.Test(t, func(t *testing.T) {
		closed := make(chan struct{})
		s := &service{every: time.Second, closed: closed}
		ch := make(chan archive.Progress)
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		start := time.Now()
		send := func(p *archive.Progress) error {
			sent = append(sent, fmt.Sprintf("%v %s %d", time.Since(start), p.Phase, p.Frames))
			return nil
		}
		done := make(chan error)
		go func() { done <- s.follow(ctx, ch, send) }()
		at := func(d time.Duration, p archive.Progress) {
			time.Sleep(d - time.Since(start)) // on the fake clock: at once
			ch <- p
		}
		feed(at, ch, cancel, closed)
		err = <-done
	})
	return strings.Join(sent, ", "), err
}

func TestFollow(t *testing.T) {
	enc := func(frames int64) archive.Progress {
		return archive.Progress{Phase: archive.PhaseEncoding, Frames: frames}
	}
	tests := []struct {
		name    string
		feed    func(at func(time.Duration, archive.Progress), ch chan archive.Progress, cancel func(), closed chan struct{})
		want    string
		wantErr error
	}{
		{
			name: "throttled within a phase",
			feed: func(at func(time.Duration, archive.Progress), ch chan archive.Progress, cancel func(), closed chan struct{}) {
				at(0, archive.Progress{Phase: archive.PhasePlanning})
				at(100*time.Millisecond, enc(1)) // a new phase: at once
				at(200*time.Millisecond, enc(2)) // held back…
				at(300*time.Millisecond, enc(3)) // …replaced, and sent a second after the last
				at(1500*time.Millisecond, enc(4))
				at(3200*time.Millisecond, enc(5)) // over a second since the last: at once
				at(3300*time.Millisecond, enc(6)) // held back, then overtaken by the end
				at(3400*time.Millisecond, archive.Progress{Phase: archive.PhaseDone, Frames: 6})
			},
			want: "0s planning 0, 100ms encoding 1, 1.1s encoding 3, 2.1s encoding 4, 3.2s encoding 5, 3.4s done 6",
		},
		{
			name: "client gone",
			feed: func(at func(time.Duration, archive.Progress), ch chan archive.Progress, cancel func(), closed chan struct{}) {
				at(0, enc(1))
				cancel()
			},
			want: "0s encoding 1", wantErr: context.Canceled,
		},
		{
			name: "shutdown",
			feed: func(at func(time.Duration, archive.Progress), ch chan archive.Progress, cancel func(), closed chan struct{}) {
				at(0, enc(1))
				close(closed)
			},
			want: "0s encoding 1", wantErr: ErrShuttingDown,
		},
		{
			name: "watch ends with a report held back",
			feed: func(at func(time.Duration, archive.Progress), ch chan archive.Progress, cancel func(), closed chan struct{}) {
				at(0, enc(1))
				at(10*time.Millisecond, enc(2))
				close(ch)
			},
			want: "0s encoding 1, 10ms encoding 2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := followed(t, tt.feed)
			if got != tt.want || !errors.Is(err, tt.wantErr) || (err == nil) != (tt.wantErr == nil) {
				t.Errorf("sent %s; %v\nwant %s; %v", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestProgressProto(t *testing.T) {
	d := date("2026-11-22")
	p := progressProto("", &archive.Progress{Date: d, Phase: archive.PhaseEncoding, Chunk: 2, Chunks: 3, Frames: 10, TotalFrames: 30,
		OutTime: time.Minute, TotalTime: 3 * time.Minute, Speed: 2, Started: now, Updated: now.Add(time.Minute)})
	if p.Date != "2026-11-22" || p.Phase != cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING || p.Chunk != 2 || p.ChunkCount != 3 ||
		p.Eta != nil || p.OutTime.AsDuration() != time.Minute || p.UpdateTime.AsTime().Sub(p.StartTime.AsTime()) != time.Minute {
		t.Errorf("progress %v", p)
	}
}

// The API's phases are the archiver's, by name: each enum value is sent
// for the archiver's phase of that name, and a phase the API has no name
// for is sent as UNSPECIFIED.
func TestPhaseProto(t *testing.T) {
	for v, name := range cctvv1.ConversionPhase_name {
		want := cctvv1.ConversionPhase(v)
		if want == cctvv1.ConversionPhase_CONVERSION_PHASE_UNSPECIFIED {
			continue
		}
		p := archive.Phase(strings.ToLower(strings.TrimPrefix(name, "CONVERSION_PHASE_")))
		if got := phaseProto(p); got != want {
			t.Errorf("phase %q is sent as %v, want %v", p, got, want)
		}
	}
	if got := phaseProto(archive.PhaseChecksumming); got != cctvv1.ConversionPhase_CONVERSION_PHASE_CHECKSUMMING {
		t.Errorf("checksumming is sent as %v", got)
	}
	if got := phaseProto("nonsense"); got != cctvv1.ConversionPhase_CONVERSION_PHASE_UNSPECIFIED {
		t.Errorf("an unknown phase is sent as %v", got)
	}
}
