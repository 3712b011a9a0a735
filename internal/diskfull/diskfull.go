// Package diskfull gives tests a small file system of their own to fill up.
package diskfull

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cctvd/cctvd/internal/disk"
)

// Mount mounts a tmpfs of the given size ("16m") on a new temporary folder
// and unmounts it when the test ends. It needs root, as CI has; tests that
// call it skip under -short.
func Mount(t testing.TB, size string) string {
	t.Helper()
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size, "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs (needs root; -short skips this test): %v: %s", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount: %v: %s", err, out)
		}
	})
	return dir
}

// Fill writes a file into dir that leaves about room bytes free on its
// file system, and returns a function that removes it again.
func Fill(t testing.TB, dir string, room int64) (free func()) {
	t.Helper()
	u, err := disk.Measure(dir)
	if err != nil {
		t.Fatal(err)
	}
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, max(0, int64(u.Free)-room)), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if err := os.Remove(filler); err != nil {
			t.Fatal(err)
		}
	}
}
