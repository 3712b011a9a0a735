package testbin

import (
	"context"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: runs go build")
	}
	dir := filepath.Join(t.TempDir(), "bin") // not there yet
	cctvd, cctvctl, err := Build(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path, args, want string
	}{
		{name: "cctvd", path: cctvd, args: "--help", want: "-root"},
		{name: "cctvctl", path: cctvctl, args: "--help", want: "Usage: cctvctl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if filepath.Dir(tc.path) != dir || filepath.Base(tc.path) != tc.name {
				t.Errorf("path %s, want %s in %s", tc.path, tc.name, dir)
			}
			out, _ := exec.Command(tc.path, tc.args).CombinedOutput()
			if !strings.Contains(string(out), tc.want) {
				t.Errorf("%s %s printed\n%s\nwant %q in it", tc.name, tc.args, out, tc.want)
			}
		})
	}
}

func TestBuildCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, _, err := Build(ctx, t.TempDir()); err == nil {
		t.Error("Build with a cancelled context succeeded")
	}
}
