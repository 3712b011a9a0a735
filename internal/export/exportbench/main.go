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

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

func main() {
	dir := flag.String("dir", "/tmp/cctvd-export-bench", "footage is made here once and reused")
	minutes := flag.Int("minutes", 60, "footage to export")
	cctv := flag.Bool("cctv", false, "720p25 at 2 Mbit/s (else the small test profile)")
	repeat := flag.Int("repeat", 3, "runs of each side, alternating; the fastest counts")
	fromArchive := flag.Bool("archive", false, "archive the footage (once, with the real archiver) and export from the archive")
	flag.Parse()
	if err := run(*dir, *minutes, *cctv, *repeat, *fromArchive); err != nil {
		fmt.Fprintln(os.Stderr, "exportbench:", err)
		os.Exit(1)
	}
}

type days struct{ v *catalog.DayView }

func (d days) Days() []*catalog.DayView { return []*catalog.DayView{d.v} }
func (d days) Day(x day.Date) (*catalog.DayView, bool) {
	return d.v, x == d.v.Date
}

func run(dir string, minutes int, cctv bool, repeat int, fromArchive bool) error {
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
	if fromArchive {
		return runArchive(ctx, dir, root, date, plan, minutes, tag, repeat)
	}
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

// runArchive archives a copy of the day once, then times an export of
// the same range from the archive against plain ffmpeg on the archive.
func runArchive(ctx context.Context, dir, segRoot string, date day.Date, plan ts.Plan, minutes int, tag string, repeat int) error {
	first := plan.Segments[0].Start
	root := segRoot + "-archived"
	state := filepath.Join(root, ".cctvd")
	video := filepath.Join(root, date.String(), "video.mp4")
	loc := time.Local
	if err := os.MkdirAll(filepath.Join(root, date.String()), 0o755); err != nil {
		return err
	}
	arc, err := archive.New(archive.Config{Root: root, State: state, Calendar: day.Calendar{Location: loc},
		Encode: encode.Settings{Nice: encode.DefaultNice}, Now: func() time.Time { return date.End(loc).Add(72 * time.Hour) }},
		slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer arc.Close()
	if _, err := os.Stat(video); err != nil {
		fmt.Fprintf(os.Stderr, "archiving a copy of the day into %s (once)\n", root)
		if err := os.MkdirAll(filepath.Join(root, date.String()), 0o755); err != nil {
			return err
		}
		for _, s := range plan.Segments {
			src, dst := filepath.Join(segRoot, date.String(), s.Name), filepath.Join(root, date.String(), s.Name)
			if err := os.Link(src, dst); err != nil && !os.IsExist(err) {
				return err
			}
		}
		actx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- arc.Run(actx) }()
		if _, err := arc.Convert(actx, date, true, false); err != nil {
			cancel()
			return err
		}
		ch, stop, err := arc.Watch(date)
		if err != nil {
			cancel()
			return err
		}
		var last archive.Progress
		for p := range ch {
			last = p
		}
		stop()
		cancel()
		<-done
		if _, err := os.Stat(video); err != nil {
			return fmt.Errorf("no archive: %v (%+v)", err, last)
		}
	}
	fi, err := os.Stat(video)
	if err != nil {
		return err
	}
	work := filepath.Join(dir, "work")
	os.RemoveAll(work)
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	view := &catalog.DayView{Date: date, Plan: &ts.Plan{}, Archives: []catalog.Archive{{Name: "video.mp4", Size: fi.Size()}}}
	ex, err := export.New(export.Config{Root: root, Dir: filepath.Join(work, "export"), Days: days{view}, ArchiveRuns: arc.Runs,
		Location: loc, Max: 25 * time.Hour}, slog.New(slog.DiscardHandler))
	if err != nil {
		return err
	}
	defer ex.Close()
	from := first.Add(3*time.Second + 370*time.Millisecond)
	to := first.Add(time.Duration(minutes)*time.Minute - 4*time.Second - 130*time.Millisecond)
	ss, tt := from.Sub(first).Seconds(), to.Sub(first).Seconds()
	return race(repeat, fmt.Sprintf("export of %d min from an archive (%s, %.0f MB)", minutes, tag, float64(fi.Size())/1e6), fi.Size(), []side{
		{"read", func() error { return readAll(video) }},
		{"cctvd", func() error {
			clip, err := ex.Export(ctx, export.Range{Start: from, End: to}, nil)
			if err != nil {
				return err
			}
			return clip.Remove()
		}},
		{"ffmpeg", func() error {
			out, err := exec.Command("ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error",
				"-ss", fmt.Sprintf("%.3f", ss), "-to", fmt.Sprintf("%.3f", tt), "-i", video,
				"-map", "0:v:0", "-c", "copy", "-movflags", "+faststart", "-y", filepath.Join(work, "ffmpeg.mp4")).CombinedOutput()
			if err != nil {
				return fmt.Errorf("ffmpeg: %w: %s", err, out)
			}
			return nil
		}},
	})
}

type side struct {
	name string
	f    func() error
}

func readAll(paths ...string) error {
	for _, p := range paths {
		f, err := os.Open(p)
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
}

// race runs the sides in turn, repeat times, and prints the fastest of each.
func race(repeat int, what string, bytes int64, sides []side) error {
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
	fmt.Printf("%s, fastest of %d, load %s", what, repeat, load)
	for _, s := range sides {
		fmt.Printf("  %-7s %7.2fs  %7.0f MB/s\n", s.name, best[s.name].Seconds(), mb/best[s.name].Seconds())
	}
	fmt.Printf("  cctvd/ffmpeg %.2fx (goal <= 1.1)   cctvd/read %.1fx\n",
		best["cctvd"].Seconds()/best["ffmpeg"].Seconds(), best["cctvd"].Seconds()/best["read"].Seconds())
	return nil
}
