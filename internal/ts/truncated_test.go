package ts

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/footage"
)

// truncStart is off the whole second, as a real camera's footage is.
var truncStart = time.Date(2026, 11, 20, 8, 0, 0, 153192286, time.UTC)

// framePositions are the byte offsets of the packets that start each video
// frame, as ffprobe reads them: the oracle for which frames a cut leaves whole.
func framePositions(t *testing.T, name string) []int64 {
	t.Helper()
	return videoPackets(t, "pos", name, nil, func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) })
}

// TestScanTruncated cuts a segment at several places and checks that the
// scan counts exactly the frames the cut left whole (a frame is whole when
// the next one starts before the cut, or the partial packet at the end
// starts it), and that Concat writes exactly those, which ffmpeg reads
// without a complaint.
func TestScanTruncated(t *testing.T) {
	dir := t.TempDir()
	record(t, footage.Run{Dir: dir, Segments: 1, First: 1, Start: truncStart})
	whole, err := os.ReadFile(filepath.Join(dir, "seg1.ts"))
	if err != nil {
		t.Fatal(err)
	}
	pos := framePositions(t, filepath.Join(dir, "seg1.ts"))
	if len(pos) != 250 {
		t.Fatalf("ffprobe found %d frames, want 250", len(pos))
	}
	tests := []struct {
		name string
		size int64 // bytes kept
		// frames is the oracle's count, wantErr the scan's error.
		wantErr error
	}{
		{name: "100 bytes into a packet, half-way", size: int64(len(whole))/2/188*188 + 100},
		{name: "1 byte into a packet", size: int64(len(whole))/3/188*188 + 1},
		{name: "into the first packet of frame 100", size: pos[100] + 10},
		{name: "3 bytes into the first packet of frame 100", size: pos[100] + 3},
		{name: "into the second packet of frame 100", size: pos[100] + 188 + 50},
		{name: "into the last packet", size: int64(len(whole)) - 20},
		{name: "inside the first frame", size: pos[0] + 188 + 7, wantErr: ErrNoVideo},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := whole[:tt.size]
			wholePackets, tail := tt.size/packetSize*packetSize, tt.size%packetSize
			want := 0
			for k := range pos {
				if k+1 < len(pos) && (pos[k+1] < wholePackets || pos[k+1] == wholePackets && tail >= 4) {
					want++
				}
			}
			r, err := Scan(bytes.NewReader(b))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("scan err = %v, want %v", err, tt.wantErr)
			}
			if !r.Truncated() || r.Frames != want {
				t.Fatalf("scan: truncated %v, %d frames; want truncated with the %d whole frames", r.Truncated(), r.Frames, want)
			}
			if err != nil {
				f := File{Name: "seg1.ts", Size: tt.size, Report: r, Err: err}
				if k := classify(&f); k != Truncated {
					t.Errorf("classified %s, want %s", k, Truncated)
				}
				return
			}
			if got, want := r.Duration(), time.Duration(want)*time.Second/25; got != want {
				t.Errorf("duration %v, want %v", got, want)
			}
			seg := Segment{Name: "cut.ts", Report: r, Shift: TimelineStart - r.FirstDTS}
			open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
			var out bytes.Buffer
			st, err := Concat(context.Background(), &out, open, []Segment{seg})
			if err != nil {
				t.Fatal(err)
			}
			if st.Frames != want {
				t.Errorf("concat wrote %d frames, want %d", st.Frames, want)
			}
			progress, warnings := ffmpegCopy(t, out.Bytes())
			if progress["frame"] != strconv.Itoa(want) || warnings != "" {
				t.Errorf("ffmpeg read %s frames, want %d; warnings:\n%s", progress["frame"], want, warnings)
			}
		})
	}
}

// TestSettledPlanTakesTruncatedFrames: a truncated file in the middle of a
// run stays out of a day's plan while files may still come, and goes in
// with its whole frames once the day is settled, followed by a gap for
// what was cut off; the concatenation holds every planned frame.
func TestSettledPlanTakesTruncatedFrames(t *testing.T) {
	dir := t.TempDir()
	record(t, footage.Run{Dir: dir, Segments: 3, First: 1, Start: truncStart})
	if err := footage.Truncate(dir, "seg2.ts", 0.5); err != nil {
		t.Fatal(err)
	}
	files := dirFiles(t, dir)
	tests := []struct {
		name     string
		plan     func([]File) Plan
		segments []string
		kept     []Kept
		findings []Kind
	}{
		{name: "open day", plan: NewPlan, segments: []string{"seg1.ts", "seg3.ts"},
			kept: []Kept{{Name: "seg2.ts", Reason: Truncated}}, findings: []Kind{Truncated, Gap}},
		{name: "settled day", plan: NewSettledPlan, segments: []string{"seg1.ts", "seg2.ts", "seg3.ts"},
			findings: []Kind{Truncated, Gap}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.plan(files)
			var segs []string
			for _, s := range p.Segments {
				segs = append(segs, s.Name)
			}
			var kinds []Kind
			for _, f := range p.Findings {
				kinds = append(kinds, f.Kind)
			}
			kept := slices.Clone(p.Kept)
			for i := range kept {
				if kept[i].Size <= 0 {
					t.Errorf("kept %s without its size", kept[i].Name)
				}
				kept[i].Size = 0 // the table names files, not their sizes
			}
			if !slices.Equal(segs, tt.segments) || !slices.Equal(kept, tt.kept) || !slices.Equal(kinds, tt.findings) {
				t.Fatalf("segments %v, kept %v, findings %v; want %v, %v, %v", segs, p.Kept, p.Findings, tt.segments, tt.kept, tt.findings)
			}
			var out bytes.Buffer
			st, err := Concat(context.Background(), &out, rootOpener(t, dir), p.Segments)
			if err != nil {
				t.Fatal(err)
			}
			if st.Frames != p.Frames() {
				t.Errorf("concat wrote %d frames, plan has %d", st.Frames, p.Frames())
			}
			progress, warnings := ffmpegCopy(t, out.Bytes())
			if progress["frame"] != strconv.Itoa(p.Frames()) || warnings != "" {
				t.Errorf("ffmpeg read %s frames, want %d; warnings:\n%s", progress["frame"], p.Frames(), warnings)
			}
			// The gap is exactly the time the cut took off: seg3 keeps its place.
			dts := dtsTimes(t, out.Bytes())
			var gap float64
			for i := 1; i < len(dts); i++ {
				gap += max(dts[i]-dts[i-1]-0.04, 0)
			}
			if want := 30 - float64(p.Frames())/25; gap < want-0.001 || gap > want+0.001 {
				t.Errorf("timeline gaps add up to %.3f s, want %.3f", gap, want)
			}
		})
	}
}
