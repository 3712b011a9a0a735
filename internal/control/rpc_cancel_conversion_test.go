package control

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/cctvd/cctvd/internal/archive"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestCancelInTheMiddle(t *testing.T) {
	h := serve(t, Config{})
	d := date("2026-11-22")
	stream := h.following(t, t.Context(), &cctvv1.ConvertDayRequest{Date: d.String()},
		archive.Progress{Date: d, Phase: archive.PhaseEncoding, Chunk: 1, Chunks: 2})
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
