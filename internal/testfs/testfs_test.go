package testfs

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

func TestCopyDir(t *testing.T) {
	src := t.TempDir()
	// Fractional seconds, as real cameras' files have.
	mtime := time.Date(2026, 11, 22, 9, 0, 10, 153192286, time.Local)
	files := map[string]string{"seg2.ts": "two", "seg10.ts": "ten", ".hidden": "", "notes.txt": "x"}
	for name, body := range files {
		path := filepath.Join(src, name)
		if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(path, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
	dst := filepath.Join(t.TempDir(), "2026-11-22")
	CopyDir(t, src, dst)

	if got, want := Names(t, dst), []string{".hidden", "notes.txt", "seg10.ts", "seg2.ts"}; !slices.Equal(got, want) {
		t.Fatalf("Names = %q, want %q", got, want)
	}
	for name, body := range files {
		path := filepath.Join(dst, name)
		b, err := os.ReadFile(path)
		if err != nil || string(b) != body {
			t.Errorf("%s holds %q, %v; want %q", name, b, err, body)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if !fi.ModTime().Equal(mtime) {
			t.Errorf("%s modified at %v, want %v", name, fi.ModTime(), mtime)
		}
	}
	if got := Names(t, t.TempDir()); got != nil {
		t.Errorf("Names of an empty folder = %q, want nil", got)
	}
}
