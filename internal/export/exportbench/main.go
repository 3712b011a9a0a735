// Command exportbench times an export of a range of segments against plain
// ffmpeg cutting the same range with -c copy, and against reading the files;
// bench/export.sh runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

func main() {
	dir := flag.String("dir", "/tmp/cctvd-export-bench", "footage is made here once and reused")
	minutes := flag.Int("minutes", 60, "footage to export")
	cctv := flag.Bool("cctv", false, "720p25 at 2 Mbit/s (else the small test profile)")
	repeat := flag.Int("repeat", 3, "runs of each side, alternating; the fastest counts")
	flag.Parse()
	if err := run(*dir, *minutes, *cctv, *repeat); err != nil {
		fmt.Fprintln(os.Stderr, "exportbench:", err)
		os.Exit(1)
	}
}

type days struct{ v *catalog.DayView }

func (d days) Days() []*catalog.DayView { return []*catalog.DayView{d.v} }
func (d days) Day(x day.Date) (*catalog.DayView, bool) {
	return d.v, x == d.v.Date
}

func run(dir string, minutes int, cctv bool, repeat int) error {
	ctx := context.Background()
	date := day.Date{Year: 2026, Month: 11, Day: 20}
	profile, tag := footage.Small, "small"
	if cctv {
		profile, tag = footage.CCTV, "cctv"
	}
	root := filepath.Join(dir, fmt.Sprintf("%s-%dm", tag, minutes))
	dayDir := filepath.Join(root, date.String())
	start := date.Start(time.Local).Add(10*time.Hour + 153192286)
	segs := minutes * 6
	if _, err := os.Stat(filepath.Join(dayDir, fmt.Sprintf("seg%d.ts", segs))); err != nil {
		fmt.Fprintf(os.Stderr, "filming %d minutes of %s footage into %s\n", minutes, tag, dayDir)
		if err := os.MkdirAll(dayDir, 0o755); err != nil {
			return err
		}
		if _, err := footage.Record(ctx, footage.Run{Dir: dayDir, Profile: profile, Segments: segs, First: 1, Start: start}); err != nil {
			return err
		}
	}
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	plan, err := ts.PlanDir(r, date.String())
	if err != nil {
		return err
	}
	first := plan.Segments[0].Start
	// Off the keyframes at both ends, all but the first and last few seconds.
	from := first.Add(3*time.Second + 370*time.Millisecond)
	to := first.Add(time.Duration(minutes)*time.Minute - 4*time.Second - 130*time.Millisecond)
	work := filepath.Join(dir, "work")
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	ex, err := export.New(export.Config{Root: root, Dir: filepath.Join(work, "export"), Days: days{&catalog.DayView{Date: date, Plan: &plan}},
		Location: time.Local, Max: 25 * time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer ex.Close()
	list := filepath.Join(work, "list.txt")
	var b strings.Builder
	var bytes int64
	for _, s := range plan.Segments {
		fmt.Fprintf(&b, "file '%s'\n", filepath.Join(dayDir, s.Name))
		bytes += s.Report.Size
	}
	if err := os.WriteFile(list, []byte(b.String()), 0o644); err != nil {
		return err
	}
	ss, tt := from.Sub(first).Seconds(), to.Sub(first).Seconds()
	sides := []struct {
		name string
		f    func() error
	}{
		{"read", func() error {
			for _, s := range plan.Segments {
				f, err := os.Open(filepath.Join(dayDir, s.Name))
				if err != nil {
					return err
				}
				_, err = io.Copy(io.Discard, f)
				f.Close()
				if err != nil {
					return err
				}
			}
			return nil
		}},
		{"cctvd", func() error {
			clip, err := ex.Export(ctx, export.Range{Start: from, End: to}, nil)
			if err != nil {
				return err
			}
			return clip.Remove()
		}},
		{"ffmpeg", func() error {
			out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-f", "concat", "-safe", "0",
				"-ss", fmt.Sprintf("%.3f", ss), "-to", fmt.Sprintf("%.3f", tt), "-i", list,
				"-map", "0:v:0", "-c", "copy", "-movflags", "+faststart", "-y", filepath.Join(work, "ffmpeg.mp4")).CombinedOutput()
			if err != nil {
				return fmt.Errorf("ffmpeg: %w: %s", err, out)
			}
			return nil
		}},
	}
	best := map[string]time.Duration{}
	for i := 0; i < repeat; i++ {
		for _, s := range sides {
			t0 := time.Now()
			if err := s.f(); err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			if d := time.Since(t0); best[s.name] == 0 || d < best[s.name] {
				best[s.name] = d
			}
		}
	}
	load, _ := os.ReadFile("/proc/loadavg")
	mb := float64(bytes) / 1e6
	fmt.Printf("export of %d min (%s, %d segments, %.0f MB), fastest of %d, load %s", minutes, tag, len(plan.Segments), mb, repeat, load)
	for _, s := range sides {
		fmt.Printf("  %-7s %7.2fs  %7.0f MB/s\n", s.name, best[s.name].Seconds(), mb/best[s.name].Seconds())
	}
	fmt.Printf("  cctvd/ffmpeg %.2fx (goal <= 1.1)   cctvd/read %.1fx\n",
		best["cctvd"].Seconds()/best["ffmpeg"].Seconds(), best["cctvd"].Seconds()/best["read"].Seconds())
	return nil
}
