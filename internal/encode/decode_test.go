package encode

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/cctvd/cctvd/internal/footage"
)

func TestDecode(t *testing.T) {
	needFFmpeg(t)
	dir := t.TempDir()
	clean := makeInput(t, dir, input{frames: 250})
	scrambled := filepath.Join(dir, "scrambled.ts")
	b, err := os.ReadFile(clean)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(scrambled, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := footage.Scramble(dir, "scrambled.ts", 0.3, 3); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		path  string
		whole bool
	}{
		{name: "clean", path: clean, whole: true},
		{name: "scrambled", path: scrambled, whole: false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := os.Open(tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			n, err := Decode(t.Context(), fast, f)
			if err != nil {
				t.Fatal(err)
			}
			if whole := n == 250; whole != tt.whole || n > 250 || n == 0 {
				t.Errorf("decoded %d of 250 frames; want all: %v", n, tt.whole)
			}
			t.Logf("decoded %d of 250 frames", n)
		})
	}
}
