package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// profile is small and at a low frame rate, so that a day encodes in a
// second or two and twenty kills fit in the time CI allows.
var profile = footage.Profile{Width: 320, Height: 180, FPS: 5}

// segment is one recorded segment as it was before cctvd ever saw it.
type segment struct {
	name   string
	size   int64
	sha256 [sha256.Size]byte
	mtime  time.Time
	frames int64
}

// dayFootage is one day of the root and what its archive must hold.
type dayFootage struct {
	cam      int    // index in harness.cams
	camera   string // "" for the default camera (ROOT/DATE), else ROOT/NAME/DATE
	date     day.Date
	segments []segment
	frames   int64
	// duration is the footage's timeline, first frame to the end of the last.
	duration time.Duration
	chunks   int // how many chunks cctvd splits the day into

	// Measured in the calibration run: encoding is from the work folder's
	// appearance to the last chunk, tail from there to the day's end, and
	// commit from the manifest's verified phase to the end.
	encoding, tail, commit time.Duration
}

// name is the day folder's path below the root, which is also how the
// harness keys cctvd's log lines: DATE for the default camera, NAME/DATE
// for a named one.
func (d *dayFootage) name() string {
	if d.camera == "" {
		return d.date.String()
	}
	return d.camera + "/" + d.date.String()
}

// cameraName names camera c of o.cameras: the default camera first
// (ROOT/DATE), then cam2, cam3, … (ROOT/camN/DATE).
func cameraName(c int) string {
	if c == 0 {
		return ""
	}
	return fmt.Sprintf("cam%d", c+1)
}

// recordDays films the days of every camera into dir, ending three days
// ago, ordered by date and then camera (cameras take turns at the archive
// jobs, a day each), and records each segment's name, size, SHA-256,
// mtime and frames, and each day's frames and duration, as ffprobe sees
// them.
func recordDays(ctx context.Context, dir string, o options) ([]*dayFootage, error) {
	today := day.Of(time.Now())
	var days []*dayFootage
	for i := range o.days {
		for c := range o.cameras {
			d := &dayFootage{cam: c, camera: cameraName(c), date: today.AddDays(i - o.days - 2)}
			folder := filepath.Join(dir, filepath.FromSlash(d.name()))
			if err := os.MkdirAll(folder, 0o755); err != nil {
				return nil, fmt.Errorf("footage: %w", err)
			}
			// Days of different lengths end in chunks of different sizes;
			// the cameras' days differ too.
			n := o.segments + (i+c)%3
			// Real cameras' mtimes have fractions of a second, and each
			// camera its own.
			start := d.date.Start(time.Local).Add(8*time.Hour + time.Duration(c)*7*time.Minute + 153192286*time.Nanosecond)
			names, err := footage.Record(ctx, footage.Run{Dir: folder, Profile: profile, Segments: n, First: 1, Start: start})
			if err != nil {
				return nil, fmt.Errorf("footage of %s: %w", d.name(), err)
			}
			var first, end time.Duration
			for j, name := range names {
				s, span, err := describe(ctx, filepath.Join(folder, name))
				if err != nil {
					return nil, fmt.Errorf("footage of %s: %w", d.name(), err)
				}
				if j == 0 {
					first = span.start
				}
				end = span.start + span.duration
				d.segments = append(d.segments, s)
				d.frames += s.frames
			}
			d.duration = end - first
			d.chunks = (n + o.chunkSegments - 1) / o.chunkSegments
			days = append(days, d)
		}
	}
	return days, nil
}

type span struct{ start, duration time.Duration }

// describe hashes a segment and asks ffprobe for its frames and span.
func describe(ctx context.Context, path string) (segment, span, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return segment{}, span{}, err
	}
	s := segment{name: filepath.Base(path), size: fi.Size(), mtime: fi.ModTime()}
	if s.sha256, err = fileSHA256(path); err != nil {
		return segment{}, span{}, err
	}
	p, err := probe(ctx, path)
	if err != nil {
		return segment{}, span{}, err
	}
	s.frames = p.frames
	return s, span{start: p.start, duration: p.duration}, nil
}

func fileSHA256(path string) ([sha256.Size]byte, error) {
	var sum [sha256.Size]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, fmt.Errorf("hash %s: %w", path, err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// probed is what ffprobe reports of a file's video stream.
type probed struct {
	codec           string
	frames          int64
	start, duration time.Duration
}

// probe runs ffprobe, counting the video packets (one per frame: the
// cameras' streams and cctvd's archives have no B-frame reordering to
// hide a frame).
func probe(ctx context.Context, path string) (probed, error) {
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
		"-show_entries", "stream=codec_name,nb_read_packets,start_time,duration", "-of", "json", path).Output()
	if err != nil {
		return probed{}, fmt.Errorf("ffprobe %s: %w", path, stderrOf(err))
	}
	var r struct {
		Streams []struct {
			CodecName     string `json:"codec_name"`
			NbReadPackets string `json:"nb_read_packets"`
			StartTime     string `json:"start_time"`
			Duration      string `json:"duration"`
		} `json:"streams"`
	}
	if err := json.Unmarshal(out, &r); err != nil || len(r.Streams) != 1 {
		return probed{}, fmt.Errorf("ffprobe %s: no video stream in %q", path, out)
	}
	s := r.Streams[0]
	p := probed{codec: s.CodecName}
	if p.frames, err = strconv.ParseInt(s.NbReadPackets, 10, 64); err != nil {
		return probed{}, fmt.Errorf("ffprobe %s: frames: %w", path, err)
	}
	if p.start, err = seconds(s.StartTime); err != nil {
		return probed{}, fmt.Errorf("ffprobe %s: start: %w", path, err)
	}
	if p.duration, err = seconds(s.Duration); err != nil {
		return probed{}, fmt.Errorf("ffprobe %s: duration: %w", path, err)
	}
	return p, nil
}

func seconds(s string) (time.Duration, error) {
	f, err := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Second)), err
}

// stderrOf adds a failed command's stderr to its error.
func stderrOf(err error) error {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, ee.Stderr)
	}
	return err
}

// fill empties the root and the state folder and copies the recorded
// footage in, with its mtimes (cctvd checks segment order against them).
func fill(footageDir, root, state string, days []*dayFootage) error {
	for _, dir := range []string{root, state} {
		if err := os.RemoveAll(dir); err != nil {
			return fmt.Errorf("fill root: %w", err)
		}
	}
	for _, d := range days {
		dst := filepath.Join(root, filepath.FromSlash(d.name()))
		if err := os.MkdirAll(dst, 0o755); err != nil {
			return fmt.Errorf("fill root: %w", err)
		}
		for _, s := range d.segments {
			if err := copyFile(filepath.Join(footageDir, filepath.FromSlash(d.name()), s.name), filepath.Join(dst, s.name), s.mtime); err != nil {
				return fmt.Errorf("fill root: %w", err)
			}
		}
	}
	return nil
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
