package ts

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/footage"
)

// footageCase is one kind of file a camera upload can leave. The same
// table drives the scanner tests and seeds FuzzScan.
type footageCase struct {
	name string
	// make writes the file into dir (which already holds a clean run
	// seg1.ts…seg3.ts) and returns its name.
	make func(dir string) (string, error)
	// wantErr is the scan error; zero means the file scans.
	wantErr error
	check   func(t *testing.T, r Report)
}

var footageCases = []footageCase{
	{name: "clean", make: use("seg1.ts"), check: func(t *testing.T, r Report) {
		want(t, "frames", r.Frames, 250)
		want(t, "duration", r.Duration(), 10*time.Second)
		want(t, "keyframes", r.Keyframes, 5)
		want(t, "starts with keyframe", r.StartsWithKeyframe, true)
		want(t, "codec", r.Codec, "h264")
		want(t, "damaged", r.Damaged(), false)
		want(t, "truncated", r.Truncated(), false)
	}},
	{name: "truncated", make: edit("seg2.ts", func(b []byte) []byte { return b[:len(b)/2/188*188+100] }),
		check: func(t *testing.T, r Report) {
			want(t, "truncated bytes", r.TruncatedBytes, 100)
			if r.Frames == 0 || r.Frames >= 250 {
				t.Errorf("frames = %d, want some but not all", r.Frames)
			}
		}},
	{name: "garbage inside", make: edit("seg2.ts", func(b []byte) []byte {
		at := len(b) / 2 / 188 * 188
		return append(append(append([]byte{}, b[:at]...), junk(1000)...), b[at:]...)
	}), check: func(t *testing.T, r Report) {
		want(t, "sync losses", r.SyncLosses, 1)
		want(t, "skipped bytes", r.SkippedBytes, int64(1000))
		want(t, "frames", r.Frames, 250)
	}},
	{name: "lost packets", make: edit("seg2.ts", func(b []byte) []byte {
		at := len(b) / 2 / 188 * 188
		return append(append([]byte{}, b[:at]...), b[at+5*188:]...)
	}), check: func(t *testing.T, r Report) {
		if r.CCErrors == 0 {
			t.Error("no continuity errors counted for 5 lost packets")
		}
		want(t, "damaged", r.Damaged(), true)
	}},
	{name: "transport error", make: edit("seg2.ts", func(b []byte) []byte {
		b[100*188+1] |= 0x80
		return b
	}), check: func(t *testing.T, r Report) { want(t, "transport errors", r.TransportErrors, 1) }},
	{name: "timestamps go backwards", make: func(dir string) (string, error) {
		// Two files of a run in the wrong order, glued: DTS jumps back once.
		first, err := os.ReadFile(filepath.Join(dir, "seg2.ts"))
		if err != nil {
			return "", err
		}
		return edit("seg1.ts", func(b []byte) []byte { return append(first, b...) })(dir)
	}, check: func(t *testing.T, r Report) {
		want(t, "frames", r.Frames, 500)
		want(t, "backward DTS", r.BackwardDTS, 1)
		want(t, "duration", r.Duration(), 10*time.Second) // seg1 goes back over seg2
		if r.LastDTS < r.FirstDTS {
			t.Errorf("last DTS %d before first %d", r.LastDTS, r.FirstDTS)
		}
	}},
	{name: "video under a stream ID without PES header", make: edit("seg2.ts", func(b []byte) []byte {
		// 0xFF (a program stream directory) carries no PTS by the spec,
		// though go-astits would read one: it is no video (found by FuzzScan).
		for at := 0; at+packetSize <= len(b); at += packetSize {
			p := b[at : at+packetSize]
			if off := payloadStart(p); pusi(p) && off >= 0 && off+4 <= packetSize && p[off+3] == 0xE0 {
				p[off+3] = 0xFF
			}
		}
		return b
	}), wantErr: ErrNoVideo, check: func(t *testing.T, r Report) {
		want(t, "frames", r.Frames, 0)
		want(t, "bad PES headers", r.BadPES, 250)
	}},
	{name: "zero byte", make: write(nil), wantErr: ErrEmpty},
	{name: "random bytes", make: write(junk(50_000)), wantErr: ErrNotTS},
	{name: "text file", make: write([]byte("camera 2 lens cleaned\n")), wantErr: ErrNotTS},
	{name: "pts wrap", make: func(dir string) (string, error) {
		// Starts 4 s before the 33-bit roll-over, so it crosses it.
		_, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 1, Prefix: "wrap",
			TimestampOffset: time.Duration(wrap)*time.Second/Clock - 4*time.Second - 1400*time.Millisecond})
		return "wrap0.ts", err
	}, check: func(t *testing.T, r Report) {
		want(t, "duration", r.Duration(), 10*time.Second)
		want(t, "frames", r.Frames, 250)
		if r.LastDTS < wrap || r.FirstDTS >= wrap {
			t.Errorf("first/last DTS %d/%d do not straddle the roll-over", r.FirstDTS, r.LastDTS)
		}
	}},
}

func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

func use(name string) func(string) (string, error) {
	return func(string) (string, error) { return name, nil }
}

var caseCounter int

func write(b []byte) func(string) (string, error) {
	return func(dir string) (string, error) {
		caseCounter++
		name := fmt.Sprintf("case%d.ts", caseCounter)
		return name, os.WriteFile(filepath.Join(dir, name), b, 0o644)
	}
}

func edit(from string, f func([]byte) []byte) func(string) (string, error) {
	return func(dir string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, from))
		if err != nil {
			return "", err
		}
		return write(f(b))(dir)
	}
}

func junk(n int) []byte {
	rng := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
		if b[i] == syncByte {
			b[i] = 0 // no accidental packet grid
		}
	}
	return b
}

// fixture is a folder with a clean three-segment camera run and one file
// per footage case, made once per test binary.
var fixture struct {
	once  sync.Once
	dir   string
	files map[string]string // case name → file name
	err   error
}

func caseDir(t testing.TB) (string, map[string]string) {
	t.Helper()
	fixture.once.Do(func() {
		fixture.dir, fixture.err = os.MkdirTemp("", "ts-cases-")
		if fixture.err != nil {
			return
		}
		_, fixture.err = footage.Record(context.Background(), footage.Run{Dir: fixture.dir, Segments: 3, First: 1,
			Start: time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)})
		fixture.files = map[string]string{}
		for _, c := range footageCases {
			if fixture.err != nil {
				return
			}
			fixture.files[c.name], fixture.err = c.make(fixture.dir)
		}
	})
	if fixture.err != nil {
		t.Fatalf("footage: %v", fixture.err)
	}
	return fixture.dir, fixture.files
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixture.dir != "" {
		os.RemoveAll(fixture.dir)
	}
	os.Exit(code)
}
