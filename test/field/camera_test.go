package field

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/footage"
)

// camera films the way a Pi camera does: ffmpeg's segment muxer writes
// 10-second segments, and each file's modification time is when the camera
// finished it — its end plus a few hundred milliseconds of encoder and
// upload latency, never on a whole second.
type camera struct {
	t     *testing.T
	stage string // where segments are filmed before they travel
	rng   *rand.Rand
}

func newCamera(t *testing.T, seed uint64) *camera {
	return &camera{t: t, stage: t.TempDir(), rng: rand.New(rand.NewPCG(seed, seed^0x5eed))}
}

// film records one camera run of n segments starting at start (a time
// with a fraction of a second), named prefix<first>.ts…, into a fresh
// staging folder, and returns that folder and the names in order.
func (c *camera) film(start time.Time, n, first int) (string, []string) {
	c.t.Helper()
	dir, err := os.MkdirTemp(c.stage, "run-")
	if err != nil {
		c.t.Fatal(err)
	}
	names, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: n, First: first, Start: start})
	if err != nil {
		c.t.Fatal(err)
	}
	for i, name := range names {
		latency := time.Duration(20+c.rng.IntN(880))*time.Millisecond + time.Duration(c.rng.IntN(1e6))
		end := start.Add(time.Duration(i+1)*footage.SegmentDuration + latency)
		if err := os.Chtimes(filepath.Join(dir, name), end, end); err != nil {
			c.t.Fatal(err)
		}
	}
	return dir, names
}

// rsync copies files the way a camera's upload script does: -t keeps the
// modification times, and rsync writes to a hidden temporary name that it
// renames once the file is whole.
func rsync(t *testing.T, srcDir string, names []string, dst string) {
	t.Helper()
	args := []string{"-t"}
	for _, n := range names {
		args = append(args, filepath.Join(srcDir, n))
	}
	args = append(args, dst+"/")
	if out, err := exec.Command("rsync", args...).CombinedOutput(); err != nil {
		t.Fatalf("rsync %s: %v\n%s", strings.Join(names, " "), err, out)
	}
}

// curlPut uploads a file as a camera with a token does and returns the
// HTTP status.
func curlPut(t *testing.T, file, url, tokenFile string) int {
	t.Helper()
	token, err := os.ReadFile(tokenFile)
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-T", file,
		"-H", "Authorization: Bearer "+strings.TrimSpace(string(token)), url).Output()
	if err != nil {
		t.Fatalf("curl -T %s %s: %v", file, url, err)
	}
	code, err := strconv.Atoi(string(out))
	if err != nil {
		t.Fatalf("curl status %q: %v", out, err)
	}
	return code
}

// stalledCopy writes a segment straight into its final name the way scp
// or sftp does: the first half (cut on a packet boundary), then nothing
// for a while, then the rest. It returns a function that finishes the copy.
func stalledCopy(t *testing.T, src, dst string) (finish func()) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	half := len(b) / 2 / 188 * 188
	f, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b[:half]); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if _, err := f.Write(b[half:]); err != nil {
			t.Fatal(err)
		}
		if err := f.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// frames counts the video frames of a file or URL with ffprobe.
func frames(t *testing.T, src string) int {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
		"-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", src).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", src, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(strings.Split(string(out), "\n")[0]))
	if err != nil {
		t.Fatalf("ffprobe %s: frames %q: %v", src, out, err)
	}
	return n
}

// creationTime is the mp4's creation_time tag as ffprobe reads it.
func creationTime(t *testing.T, file string) time.Time {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format_tags=creation_time",
		"-of", "csv=p=0", file).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", file, err)
	}
	ct, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatalf("creation_time of %s: %v", file, err)
	}
	return ct
}

// sha512sumCheck runs the real sha512sum -c on an archive's checksum file.
func sha512sumCheck(t *testing.T, dir, sumFile string) {
	t.Helper()
	cmd := exec.Command("sha512sum", "-c", sumFile)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sha512sum -c %s: %v\n%s", filepath.Join(dir, sumFile), err, out)
	}
}

func ensureTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe", "rsync", "curl", "sha512sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the field test drives %s: %v (scripts/deps.sh installs it)", tool, err)
		}
	}
}

func segName(i int) string { return fmt.Sprintf("seg%d.ts", i) }
