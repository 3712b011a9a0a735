// Package testbin builds cctvd and cctvctl for the tests and test programs
// that run the real binaries, as they are deployed.
package testbin

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Build builds cctvd and cctvctl into dir (made if missing) and returns
// their paths. It runs the go command, so it must run inside this module,
// as tests and "go run" do. One go build makes both: what they share is
// compiled once.
func Build(ctx context.Context, dir string) (cctvd, cctvctl string, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", "", fmt.Errorf("build cctvd and cctvctl: %w", err)
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", dir+string(filepath.Separator),
		"github.com/cctvd/cctvd/cmd/cctvd", "github.com/cctvd/cctvd/cmd/cctvctl")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", "", fmt.Errorf("build cctvd and cctvctl: %w: %s", err, strings.TrimSpace(string(out)))
	}
	return filepath.Join(dir, "cctvd"), filepath.Join(dir, "cctvctl"), nil
}
