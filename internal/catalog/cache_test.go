package catalog

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cctvd/cctvd/internal/diskfull"
	"github.com/cctvd/cctvd/internal/testfs"
)

// TestCacheOnAFullDisk writes a day's scan cache onto a full file system (a
// small tmpfs): the write fails with a warning, the cache file written
// before stays whole, nothing half-written is left; once there is room the
// next write lands.
func TestCacheOnAFullDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: mounts a tmpfs")
	}
	dir := diskfull.Mount(t, "1m")
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

	free := diskfull.Fill(t, dir, 20_000)
	newer := bytes.Repeat([]byte("n"), 100_000)
	c.put(dayName, newer)
	c.wait()
	if !strings.Contains(logs.String(), "cannot write scan cache") || !strings.Contains(logs.String(), "no space left") {
		t.Errorf("no warning about the full disk; logs:\n%s", logs.String())
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, old) {
		t.Errorf("after the failed write the cache holds %d bytes, want the old %d", len(got), len(old))
	}
	if names := testfs.Names(t, dir); strings.Join(names, " ") != cacheName(dayName)+" filler" {
		t.Errorf("cache folder holds %v after the failed write", names)
	}

	free()
	c.put(dayName, newer)
	c.wait()
	if got, _ := os.ReadFile(path); !bytes.Equal(got, newer) {
		t.Errorf("with room again the cache holds %d bytes, want %d", len(got), len(newer))
	}
}
