package footage

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

func probe(t *testing.T, path string) (frames int, start, dur float64) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
		"-show_entries", "stream=nb_read_packets:format=start_time,duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var v struct {
		Streams []struct {
			N string `json:"nb_read_packets"`
		}
		Format struct {
			Start string `json:"start_time"`
			Dur   string `json:"duration"`
		}
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v %s", path, err, out)
	}
	frames, _ = strconv.Atoi(v.Streams[0].N)
	start, _ = strconv.ParseFloat(v.Format.Start, 64)
	dur, _ = strconv.ParseFloat(v.Format.Dur, 64)
	return frames, start, dur
}

func TestRecord(t *testing.T) {
	tests := []struct {
		name      string
		run       Run
		wantNames []string
	}{
		{name: "natural names", run: Run{Segments: 2, First: 9}, wantNames: []string{"seg9.ts", "seg10.ts"}},
		{name: "padded", run: Run{Segments: 1, Pad: true, Prefix: "cam"}, wantNames: []string{"cam00000.ts"}},
		{name: "cctv clean", run: Run{Segments: 1, Profile: Profile{Width: 320, Height: 180, FPS: 25, Bitrate: "300k", CCTV: true}},
			wantNames: []string{"seg0.ts"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			tt.run.Dir = dir
			tt.run.Start = time.Date(2026, 11, 20, 8, 0, 0, 153192286, time.UTC) // a camera's times have fractions
			names, err := Record(context.Background(), tt.run)
			if err != nil {
				t.Fatal(err)
			}
			if len(names) != len(tt.wantNames) {
				t.Fatalf("names = %v, want %v", names, tt.wantNames)
			}
			for i, n := range names {
				if n != tt.wantNames[i] {
					t.Errorf("name %d = %s, want %s", i, n, tt.wantNames[i])
				}
				frames, _, dur := probe(t, filepath.Join(dir, n))
				if frames != 250 {
					t.Errorf("%s: %d frames, want 250", n, frames)
				}
				if dur < 9.9 || dur > 10.1 {
					t.Errorf("%s: duration %.3f, want 10", n, dur)
				}
				fi, err := os.Stat(filepath.Join(dir, n))
				if err != nil {
					t.Fatal(err)
				}
				if want := tt.run.Start.Add(time.Duration(i+1) * SegmentDuration); !fi.ModTime().Equal(want) {
					t.Errorf("%s: mtime %v, want %v", n, fi.ModTime(), want)
				}
			}
		})
	}
}

func TestRunTimestampsContinueAndRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := Record(ctx, Run{Dir: dir, Segments: 2, First: 1}); err != nil {
		t.Fatal(err)
	}
	_, s1, _ := probe(t, filepath.Join(dir, "seg1.ts"))
	_, s2, _ := probe(t, filepath.Join(dir, "seg2.ts"))
	if d := s2 - s1; d < 9.99 || d > 10.01 {
		t.Errorf("second segment starts %.3f s after the first, want 10", d)
	}
	if _, err := Record(ctx, Run{Dir: dir, Segments: 1, First: 3}); err != nil {
		t.Fatal(err)
	}
	if _, s3, _ := probe(t, filepath.Join(dir, "seg3.ts")); s3 > s2 {
		t.Errorf("restarted camera starts at %.3f, want timestamps to start again (< %.3f)", s3, s2)
	}
}

func TestMakeMessy(t *testing.T) {
	dir := t.TempDir()
	m, err := MakeMessy(context.Background(), dir, time.Date(2026, 11, 20, 8, 0, 0, 153192286, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Good) != 10 {
		t.Errorf("good = %v, want 10 segments", m.Good)
	}
	for _, n := range []string{m.Truncated, m.Duplicate, m.ZeroByte, m.Junk, m.InFlight, m.Notes} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s: %v", n, err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, m.Missing)); !os.IsNotExist(err) {
		t.Errorf("missing segment %s is there", m.Missing)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "seg2.ts"))
	b, _ := os.ReadFile(filepath.Join(dir, m.Duplicate))
	if string(a) != string(b) {
		t.Error("duplicate differs from its original")
	}
	if fi, _ := os.Stat(filepath.Join(dir, m.Truncated)); fi.Size()%188 == 0 {
		t.Error("truncated segment ends on a packet boundary")
	}
}
