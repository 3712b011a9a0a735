package archive

import (
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cctvd/cctvd/internal/fakeclock"
)

// readOnly makes dir read-only until the test ends: by its mode for a
// user, by a read-only bind mount for root (whom modes do not stop).
func readOnly(t *testing.T, dir string) {
	t.Helper()
	if os.Geteuid() != 0 {
		if err := os.Chmod(dir, 0o555); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Chmod(dir, 0o755) })
		return
	}
	if out, err := exec.Command("mount", "--bind", dir, dir).CombinedOutput(); err != nil {
		t.Fatalf("bind mount (root; -short skips this test): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount read-only: %v: %s", err, out)
	}
}

// A day folder the archive cannot be written into fails the conversion
// before anything is encoded, with an error naming the folder, and leaves
// the day as it was.
func TestReadOnlyDayFolderFailsFast(t *testing.T) {
	slowTest(t, "mounts a folder read-only")
	root, dir := cleanRoot(t)
	before := listing(t, dir)
	readOnly(t, dir)

	// The stand-in ffmpeg leaves a mark if it is ever asked to encode.
	mark := filepath.Join(t.TempDir(), "encoded")
	c := fakeclock.New(testNow)
	s := newSteps()
	cfg := testConfig(root, c, s)
	cfg.Encode.FFmpeg = fakeFFmpeg(t, `touch `+mark+`; exec ffmpeg "$@"`)
	a := start(t, cfg)
	s.waitIdle(t)

	d := dayStatus(t, a, cleanDay)
	if d.State != StateFailed || d.Err == nil || !strings.Contains(d.Err.Error(), "day folder "+dir+" is not writable") {
		t.Fatalf("state %s, err %v; want failed, naming %s as not writable", d.State, d.Err, dir)
	}
	if exists(mark) {
		t.Error("ffmpeg was started on a day whose archive cannot be written")
	}
	if exists(a.workDir(cleanDay)) {
		t.Error("a work folder was made")
	}
	if got := listing(t, dir); !maps.Equal(got, before) {
		t.Errorf("day folder changed: %v, was %v", got, before)
	}
}
