package main

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// benchDay is the day every camera filmed. Its segments are never
// archived: cctvd runs with a settle time of years.
var benchDay = day.Date{Year: 2026, Month: time.November, Day: 22}

// camName names camera c (from 0): cam01, cam02, …
func camName(c int) string { return fmt.Sprintf("cam%02d", c+1) }

// makeBase films the bench day's segments once into dir/base/DATE: real
// MPEG-TS, one camera run, each segment's mtime its end. A stamp file
// says it is complete and with what.
func makeBase(ctx context.Context, dir string, segments int, p footage.Profile) (string, []string, error) {
	base := filepath.Join(dir, "base", benchDay.String())
	stamp := filepath.Join(dir, "base", "complete")
	want := fmt.Sprintf("%d segments %dx%d %d fps\n", segments, p.Width, p.Height, p.FPS)
	names := make([]string, segments)
	for i := range names {
		names[i] = fmt.Sprintf("seg%d.ts", i+1)
	}
	if b, err := os.ReadFile(stamp); err == nil && string(b) == want {
		return base, names, nil
	}
	fmt.Printf("filming %s into %s (once) …\n", strings.TrimSpace(want), base)
	t := time.Now()
	if err := os.RemoveAll(filepath.Join(dir, "base")); err != nil {
		return "", nil, err
	}
	if err := os.MkdirAll(base, 0o755); err != nil {
		return "", nil, err
	}
	got, err := footage.Record(ctx, footage.Run{Dir: base, Profile: p, Segments: segments, First: 1, Start: benchDay.Start(time.Local)})
	if err != nil {
		return "", nil, err
	}
	if len(got) != segments || got[0] != names[0] {
		return "", nil, fmt.Errorf("footage: got %d segments from %s", len(got), got[0])
	}
	fmt.Printf("filmed in %.0f s\n", time.Since(t).Seconds())
	return base, names, os.WriteFile(stamp, []byte(want), 0o644)
}

// layRoot lays dir/root: for each camera, ROOT/camNN/DATE holding a copy
// of every base segment (copies, not links: each file has its own mtime),
// its mtime the base one moved by the camera's offset and a jitter of up
// to ±0.4 s with nanoseconds, as real uploads land. A stamp beside the
// root says it is complete.
func layRoot(dir, base string, names []string, cameras int) (string, error) {
	root := filepath.Join(dir, "root")
	stamp := filepath.Join(dir, "root.complete")
	want := fmt.Sprintf("%d cameras × %d segments of %s\n", cameras, len(names), base)
	if b, err := os.ReadFile(stamp); err == nil && string(b) == want {
		return root, nil
	}
	fmt.Printf("laying %s", want)
	t := time.Now()
	os.Remove(stamp)
	if err := os.RemoveAll(root); err != nil {
		return "", err
	}
	type file struct {
		src, dst string
		mtime    time.Time
	}
	files := make(chan file, 256)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for f := range files {
				if err := copyFile(f.src, f.dst, f.mtime); err != nil {
					select {
					case errs <- err:
					default:
					}
				}
			}
		}()
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var err error
	for c := range cameras {
		folder := filepath.Join(root, camName(c), benchDay.String())
		if err = os.MkdirAll(folder, 0o755); err != nil {
			break
		}
		offset := time.Duration(c)*1300*time.Millisecond + 123456789*time.Nanosecond
		for _, n := range names {
			var fi os.FileInfo
			if fi, err = os.Stat(filepath.Join(base, n)); err != nil {
				break
			}
			jitter := time.Duration(rng.Int64N(int64(800*time.Millisecond))) - 400*time.Millisecond
			files <- file{filepath.Join(base, n), filepath.Join(folder, n), fi.ModTime().Add(offset + jitter)}
		}
	}
	close(files)
	wg.Wait()
	select {
	case e := <-errs:
		err = e
	default:
	}
	if err != nil {
		return "", fmt.Errorf("lay root: %w", err)
	}
	fmt.Printf("laid in %.0f s\n", time.Since(t).Seconds())
	return root, os.WriteFile(stamp, []byte(want), 0o644)
}

func copyFile(src, dst string, mtime time.Time) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return os.Chtimes(dst, mtime, mtime)
}
