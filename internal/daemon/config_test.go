package daemon_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/cctvd/cctvd/internal/daemon"
)

// What cctvd --print-config prints, --config reads back as the same
// configuration, whatever bytes the values hold.
func TestPrintConfigRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		// refused: not UTF-8, which a TOML file cannot hold
		refused bool
	}{
		{name: "defaults", args: []string{"--root", "/srv/cctv"}},
		{name: "every kind of value", args: []string{"--root", "/srv/cctv", "--demo", "--settle", "90m30s",
			"--jobs", "3", "--upload-max-bytes", "1048576", "--nice", "-5", "--http", ""}},
		{name: "control characters", args: []string{"--root", "/srv/a\x01b\tc\x7fd\a\v\f", "--x265-params", "a=1\nb=2\x1b"}},
		{name: "non-ASCII", args: []string{"--root", "/srv/Überwachung/カメラ", "--log-level", "\u00a0\u2028"}},
		{name: "quotes and backslashes", args: []string{"--root", `/srv/"cctv"\'x'`, "--preset", `\u0041"""`}},
		{name: "a string that looks like a number", args: []string{"--root", "/srv/cctv", "--x265-params", "123", "--ffmpeg", "true"}},
		{name: "not UTF-8", args: []string{"--root", "/srv/\xff"}, refused: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want, err := daemon.ParseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(filepath.Join(bin, "cctvd"), append(tc.args, "--print-config")...).Output()
			if tc.refused {
				if err == nil {
					t.Fatalf("cctvd --print-config printed\n%s\nwant it refused", out)
				}
				return
			}
			if err != nil {
				t.Fatalf("cctvd --print-config: %v", err)
			}
			file := filepath.Join(t.TempDir(), "cctvd.toml")
			if err := os.WriteFile(file, out, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := daemon.ParseFlags([]string{"--config", file}, io.Discard)
			if err != nil {
				t.Fatalf("--config of what --print-config printed: %v\n%s", err, out)
			}
			got.ConfigFile = ""
			if got != want {
				t.Errorf("read back\n%+v\nwant\n%+v\nfrom\n%s", got, want, out)
			}
		})
	}
}
