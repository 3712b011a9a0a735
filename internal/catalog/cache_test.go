package catalog

import (
	"bytes"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestCacheOnAFullDisk writes a day's scan cache onto a full file system (a
// small tmpfs): the write fails with a warning, the cache file written
// before stays whole, nothing half-written is left; once there is room the
// next write lands.
func TestCacheOnAFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: mounts a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (needs root; -short skips this test): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	var logs bytes.Buffer
	c, err := openCache(dir, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.dir.Close()
	const dayName = "2026-11-20"
	path := filepath.Join(dir, cacheName(dayName))
	old := bytes.Repeat([]byte("o"), 10_000)
	c.put(dayName, old)
	c.wait()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Fatalf("first write: cache holds %d bytes, want %d", len(got), len(old))
	}

	filler := filepath.Join(dir, "filler")
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filler, make([]byte, int64(st.Bavail)*st.Bsize-20_000), 0o644); err != nil {
		t.Fatal(err)
	}
	newer := bytes.Repeat([]byte("n"), 100_000)
	c.put(dayName, newer)
	c.wait()
	if !strings.Contains(logs.String(), "cannot write scan cache") || !strings.Contains(logs.String(), "no space left") {
		t.Errorf("no warning about the full disk; logs:\n%s", logs.String())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Errorf("after the failed write the cache holds %d bytes, want the old %d", len(got), len(old))
	}
	if names := dirNames(t, dir); strings.Join(names, " ") != cacheName(dayName)+" filler" {
		t.Errorf("cache folder holds %v after the failed write", names)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	c.put(dayName, newer)
	c.wait()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, newer) {
		t.Errorf("with room again the cache holds %d bytes, want %d", len(got), len(newer))
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}
