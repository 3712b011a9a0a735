// Command httpserve makes bench/http.sh's footage and finds it a free port.
//
//	httpserve -make-day DIR/YYYY-MM-DD     # 8,640 tiny real segments: a full day
//	httpserve -make-year ROOT -from DAY    # + a second full day and 365 archived days
//	httpserve -free-port
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "httpserve: %v\n", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("httpserve", flag.ContinueOnError)
	makeDay := fs.String("make-day", "", "record a full day of tiny segments into this day folder")
	makeYear := fs.String("make-year", "", "add a second full day and 365 archived days to this root")
	from := fs.String("from", "", "with -make-year: the full day to copy")
	freePort := fs.Bool("free-port", false, "print a free TCP port on 127.0.0.1")
	if err := fs.Parse(args); err != nil {
		return err
	}
	switch {
	case *freePort:
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		defer ln.Close()
		fmt.Println(ln.Addr().(*net.TCPAddr).Port)
		return nil
	case *makeDay != "":
		return recordDay(ctx, *makeDay)
	case *makeYear != "":
		return fillYear(*makeYear, *from)
	}
	return errors.New("nothing to do: -make-day, -make-year or -free-port")
}

// recordDay records 8,640 ten-second segments of 64x48 video at 1 frame/s:
// real MPEG-TS, a real day's file count, small enough to make in a minute.
func recordDay(ctx context.Context, dir string) error {
	d, err := day.Parse(filepath.Base(dir))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_, err = footage.Record(ctx, footage.Run{Dir: dir, Profile: footage.Profile{Width: 64, Height: 48, FPS: 1},
		Segments: 8640, First: 1, Start: d.Start(time.Local)})
	return err
}

// fillYear adds to root a second full day (hard links to the first) and
// 365 archived days, each a small mp4 and its checksum.
func fillYear(root, from string) error {
	d, err := day.Parse(from)
	if err != nil {
		return err
	}
	src := filepath.Join(root, from)
	next := filepath.Join(root, d.Next().String())
	if out, err := exec.Command("cp", "-al", src, next).CombinedOutput(); err != nil {
		return fmt.Errorf("cp: %w: %s", err, out)
	}
	mp4 := filepath.Join(root, ".bench-video.mp4")
	out, err := exec.Command("ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
		"-i", "testsrc2=size=64x48:rate=1", "-t", "60", "-c:v", "libx264", "-preset", "ultrafast", mp4).CombinedOutput()
	if err != nil {
		return fmt.Errorf("ffmpeg: %w: %s", err, out)
	}
	for i := 1; i <= 365; i++ {
		dir := filepath.Join(root, d.AddDays(-i).String())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.Link(mp4, filepath.Join(dir, "video.mp4")); err != nil && !errors.Is(err, os.ErrExist) {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "video.mp4.sha512sum"), []byte("0  video.mp4\n"), 0o644); err != nil {
			return err
		}
	}
	return nil
}
