package daemon_test

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/cctvd/cctvd/internal/daemon"
)

// What cctvd --print-config prints, --config reads back as the same
// configuration, whatever bytes the values hold.
func TestPrintConfigRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		// file, if set, is a config file given with --config.
		file string
		// refused: not UTF-8, which a TOML file cannot hold
		refused bool
	}{
		{name: "cameras' tables", args: []string{"--root", "/srv/cctv"}, file: `silent-after = "5m"
[cameras.front]
title = "Front door"
upload-token-file = "/etc/cctvd/front.token"
settle = "1h30m"
crf = 30
[cameras.back_yard]
preset = "fast"
x265-params = "keyint=50"
`},
		{name: "off-site table", args: []string{"--root", "/srv/cctv", "--offsite-rate", "2MiB", "--keep-local", "14"}, file: `[offsite]
target = "s3://cctv/home"
endpoint = "https://s3.example.net"
region = "eu-central-1"
path-style = true
credentials-file = "/etc/cctvd/s3.cred"
part-size = "8MiB"
`},
		{name: "off-site target on the command line", args: []string{"--root", "/srv/cctv", "--offsite", "s3://other"}, file: `[offsite]
target = "s3://cctv/home"
endpoint = "https://s3.example.net"
credentials-file = "/etc/cctvd/s3.cred"
`},
		{name: "view mode's [offsite] table", args: []string{"--view", "s3://cctv"}, file: `[offsite]
endpoint = "https://s3.example.net"
credentials-file = "/etc/cctvd/s3.cred"
path-style = true
`},
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
			if tc.file != "" {
				file := filepath.Join(t.TempDir(), "given.toml")
				if err := os.WriteFile(file, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
				tc.args = append(tc.args, "--config", file)
			}
			want, err := daemon.ParseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			want.ConfigFile = ""
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
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read back\n%+v\nwant\n%+v\nfrom\n%s", got, want, out)
			}
		})
	}
}

// cctvd --check-config says what it checked and exits 0, or names what is
// wrong and exits non-zero, without starting.
func TestCheckConfig(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := os.Mkdir(root, 0o750); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		file string // config file contents; none if empty
		args []string
		// want is in stdout when ok, in stderr when not
		want string
		ok   bool
	}{
		{name: "file", file: "root = '" + root + "'\nhttp = '0.0.0.0:8080'\nhttp-anonymous = true\n", ok: true,
			want: "root    " + root + ": a folder\nstate   " + filepath.Join(root, ".cctvd") + "\nhttp    0.0.0.0:8080\n"},
		{name: "flags", args: []string{"--root", root, "--http", ""}, ok: true, want: "http    off\n"},
		{name: "unknown key", file: "root = '" + root + "'\nroots = 'x'\n", want: `unknown key "roots"`},
		{name: "version in a file", file: "root = '" + root + "'\nversion = true\n", want: `unknown key "version"`},
		{name: "bad value", file: "root = '" + root + "'\njobs = 0\n", want: "--jobs: 0"},
		{name: "crf 0 (the encoder's default, not lossless)", file: "root = '" + root + "'\ncrf = 0\n", want: "--crf: 0, want 1 to 51"},
		{name: "a camera's table", file: "root = '" + root + "'\n[cameras.front]\ntitle = 'Front door'\nsettle = '24h'\n", ok: true,
			want: "camera  front: title \"Front door\", own archive settings, folder " + filepath.Join(root, "front") + "\n"},
		{name: "an unknown key of a camera", file: "root = '" + root + "'\n[cameras.front]\ntitel = 'x'\n", want: `unknown key "cameras.front.titel"`},
		{name: "a camera named like a route", file: "root = '" + root + "'\n[cameras.playlist]\n", want: `"playlist" is reserved`},
		{name: "a camera's bad crf", file: "root = '" + root + "'\n[cameras.front]\ncrf = 60\n", want: "[cameras.front]: crf 60"},
		{name: "a camera's missing token file", file: "root = '" + root + "'\n[cameras.front]\nupload-token-file = '" + filepath.Join(dir, "missing") + "'\n",
			want: "[cameras.front] upload-token-file"},
		{name: "no root folder", args: []string{"--root", filepath.Join(dir, "missing")}, want: "--root: stat"},
		{name: "root is a file", args: []string{"--root", notDir}, want: "is not a folder"},
		{name: "bad log level", args: []string{"--root", root, "--log-level", "loud"}, want: "--log-level"},
		{name: "no ffmpeg", args: []string{"--root", root, "--ffmpeg", filepath.Join(dir, "missing")}, want: "check ffmpeg"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--check-config"}, tc.args...)
			if tc.file != "" {
				file := filepath.Join(t.TempDir(), "cctvd.toml")
				if err := os.WriteFile(file, []byte(tc.file), 0o644); err != nil {
					t.Fatal(err)
				}
				args = append(args, "--config", file)
			}
			cmd := exec.Command(filepath.Join(bin, "cctvd"), args...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			switch {
			case tc.ok && err != nil:
				t.Fatalf("cctvd %q: %v\n%s", args, err, stderr.String())
			case !tc.ok && err == nil:
				t.Fatalf("cctvd %q passed the check:\n%s", args, stdout.String())
			case tc.ok && !strings.Contains(stdout.String(), tc.want):
				t.Errorf("cctvd %q printed\n%s\nwant %q in it", args, stdout.String(), tc.want)
			case !tc.ok && !strings.Contains(stderr.String(), tc.want):
				t.Errorf("cctvd %q said\n%s\nwant %q in it", args, stderr.String(), tc.want)
			}
			if _, err := os.Stat(filepath.Join(root, ".cctvd")); !os.IsNotExist(err) {
				t.Errorf("the check made the state folder (or stat failed: %v)", err)
			}
		})
	}
}

// cctvd --version needs no root; a packaged build prints what
// scripts/package.sh stamped (scripts/package-check.sh checks that).
func TestVersionFlag(t *testing.T) {
	out, err := exec.Command(filepath.Join(bin, "cctvd"), "--version").Output()
	if err != nil {
		t.Fatalf("cctvd --version: %v", err)
	}
	// The test binary's own Version() can differ: go test stamps no VCS revision.
	if f := strings.Fields(string(out)); len(f) != 4 || f[0] != "cctvd" || !strings.HasPrefix(f[2], "(go") || !strings.HasSuffix(f[3], ")") {
		t.Errorf("cctvd --version printed %q, want cctvd VERSION (goX.Y OS/ARCH)", out)
	}
}
