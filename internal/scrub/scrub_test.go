package scrub

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// TestScrubFindsFlippedByte: one byte flipped in one of 20 archives is
// found, named, kept across a restart, and nothing is changed on disk.
func TestScrubFindsFlippedByte(t *testing.T) {
	root, state := t.TempDir(), t.TempDir()
	var paths []string
	var total int64
	for i := range 20 {
		d := date(t, "2026-10-01").AddDays(i)
		file := "video.mp4"
		if i%5 == 4 {
			writeArchive(t, root, d, "video.mp4", 3000+i, false)
			total += int64(3000 + i)
			file = "video-2.mp4" // the late segments' archive of the same day
		}
		paths = append(paths, writeArchive(t, root, d, file, 40000+i*1000, false))
		total += int64(40000 + i*1000)
	}
	bad := 13
	flip(t, paths[bad], 20000)
	before, _ := os.ReadFile(paths[bad])

	ft := newFakeTime()
	var read, damaged atomic.Int64
	s := New(Config{Every: DefaultEvery, Rate: 0, Now: ft.Now, Sleep: ft.Sleep,
		OnBytes: func(_ string, n int64) { read.Add(n) }, OnDamaged: func(string) { damaged.Add(1) }}, quietLog())
	if err := s.Add(Camera{Name: "garage", Root: root, State: state}); err != nil {
		t.Fatal(err)
	}
	got, err := s.Scrub(context.Background(), nil, day.Date{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 24 {
		t.Fatalf("scrubbed %d archives, want 24", len(got))
	}
	badDay := date(t, "2026-10-01").AddDays(bad)
	for _, st := range got {
		want := OK
		if st.Date == badDay && st.File == filepath.Base(paths[bad]) {
			want = Mismatch
		}
		if st.Result != want {
			t.Errorf("%s/%s: %s (%s), want %s", st.Date, st.File, st.Result, st.Detail, want)
		}
		if !st.Last.Equal(t0) {
			t.Errorf("%s/%s: last scrub %v, want %v", st.Date, st.File, st.Last, t0)
		}
	}
	if read.Load() != total || damaged.Load() != 1 {
		t.Errorf("read %d bytes with %d damaged, want %d and 1", read.Load(), damaged.Load(), total)
	}
	after, _ := os.ReadFile(paths[bad])
	if string(after) != string(before) {
		t.Error("the damaged archive was changed")
	}

	// A new process reads what the last one found.
	s2 := New(Config{Now: ft.Now, Sleep: ft.Sleep}, quietLog())
	if err := s2.Add(Camera{Name: "garage", Root: root, State: state}); err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		d := date(t, "2026-10-01").AddDays(i)
		if got, want := s2.Damaged("garage", d), i == bad; got != want {
			t.Errorf("Damaged(garage, %s) = %v after a restart, want %v", d, got, want)
		}
	}
	if s2.Damaged("", badDay) {
		t.Error("another camera's day is damaged")
	}

	// Restored from a copy: the next scrub clears it.
	flip(t, paths[bad], 20000)
	if _, err := s2.Scrub(context.Background(), []string{"garage"}, badDay, nil); err != nil {
		t.Fatal(err)
	}
	if s2.Damaged("garage", badDay) {
		t.Error("a restored archive is still damaged")
	}
}

// TestScrubChecksumProblems: every way an archive's checksum can be
// wrong marks its day damaged; a day being archived is not judged.
func TestScrubChecksumProblems(t *testing.T) {
	tests := []struct {
		name    string
		sum     string // the checksum file's content; "-" for none
		busy    bool
		want    Result
		wantErr error
	}{
		{name: "missing", sum: "-", want: MissingChecksum},
		{name: "garbled", sum: "not a checksum\n", want: BadChecksum},
		{name: "names another file", sum: string(make128('a')) + "  video-2.mp4\n", want: BadChecksum},
		{name: "another hash", sum: string(make128('b')) + "  video.mp4\n", want: Mismatch},
		{name: "missing while archived", sum: "-", busy: true, wantErr: ErrBusy},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, state := t.TempDir(), t.TempDir()
			d := date(t, "2026-10-07")
			p := writeArchive(t, root, d, "video.mp4", 5000, true)
			if tt.sum != "-" {
				os.WriteFile(p+day.ChecksumSuffix, []byte(tt.sum), 0o644)
			}
			s := New(Config{Now: newFakeTime().Now}, quietLog())
			s.Add(Camera{Root: root, State: state, Busy: func(day.Date) bool { return tt.busy }})
			got, err := s.Scrub(context.Background(), []string{""}, d, nil)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if s.Damaged("", d) {
					t.Error("a day being archived is damaged")
				}
				return
			}
			if len(got) != 1 || got[0].Result != tt.want {
				t.Fatalf("got %+v, want one %s", got, tt.want)
			}
			if !s.Damaged("", d) {
				t.Error("the day is not damaged")
			}
		})
	}
}

func make128(c byte) []byte {
	b := make([]byte, 128)
	for i := range b {
		b[i] = c
	}
	return b
}

// TestScrubUnknown: a day without archives, and a camera not given.
func TestScrubUnknown(t *testing.T) {
	root := t.TempDir()
	s := New(Config{}, quietLog())
	s.Add(Camera{Root: root, State: t.TempDir()})
	if _, err := s.Scrub(context.Background(), []string{""}, date(t, "2026-01-02"), nil); !errors.Is(err, ErrNoArchive) {
		t.Errorf("a day without archives: %v, want ErrNoArchive", err)
	}
	if _, err := s.Scrub(context.Background(), []string{"porch"}, day.Date{}, nil); !errors.Is(err, ErrUnknownCamera) {
		t.Errorf("an unknown camera: %v, want ErrUnknownCamera", err)
	}
}

// TestRateLimit: the reads of a scrub take as long as the rate says, on
// a fake clock, over several archives and a scrub in progress reports.
func TestRateLimit(t *testing.T) {
	tests := []struct {
		name  string
		rate  int64
		sizes []int
	}{
		{name: "1 MiB/s, one archive", rate: 1 << 20, sizes: []int{8 << 20}},
		{name: "4 MiB/s, three archives", rate: 4 << 20, sizes: []int{5 << 20, 3<<20 + 12345, 100}},
		{name: "20 MiB/s, small", rate: 20 << 20, sizes: []int{2 << 20}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := t.TempDir()
			var total int64
			for i, n := range tt.sizes {
				writeArchive(t, root, date(t, "2026-10-01").AddDays(i), "video.mp4", n, false)
				total += int64(n)
			}
			ft := newFakeTime()
			s := New(Config{Rate: tt.rate, Now: ft.Now, Sleep: ft.Sleep}, quietLog())
			s.Add(Camera{Root: root, State: t.TempDir()})
			var last Progress
			got, err := s.Scrub(context.Background(), nil, day.Date{}, func(p Progress) { last = p })
			if err != nil {
				t.Fatal(err)
			}
			for _, st := range got {
				if st.Result != OK {
					t.Errorf("%s: %s", st.Date, st.Result)
				}
			}
			want := time.Duration(total) * time.Second / time.Duration(tt.rate)
			// Each read is paid for after it happens, and one chunk's
			// worth is free after a pause: at most one chunk early.
			slack := time.Duration(chunk) * time.Second / time.Duration(tt.rate)
			elapsed := ft.Now().Sub(t0)
			if elapsed < want-slack-time.Millisecond || elapsed > want { // ns rounding per read
				t.Errorf("%d bytes at %d B/s took %v, want %v (−%v)", total, tt.rate, elapsed, want, slack)
			}
			if last.Done != total || last.Total != total || last.Files != len(tt.sizes) || last.FileCount != len(tt.sizes) {
				t.Errorf("last progress %+v, want %d of %d bytes, %d files", last, total, total, len(tt.sizes))
			}
		})
	}
}
