// Package demo fills a footage root with generated camera footage, so cctvd can be tried without a camera.
package demo

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

// Profile is what the demo camera films: small enough to generate in seconds, big enough to look at.
var Profile = footage.Profile{Width: 640, Height: 360, FPS: 25, Bitrate: "600k", CCTV: true, Noise: true}

// Fill writes three days of footage into root unless it already holds
// footage: one three days ago (old enough to be archived at once), one
// yesterday (still settling), and one today.
func Fill(ctx context.Context, root string, now time.Time) error {
	today := day.Of(now)
	days := []struct {
		date     day.Date
		at       time.Duration // time of day of the first segment
		segments int
		gapAfter int // remove this segment to leave a gap (0: none)
	}{
		{today.AddDays(-3), 9 * time.Hour, 6, 3},
		{today.AddDays(-1), 14 * time.Hour, 6, 0},
		{today, 0, 3, 0},
	}
	for _, d := range days {
		dir := filepath.Join(root, d.date.String())
		if _, err := os.Stat(dir); err == nil {
			continue
		}
		start := d.date.Start(now.Location()).Add(d.at)
		if d.date == today {
			start = now.Add(-time.Duration(d.segments) * footage.SegmentDuration)
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
		if _, err := footage.Record(ctx, footage.Run{Dir: dir, Profile: Profile, Segments: d.segments, First: 1, Start: start}); err != nil {
			return fmt.Errorf("demo %s: %w", d.date, err)
		}
		if d.gapAfter > 0 {
			if err := os.Remove(filepath.Join(dir, fmt.Sprintf("seg%d.ts", d.gapAfter+1))); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
	}
	return nil
}

// Camera keeps filming in real time, as one camera run, and delivers each
// finished segment into the folder of the day it is delivered on, the way
// rsync does: complete files appear under their final name. It returns when
// ctx ends.
func Camera(ctx context.Context, root string, now func() time.Time) error {
	work := filepath.Join(root, ".demo-camera")
	if err := os.RemoveAll(work); err != nil {
		return fmt.Errorf("demo camera: %w", err)
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return fmt.Errorf("demo camera: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := footage.Record(ctx, footage.Run{Dir: work, Profile: Profile, Segments: 100_000,
			First: int(now().Unix() % 1_000_000), Realtime: true})
		done <- err
	}()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-done:
			return fmt.Errorf("demo camera: %w", err)
		case <-tick.C:
			if err := deliver(work, root, day.Of(now())); err != nil {
				return err
			}
		}
	}
}

// deliver moves every segment but the one still being written.
func deliver(work, root string, today day.Date) error {
	entries, err := os.ReadDir(work)
	if err != nil {
		return fmt.Errorf("demo camera: %w", err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	slices.SortFunc(names, func(a, b string) int {
		if ts.NaturalLess(a, b) {
			return -1
		}
		return 1
	})
	if len(names) < 2 {
		return nil
	}
	dir := filepath.Join(root, today.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo camera: %w", err)
	}
	for _, n := range names[:len(names)-1] {
		if err := os.Rename(filepath.Join(work, n), filepath.Join(dir, n)); err != nil {
			return fmt.Errorf("demo camera: %w", err)
		}
	}
	return nil
}
