// Package testfs holds the file helpers that tests share: listing a
// folder and copying a fixture day with its files' times.
package testfs

import (
	"os"
	"path/filepath"
	"testing"
)

// Names lists the names in dir, sorted; nil if it is empty.
func Names(t testing.TB, dir string) []string {
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

// CopyDir copies the files of folder src into dst, made if missing, and
// keeps their modification times: cctvd reads footage times from them.
func CopyDir(t testing.TB, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range Names(t, src) {
		from, to := filepath.Join(src, name), filepath.Join(dst, name)
		fi, err := os.Stat(from)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(from)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(to, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(to, fi.ModTime(), fi.ModTime()); err != nil {
			t.Fatal(err)
		}
	}
}
