package ts

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestScan(t *testing.T) {
	dir, files := caseDir(t)
	for _, c := range footageCases {
		t.Run(c.name, func(t *testing.T) {
			b, err := os.ReadFile(filepath.Join(dir, files[c.name]))
			if err != nil {
				t.Fatal(err)
			}
			r, err := Scan(bytes.NewReader(b))
			if !errors.Is(err, c.wantErr) {
				t.Fatalf("err = %v, want %v", err, c.wantErr)
			}
			want(t, "size", r.Size, int64(len(b)))
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

// A reader that hands out a few bytes at a time must scan like one that does not.
func TestScanShortReads(t *testing.T) {
	dir, files := caseDir(t)
	b, err := os.ReadFile(filepath.Join(dir, files["garbage inside"]))
	if err != nil {
		t.Fatal(err)
	}
	whole, err1 := Scan(bytes.NewReader(b))
	bits, err2 := Scan(&trickle{b: b, n: 7})
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if whole.Frames != bits.Frames || whole.SkippedBytes != bits.SkippedBytes || whole.Packets != bits.Packets {
		t.Errorf("short reads scan differently: %+v vs %+v", whole, bits)
	}
}

type trickle struct {
	b []byte
	n int
}

func (r *trickle) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, errorsEOF
	}
	n := min(r.n, len(p), len(r.b))
	copy(p, r.b[:n])
	r.b = r.b[n:]
	return n, nil
}

func TestScanFileStaysInRoot(t *testing.T) {
	dir := t.TempDir()
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "evil.ts")); err != nil {
		t.Fatal(err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	if _, err := ScanFile(root, "evil.ts"); err == nil {
		t.Error("scanned a symlink that leads out of the root")
	}
	if _, err := ScanFile(root, "../x.ts"); err == nil {
		t.Error("scanned a path outside the root")
	}
}

func TestNaturalLess(t *testing.T) {
	in := []string{"seg10.ts", "seg2.ts", "seg1.ts", "seg02b.ts", "seg9.ts", "a.ts"}
	want := []string{"a.ts", "seg1.ts", "seg2.ts", "seg02b.ts", "seg9.ts", "seg10.ts"}
	got := append([]string{}, in...)
	sortNatural(got)
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("natural order = %v, want %v", got, want)
		}
	}
}
