package ts

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// FuzzScan feeds the scanner and the concat writer arbitrary bytes, seeded
// from the footage table. Neither may panic, and both must account for
// every input byte.
func FuzzScan(f *testing.F) {
	dir, files := caseDir(f)
	for _, c := range footageCases {
		b, err := os.ReadFile(filepath.Join(dir, files[c.name]))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), 16<<10)]) // a prefix keeps the corpus small and the fuzzer fast
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Scan(bytes.NewReader(b))
		if got := r.Packets*packetSize + r.SkippedBytes + int64(r.TruncatedBytes); got != int64(len(b)) {
			t.Fatalf("report accounts for %d of %d bytes", got, len(b))
		}
		if err != nil {
			return
		}
		if r.Frames == 0 || r.LastDTS < r.FirstDTS || r.Duration() <= 0 {
			t.Fatalf("usable report with %d frames, DTS %d..%d", r.Frames, r.FirstDTS, r.LastDTS)
		}
		seg := Segment{Name: "x.ts", Report: r, Shift: TimelineStart - r.FirstDTS}
		open := func(string) (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
		var out bytes.Buffer
		st, err := Concat(context.Background(), &out, open, []Segment{seg})
		if err != nil {
			t.Fatalf("concat of a scanned file: %v", err)
		}
		// Concat also counts PES that come before the PMT, which the
		// scanner cannot tell from noise; it never sees fewer good frames.
		if out.Len()%packetSize != 0 || st.Frames < r.Frames-r.BadPES {
			t.Fatalf("concat wrote %d bytes and %d frames; scan saw %d frames, %d bad PES headers",
				out.Len(), st.Frames, r.Frames, r.BadPES)
		}
	})
}
