package ts

import (
	"io"
	"os"
	"slices"
	"testing"
)

var errorsEOF = io.EOF

func sortNatural(s []string) {
	slices.SortFunc(s, func(a, b string) int { return naturalCompare(a, b) })
}

// dirFiles is what PlanDir would offer NewPlan.
func dirFiles(t testing.TB, dir string) []File {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		f := File{Name: e.Name(), Mode: e.Type(), Size: info.Size(), ModTime: info.ModTime()}
		if IsCandidate(f.Name, f.Mode) && f.Size > 0 {
			f.Report, f.Err = ScanFile(root, f.Name)
		}
		files = append(files, f)
	}
	if len(files) == 0 {
		t.Fatalf("no files in %s", dir)
	}
	return files
}
