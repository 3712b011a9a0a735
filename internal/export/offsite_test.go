package export

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
)

// folderOffsite is a bucket that is a folder: DIR/DATE/NAME. cut, when
// set, stops a Fetch of the archive after so many bytes, as a cancelled
// request would.
type folderOffsite struct {
	dir string
	cut func()
}

func (f *folderOffsite) OffsiteArchives(d day.Date) []string {
	if _, err := os.Stat(filepath.Join(f.dir, d.String(), "video.mp4")); err != nil {
		return nil
	}
	return []string{"video.mp4"}
}

func (f *folderOffsite) Fetch(ctx context.Context, d day.Date, name string, w io.Writer) (string, error) {
	src, err := os.Open(filepath.Join(f.dir, d.String(), name))
	if err != nil {
		return "", err
	}
	defer src.Close()
	if f.cut != nil && name == "video.mp4" {
		if _, err := io.CopyN(w, src, 1000); err != nil {
			return "", err
		}
		f.cut()
		return "", ctx.Err()
	}
	_, err = io.Copy(w, src)
	return "s3://bucket/site/default/" + d.String() + "/" + name, err
}

// TestExportOffsite archives a day, moves its archive into a "bucket" as
// retention does once the day is verified off-site (the day's folder and
// the catalog's day gone; the archiver's index kept), and exports ranges
// of it: the archive is fetched into the export's work folder, checked
// against its .sha512sum and cut as a local one is.
func TestExportOffsite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: films and exports with ffmpeg")
	}
	dir := t.TempDir()
	root, state, bucket := filepath.Join(dir, "root"), filepath.Join(dir, "state"), filepath.Join(dir, "bucket")
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, loc).Add(frac)
	d, before, arc := archivedDay(t, root, state, loc, t0)
	if err := os.MkdirAll(bucket, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(root, d.String()), filepath.Join(bucket, d.String())); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(bucket, d.String(), "video.mp4.sha512sum")); err != nil {
		t.Fatal(err)
	}
	gone := &fakeDays{views: map[day.Date]*catalog.DayView{}}
	off := &folderOffsite{dir: bucket}
	work := filepath.Join(state, "export")
	ex, err := New(Config{Camera: "front", Root: root, Dir: work, Days: gone, ArchiveRuns: arc.Runs, Offsite: off,
		Location: loc, Version: "test"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	leftovers := func(t *testing.T) {
		t.Helper()
		if entries, _ := os.ReadDir(work); len(entries) != 0 {
			t.Errorf("left in the work folder: %v", entries)
		}
	}

	tests := []struct {
		name       string
		start, end time.Time
		gaps       int
	}{
		{name: "inside a run, off keyframe", start: t0.Add(3370 * time.Millisecond), end: t0.Add(17 * time.Second)},
		{name: "across a gap", start: t0.Add(15 * time.Second), end: t0.Add(35 * time.Second), gaps: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clip, err := ex.Export(context.Background(), Range{tc.start, tc.end}, nil)
			if err != nil {
				t.Fatal(err)
			}
			m := clip.Manifest
			want := framesIn(before, tc.start, m.LastFrame.Add(time.Millisecond))
			const tol = 100 * time.Microsecond // the archive's clock is 1/22500 s
			if m.Frames != len(want) || m.FirstFrame.Sub(want[0]).Abs() > tol || m.LastFrame.Sub(want[len(want)-1]).Abs() > tol {
				t.Errorf("%d frames from %v to %v, sources hold %d from %v to %v", m.Frames, m.FirstFrame, m.LastFrame, len(want), want[0], want[len(want)-1])
			}
			src := m.Sources
			if len(m.Gaps) != tc.gaps || len(src) != 1 || !src[0].ChecksumVerified || src[0].Path != "2026-11-20/video.mp4" ||
				src[0].Offsite != "s3://bucket/site/default/2026-11-20/video.mp4" {
				t.Errorf("manifest %+v", m)
			}
			if fi, err := os.Stat(filepath.Join(bucket, d.String(), "video.mp4")); err != nil || src[0].Bytes != fi.Size() {
				t.Errorf("source of %d bytes, the bucket's archive %v %v", src[0].Bytes, fi, err)
			}
			checkClip(t, clip, len(want), m)
			// The fetched archive is not kept beside the clip.
			if entries, _ := os.ReadDir(filepath.Dir(clip.MP4)); len(entries) != 3 {
				t.Errorf("the clip's folder holds %d files, want the clip, its sum and manifest", len(entries))
			}
			clip.Remove()
			leftovers(t)
		})
	}

	t.Run("a copy that differs from its checksum", func(t *testing.T) {
		p := filepath.Join(bucket, d.String(), "video.mp4")
		orig, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		bad := append([]byte(nil), orig...)
		bad[len(bad)/2] ^= 0xff
		if err := os.WriteFile(p, bad, 0o644); err != nil {
			t.Fatal(err)
		}
		defer os.WriteFile(p, orig, 0o644)
		_, err = ex.Export(context.Background(), Range{t0, t0.Add(5 * time.Second)}, nil)
		if err == nil || !strings.Contains(err.Error(), "does not match its .sha512sum") {
			t.Errorf("err %v, want a mismatch", err)
		}
		leftovers(t)
	})
	t.Run("cancelled while fetching", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		off.cut = cancel
		defer func() { off.cut = nil }()
		_, err := ex.Export(ctx, Range{t0, t0.Add(5 * time.Second)}, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want cancelled", err)
		}
		leftovers(t)
	})
	t.Run("without the off-site copy", func(t *testing.T) {
		ex2, err := New(Config{Root: root, Dir: filepath.Join(state, "export2"), Days: gone, ArchiveRuns: arc.Runs, Location: loc}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer ex2.Close()
		if _, err := ex2.Export(context.Background(), Range{t0, t0.Add(5 * time.Second)}, nil); !errors.Is(err, ErrNoFootage) {
			t.Errorf("err %v, want no footage", err)
		}
	})
}
