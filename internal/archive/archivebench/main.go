// Command archivebench makes CCTV-like benchmark footage and runs cctvd's
// archive pipeline on it; bench/archive.sh drives it.
//
//	archivebench footage -dir DIR -minutes N [-clean] [-tiny] [-size WxH] [-bitrate B]
//	archivebench archive -root ROOT -date YYYY-MM-DD [-preset P] [-crf N] [-x265-params S] [-chunk-segments N]
//
// archive prints one line of key=value figures: wall-clock seconds, CPU
// seconds (this process and ffmpeg; this process alone), the Go process's
// peak RSS (ffmpeg not included), frames and the archive's size.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/footage"
)

// benchStart is when the benchmark's camera starts filming.
var benchStart = time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "archivebench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("usage: archivebench footage|archive [flags]")
	}
	switch args[0] {
	case "footage":
		return footageCmd(ctx, args[1:])
	case "archive":
		return archiveCmd(ctx, args[1:], stdout)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// footageCmd films the benchmark scene: noisy (the camera's view) or clean
// (the reference that quality is measured against).
func footageCmd(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("footage", flag.ContinueOnError)
	dir := fs.String("dir", "", "folder to write segments into")
	minutes := fs.Int("minutes", 3, "minutes of footage")
	clean := fs.Bool("clean", false, "render the scene without sensor noise")
	tiny := fs.Bool("tiny", false, "64x48 at 1 fps: many segments cheaply, for memory over a full day's file count")
	size := fs.String("size", "", "frame size WxH of the CCTV scene (default 1280x720); a Pi camera films 1920x1080")
	bitrate := fs.String("bitrate", "", "the camera's H.264 bit rate (default 2M); 370k is a Pi camera's ~4 GB a day")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	p := footage.CCTV
	p.Noise = !*clean
	if *size != "" {
		if _, err := fmt.Sscanf(*size, "%dx%d", &p.Width, &p.Height); err != nil {
			return fmt.Errorf("footage: -size %q: want WxH: %w", *size, err)
		}
	}
	if *bitrate != "" {
		p.Bitrate = *bitrate
	}
	if *tiny {
		p = footage.Profile{Width: 64, Height: 48, FPS: 1}
	}
	_, err := footage.Record(ctx, footage.Run{Dir: *dir, Profile: p, Segments: *minutes * 6, First: 1, Pad: true, Start: benchStart})
	return err
}

// archiveCmd archives one day with the given encoder settings and reports.
func archiveCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("archive", flag.ContinueOnError)
	root := fs.String("root", "", "footage root")
	date := fs.String("date", "", "day to archive")
	s := encode.Settings{Nice: encode.DefaultNice}
	fs.StringVar(&s.Preset, "preset", encode.DefaultPreset, "x265 preset")
	fs.IntVar(&s.CRF, "crf", encode.DefaultCRF, "x265 crf")
	fs.StringVar(&s.X265Params, "x265-params", "", "extra x265 parameters")
	chunk := fs.Int("chunk-segments", archive.DefaultChunkSegments, "segments per chunk")
	verbose := fs.Bool("v", false, "log")
	if err := fs.Parse(args); err != nil {
		return err
	}
	d, err := day.Parse(*date)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if *verbose {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	a, err := archive.New(archive.Config{Root: *root, Calendar: day.Calendar{Location: time.UTC, Settle: archive.DefaultSettle},
		ChunkSegments: *chunk, Encode: s, Rescan: time.Hour,
		Now: func() time.Time { return d.End(time.UTC).Add(archive.DefaultSettle) }}, log)
	if err != nil {
		return err
	}
	defer a.Close()
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { cancel(); <-done }()

	began := time.Now()
	last, err := convert(ctx, a, d)
	if err != nil {
		return err
	}
	self, children := cpuTime(syscall.RUSAGE_SELF), cpuTime(syscall.RUSAGE_CHILDREN)
	fmt.Fprintf(stdout, "seconds=%.3f cpu_seconds=%.3f go_cpu_seconds=%.3f rss_kib=%d frames=%d bytes_out=%d\n",
		time.Since(began).Seconds(), (self + children).Seconds(), self.Seconds(), peakRSS(), last.Frames, last.ArchiveBytes)
	return nil
}

// convert asks for the day and follows it to the end. The archiver may
// have queued it on its own first; either way the watch follows it.
func convert(ctx context.Context, a *archive.Archiver, d day.Date) (archive.Progress, error) {
	if _, err := a.Convert(ctx, d, true, false); err != nil {
		return archive.Progress{}, err
	}
	ch, stop, err := a.Watch(d)
	if err != nil {
		return archive.Progress{}, err
	}
	defer stop()
	var last archive.Progress
	for p := range ch {
		last = p
	}
	if last.Phase != archive.PhaseDone {
		return last, fmt.Errorf("conversion ended %s: %v %s", last.Phase, last.Err, strings.Join(last.StderrTail, " | "))
	}
	return last, nil
}

// cpuTime is the user and system time of this process (RUSAGE_SELF) or
// of its children that ended (RUSAGE_CHILDREN: ffmpeg, ffprobe).
func cpuTime(who int) time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(who, &ru) != nil {
		return -1
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is this process's peak resident set size (VmHWM) in KiB.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range strings.Lines(string(b)) {
		var kib int64
		if _, err := fmt.Sscanf(line, "VmHWM: %d kB", &kib); err == nil {
			return kib
		}
	}
	return -1
}
