package main

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// profile is the cached footage: 640x360 at 25 frames/s, ~1.5 MB per
// 10-second segment, about a Pi camera's 2 Mbit/s. It is cheap to film
// (~30x realtime) yet keeps x265 busy on both cores (~5-10x realtime), so a
// day of it lasts the window.
var profile = footage.Profile{Width: 640, Height: 360, FPS: 25}

// sourceStart is when the cached footage was filmed, by its segments'
// mtimes: a past morning. It dates the footage in PROGRAM-DATE-TIME, which
// the bench does not check, and in exports (-exports).
var sourceStart = time.Date(2026, 1, 1, 8, 0, 0, 0, time.Local)

// cache is the footage made once and kept between runs: one camera run of
// segments, and an archived day's video.mp4 with its checksum.
type cache struct {
	dir      string
	segments []string // names in src/, in order
}

func (c cache) src() string { return filepath.Join(c.dir, "src") }

// makeCache films what is missing below dir. A finished part has a marker
// file, so an interrupted run is redone rather than half reused.
func makeCache(ctx context.Context, dir string, segments int) (cache, error) {
	c := cache{dir: dir}
	for i := 1; i <= segments; i++ {
		c.segments = append(c.segments, "seg"+strconv.Itoa(i)+".ts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return c, fmt.Errorf("footage cache: %w", err)
	}
	if !complete(c.src(), segments) {
		if err := filmSource(ctx, c.src(), segments); err != nil {
			return c, err
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "archived", "video.mp4.sha512sum")); err != nil {
		if err := makeArchive(ctx, filepath.Join(dir, "archived")); err != nil {
			return c, err
		}
	}
	return c, nil
}

// complete reports whether src holds a finished filming of at least n
// segments: a run that asks for fewer uses the first n.
func complete(src string, n int) bool {
	b, err := os.ReadFile(filepath.Join(src, ".complete"))
	if err != nil {
		return false
	}
	have, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return err == nil && have >= n
}

func filmSource(ctx context.Context, src string, n int) error {
	tmp := src + ".tmp"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("footage cache: %w", err)
	}
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("footage cache: %w", err)
	}
	if _, err := footage.Record(ctx, footage.Run{Dir: tmp, Profile: profile, Segments: n, First: 1, Start: sourceStart}); err != nil {
		return fmt.Errorf("footage cache: %w", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), []byte(strconv.Itoa(n)+"\n"), 0o644); err != nil {
		return fmt.Errorf("footage cache: %w", err)
	}
	if err := os.RemoveAll(src); err != nil {
		return fmt.Errorf("footage cache: %w", err)
	}
	if err := os.Rename(tmp, src); err != nil {
		return fmt.Errorf("footage cache: %w", err)
	}
	return nil
}

// makeArchive makes an archived day's files: a short H.265 mp4 as cctvd
// writes them (hvc1, faststart) and its sha512sum file.
func makeArchive(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("archived day: %w", err)
	}
	mp4 := filepath.Join(dir, "video.mp4")
	out, err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", profile.Width, profile.Height, profile.FPS),
		"-t", "60", "-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error",
		"-tag:v", "hvc1", "-movflags", "+faststart", mp4).CombinedOutput()
	if err != nil {
		return fmt.Errorf("archived day: ffmpeg: %w: %s", err, strings.TrimSpace(string(out)))
	}
	f, err := os.Open(mp4)
	if err != nil {
		return fmt.Errorf("archived day: %w", err)
	}
	defer f.Close()
	h := sha512.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("archived day: %w", err)
	}
	sum := hex.EncodeToString(h.Sum(nil)) + "  video.mp4\n"
	if err := os.WriteFile(filepath.Join(dir, "video.mp4.sha512sum"), []byte(sum), 0o644); err != nil {
		return fmt.Errorf("archived day: %w", err)
	}
	return nil
}

// days are the dates of a run's root.
type days struct {
	today     day.Date
	closed    []day.Date // past days of segments, served as VOD
	archiving day.Date   // the old day converted during the window
	archived  day.Date   // a day already archived: its playlist redirects to video.mp4
}

func newDays(now time.Time) days {
	t := day.Of(now)
	return days{today: t, closed: []day.Date{t.AddDays(-1), t.AddDays(-2), t.AddDays(-3)},
		archiving: t.AddDays(-10), archived: t.AddDays(-30)}
}

// layRoot fills a fresh root with hard links to the cache, so a run costs
// no copying and the archiver deleting the old day's segments leaves the
// cache whole. Today starts with the first liveStart segments; the camera
// brings the rest.
func layRoot(c cache, root string, d days, liveStart int) error {
	link := func(date day.Date, names []string) error {
		dir := filepath.Join(root, date.String())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		for _, n := range names {
			if err := os.Link(filepath.Join(c.src(), n), filepath.Join(dir, n)); err != nil {
				return err
			}
		}
		return nil
	}
	if err := link(d.today, c.segments[:liveStart]); err != nil {
		return fmt.Errorf("lay root: %w", err)
	}
	for _, date := range append([]day.Date{d.archiving}, d.closed...) {
		if err := link(date, c.segments); err != nil {
			return fmt.Errorf("lay root: %w", err)
		}
	}
	arch := filepath.Join(root, d.archived.String())
	if err := os.MkdirAll(arch, 0o755); err != nil {
		return fmt.Errorf("lay root: %w", err)
	}
	for _, n := range []string{"video.mp4", "video.mp4.sha512sum"} {
		if err := os.Link(filepath.Join(c.dir, "archived", n), filepath.Join(arch, n)); err != nil {
			return fmt.Errorf("lay root: %w", err)
		}
	}
	return nil
}

// camera delivers the cache's segments from next on into today's folder,
// the first at once and then one every interval, the way rsync does: a
// hidden temp name, then a rename to the final name. Each is a copy, so
// that its modification time is now, as a live camera's is: a hard link
// would carry the cache's old time and cctvd would rightly call the camera
// silent. It returns how many it delivered once ctx ends or the footage
// runs out (a window longer than the cache's footage).
func camera(ctx context.Context, c cache, dir string, next int, interval time.Duration) (int, error) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	n := 0
	for ; next < len(c.segments); next++ {
		if n > 0 {
			select {
			case <-ctx.Done():
				return n, nil
			case <-tick.C:
			}
		}
		name := c.segments[next]
		tmp := filepath.Join(dir, "."+name+".part")
		if err := copyFile(filepath.Join(c.src(), name), tmp); err != nil {
			return n, fmt.Errorf("camera: %w", err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
			return n, fmt.Errorf("camera: %w", err)
		}
		n++
	}
	return n, nil
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
