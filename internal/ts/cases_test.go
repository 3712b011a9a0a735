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
	if planFixtures.dir != "" {
		os.RemoveAll(planFixtures.dir)
	}
	os.Exit(code)
}

// planCase is a day folder whose order names and timestamps may disagree
// about. The same table drives TestPlanOrder and seeds FuzzPlanOrder.
type planCase struct {
	name string
	// make fills dir with footage whose times have fractions of a second,
	// as real cameras' do.
	make func(dir string) error
	// day is midnight at the start of the folder's day.
	day time.Time
	// want is the order the segments go in.
	want []string
	// findings are the kinds the plan reports, in order.
	findings []Kind
	// reordered are the files each Reordered finding names, in order.
	reordered [][]string
	// outside are the files each OutsideDay finding names, in order.
	outside [][]string
}

// orderDay is the day the plan cases film on; 10:00 there, with a fraction.
var (
	orderDay = time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	orderAt  = orderDay.Add(10*time.Hour + 153192286*time.Nanosecond)
)

var tiny = footage.Profile{Width: 160, Height: 120, FPS: 25}

var planCases = []planCase{
	{
		name: "names and times agree",
		make: func(dir string) error {
			return recordRun(dir, footage.Run{Segments: 4, First: 1, Start: orderAt})
		},
		day:  orderDay,
		want: []string{"seg1.ts", "seg2.ts", "seg3.ts", "seg4.ts"},
	},
	{
		// The camera changed its naming mid-run: the file named by its
		// time sorts before seg1.ts, but its timestamps run on from seg6.ts.
		name: "mixed naming in one run",
		make: func(dir string) error {
			if err := recordRun(dir, footage.Run{Segments: 7, First: 1, Start: orderAt}); err != nil {
				return err
			}
			return os.Rename(filepath.Join(dir, "seg7.ts"), filepath.Join(dir, "2026-11-28T10-01-00.ts"))
		},
		day:       orderDay,
		want:      []string{"seg1.ts", "seg2.ts", "seg3.ts", "seg4.ts", "seg5.ts", "seg6.ts", "2026-11-28T10-01-00.ts"},
		findings:  []Kind{Reordered},
		reordered: [][]string{{"seg1.ts", "seg6.ts", "2026-11-28T10-01-00.ts"}},
	},
	{
		// New naming after a restart: the stream's timestamps start
		// again, so only the files' times can order the two runs.
		name: "mixed naming across a restart",
		make: func(dir string) error {
			if err := recordRun(dir, footage.Run{Segments: 6, First: 1, Start: orderAt}); err != nil {
				return err
			}
			return recordRun(dir, footage.Run{Segments: 2, First: 0, Prefix: "2026-11-28T10-01-",
				Start: orderAt.Add(time.Minute + 412*time.Millisecond)})
		},
		day: orderDay,
		want: []string{"seg1.ts", "seg2.ts", "seg3.ts", "seg4.ts", "seg5.ts", "seg6.ts",
			"2026-11-28T10-01-0.ts", "2026-11-28T10-01-1.ts"},
		findings:  []Kind{Reordered, Restart},
		reordered: [][]string{{"seg1.ts", "seg6.ts", "2026-11-28T10-01-0.ts"}},
	},
	{
		// seg5 came back renamed seg9: it goes back between seg4 and seg6,
		// which its timestamps join without a gap.
		name: "one file renamed out of its place",
		make: func(dir string) error {
			if err := recordRun(dir, footage.Run{Segments: 8, First: 1, Start: orderAt}); err != nil {
				return err
			}
			return os.Rename(filepath.Join(dir, "seg5.ts"), filepath.Join(dir, "seg9.ts"))
		},
		day:       orderDay,
		want:      []string{"seg1.ts", "seg2.ts", "seg3.ts", "seg4.ts", "seg9.ts", "seg6.ts", "seg7.ts", "seg8.ts"},
		findings:  []Kind{Reordered},
		reordered: [][]string{{"seg9.ts", "seg6.ts"}},
	},
	{
		// Copied with plain cp two days later: every file carries the copy
		// time, in the shell's (not natural) order. Such times cannot order
		// anything, so names keep the restart where it is, and every
		// segment is reported as filmed outside the folder's day.
		name: "restart copied without -p on another day",
		make: func(dir string) error {
			if err := recordRun(dir, footage.Run{Segments: 3, First: 8, Start: orderAt}); err != nil {
				return err
			}
			if err := recordRun(dir, footage.Run{Segments: 3, First: 11, Start: orderAt.Add(50*time.Second + 731*time.Millisecond)}); err != nil {
				return err
			}
			return copiedAt(dir, orderDay.Add(50*time.Hour+217*time.Millisecond))
		},
		day:      orderDay,
		want:     []string{"seg8.ts", "seg9.ts", "seg10.ts", "seg11.ts", "seg12.ts", "seg13.ts"},
		findings: []Kind{Restart, OutsideDay},
		outside:  [][]string{{"seg8.ts", "seg13.ts"}},
	},
	{
		// The same clocks that cannot be trusted do not reorder names
		// either: the new naming stays first, as it always did.
		name: "mixed naming across a restart, copied without -p",
		make: func(dir string) error {
			if err := recordRun(dir, footage.Run{Segments: 3, First: 1, Start: orderAt}); err != nil {
				return err
			}
			if err := recordRun(dir, footage.Run{Segments: 1, First: 0, Prefix: "2026-11-28T10-00-3",
				Start: orderAt.Add(30*time.Second + 412*time.Millisecond)}); err != nil {
				return err
			}
			return copiedAt(dir, orderDay.Add(15*time.Hour+217*time.Millisecond))
		},
		day:      orderDay,
		want:     []string{"2026-11-28T10-00-30.ts", "seg1.ts", "seg2.ts", "seg3.ts"},
		findings: []Kind{Restart},
	},
	{
		// A camera on UTC filing by its own date, on a server in CET: its
		// day's last hour is the server's next day. Within DaySlack of
		// midnight is still the day (seg1 ends 00:14:50.15).
		name: "camera on another time zone",
		make: func(dir string) error {
			return recordRun(dir, footage.Run{Segments: 3, First: 1,
				Start: time.Date(2026, 11, 28, 23, 14, 40, 153192286, time.UTC)})
		},
		day:      time.Date(2026, 11, 28, 0, 0, 0, 0, time.FixedZone("CET", 3600)),
		want:     []string{"seg1.ts", "seg2.ts", "seg3.ts"},
		findings: []Kind{OutsideDay},
		outside:  [][]string{{"seg2.ts", "seg3.ts"}},
	},
}

func recordRun(dir string, r footage.Run) error {
	r.Dir, r.Profile = dir, tiny
	_, err := footage.Record(context.Background(), r)
	return err
}

// copiedAt sets every file's time as cp without -p leaves it: the moment
// each was copied, in the byte order a shell's glob lists them.
func copiedAt(dir string, at time.Time) error {
	entries, err := os.ReadDir(dir) // sorted by name, as a glob is
	if err != nil {
		return err
	}
	for i, e := range entries {
		t := at.Add(time.Duration(i) * 37 * time.Millisecond)
		if err := os.Chtimes(filepath.Join(dir, e.Name()), t, t); err != nil {
			return err
		}
	}
	return nil
}
