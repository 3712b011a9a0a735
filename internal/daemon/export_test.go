package daemon_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// TestExport runs cctvd and exports a range of a named camera with
// cctvctl and over HTTP: the three files arrive, sha512sum -c passes, and
// the daemon keeps nothing of the export.
func TestExport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries")
	}
	root, state := t.TempDir(), t.TempDir()
	now := time.Now()
	begin := now.Add(-5*time.Minute + 153192286)
	dir := filepath.Join(root, "front", day.Of(begin).String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 3, First: 1, Start: begin}); err != nil {
		t.Fatal(err)
	}
	d := start(t, root, "--state", state)
	from := begin.Add(3 * time.Second).Format(time.RFC3339Nano)

	out := filepath.Join(t.TempDir(), "clip.mp4")
	// The catalog may still be scanning the files: then there is no footage yet.
	waitFor(t, func() (string, bool) {
		stdout, stderr, code := d.Ctl(t, "export", "front", from, "15s", "-o", out)
		if code != 0 && !strings.Contains(stderr, "no footage") {
			t.Fatalf("cctvctl export: %d\n%s%s", code, stdout, stderr)
		}
		return stderr, code == 0
	})
	sum := exec.Command("sha512sum", "-c", "clip.mp4.sha512sum")
	sum.Dir = filepath.Dir(out)
	if b, err := sum.CombinedOutput(); err != nil {
		t.Errorf("sha512sum -c: %v\n%s", err, b)
	}
	b, err := os.ReadFile(strings.TrimSuffix(out, ".mp4") + ".json")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		Camera  string `json:"camera"`
		Frames  int    `json:"frames"`
		Sources []struct {
			Path string `json:"path"`
		} `json:"sources"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Camera != "front" || m.Frames != 15*25 || len(m.Sources) != 2 {
		t.Errorf("manifest %+v (%v)\n%s", m, err, b)
	}

	if _, stderr, code := d.Ctl(t, "export", "front", begin.Add(-time.Hour).Format(time.RFC3339), "10m"); code == 0 || !strings.Contains(stderr, "nearest footage begins") {
		t.Errorf("an hour before the footage: %d %s", code, stderr)
	}
	if code, body, h := get(t, d.Base()+"/cameras/front/export.mp4?start="+strings.ReplaceAll(from, "+", "%2B")+"&duration=5s"); code != 200 || h.Get("X-Checksum-Sha512") == "" || !strings.Contains(body[:12], "ftyp") {
		t.Errorf("GET export.mp4: %d %v", code, h)
	}
	entries, _ := os.ReadDir(filepath.Join(state, "cameras", "front", "export"))
	if len(entries) != 0 {
		t.Errorf("the daemon kept %v", entries)
	}
}
