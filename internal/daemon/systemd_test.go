package daemon_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cctvd/cctvd/internal/daemon"
)

// The shipped unit must pass systemd's own checks and start cctvd with
// flags cctvd accepts.
func TestSystemdUnit(t *testing.T) {
	unit, err := os.ReadFile("../../contrib/systemd/cctvd.service")
	if err != nil {
		t.Fatal(err)
	}
	var exec0 []string
	for _, l := range strings.Split(string(unit), "\n") {
		if v, ok := strings.CutPrefix(l, "ExecStart="); ok {
			exec0 = strings.Fields(v)
		}
	}
	if len(exec0) < 2 || filepath.Base(exec0[0]) != "cctvd" {
		t.Fatalf("ExecStart = %q", exec0)
	}
	cfg, err := daemon.ParseFlags(exec0[1:], io.Discard)
	if err != nil {
		t.Fatalf("cctvd refuses the unit's flags: %v", err)
	}
	if cfg.GRPC != "unix:///run/cctvd/cctvd.sock" {
		t.Errorf("unit's socket %q is not where cctvctl looks first", cfg.GRPC)
	}
	// systemd-analyze checks that ExecStart exists: point it at the built binary.
	dir := t.TempDir()
	path := filepath.Join(dir, "cctvd.service")
	text := strings.Replace(string(unit), "ExecStart="+exec0[0], "ExecStart="+filepath.Join(bin, "cctvd"), 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("systemd-analyze", "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
