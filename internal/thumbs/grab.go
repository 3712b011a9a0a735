package thumbs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
)

// make grabs the first frame of a segment into the thumbnail of an hour.
func (t *Thumbs) make(ctx context.Context, d day.Date, hour int, segment string) error {
	src := d.String() + "/" + segment
	li, err := t.footage.Lstat(src)
	if err != nil {
		return err
	}
	if !li.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", src)
	}
	f, err := t.footage.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	start := time.Now()
	jpeg, err := t.grab(ctx, f)
	t.spent.Add(int64(time.Since(start)))
	if err != nil {
		return err
	}
	if err := t.dir.Mkdir(d.String(), 0o750); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	n := name(d, hour)
	tmp := fmt.Sprintf("%s/.%02d.jpg.tmp", d, hour)
	if err := t.dir.WriteFile(tmp, jpeg, 0o640); err != nil {
		return err
	}
	if err := t.dir.Rename(tmp, n); err != nil {
		t.dir.Remove(tmp)
		return err
	}
	t.made.Add(1)
	t.log.Debug("thumbnail made", "day", d.String(), "segment", segment, "hour", hour,
		"bytes", len(jpeg), "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// grab runs ffmpeg on the segment open as in, which it reads as its
// standard input, and returns the JPEG it writes to its standard output.
// ffmpeg starts niced (encode.StartNiced), so every thread it makes is.
func (t *Thumbs) grab(ctx context.Context, in *os.File) ([]byte, error) {
	cmd := exec.CommandContext(ctx, t.cfg.FFmpeg, "-hide_banner", "-nostdin", "-loglevel", "error",
		"-threads", "1", "-f", "mpegts", "-i", "pipe:0", "-map", "0:v:0", "-frames:v", "1",
		"-vf", "scale="+strconv.Itoa(t.cfg.Width)+":-2", "-q:v", "5", "-f", "image2", "-c:v", "mjpeg", "pipe:1")
	var out, stderr bytes.Buffer
	cmd.Stdin, cmd.Stdout, cmd.Stderr = in, &out, &stderr
	wait, err := encode.StartNiced(cmd, max(t.cfg.Nice, 0))
	if err == nil {
		err = wait()
	}
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: %w: %s", err, strings.TrimSpace(stderr.String()))
	}
	b := out.Bytes()
	if len(b) < 4 || b[0] != 0xFF || b[1] != 0xD8 || b[len(b)-2] != 0xFF || b[len(b)-1] != 0xD9 {
		return nil, fmt.Errorf("ffmpeg wrote no picture (%d bytes): %s", len(b), strings.TrimSpace(stderr.String()))
	}
	return b, nil
}
