package archive

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/diskfull"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/fakeclock"
)

// fakeFFmpeg writes a script that stands in for ffmpeg: it passes the
// encoder check and start-up to the real one and misbehaves on encoding.
func fakeFFmpeg(t *testing.T, body string) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "ffmpeg")
	script := "#!/bin/bash\ncase \" $* \" in *\" -encoders \"*) exec ffmpeg \"$@\";; esac\n" + body + "\n"
	if err := os.WriteFile(name, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestFailuresLeaveTheDayAsItWas(t *testing.T) {
	slowTest(t, "runs ffmpeg")
	tests := []struct {
		name string
		// script is the fake ffmpeg's behaviour when it encodes or joins.
		script string
		// stall is the watchdog's timeout.
		stall time.Duration
		// want is in the error; wantIs is wrapped by it; stderr is in ffmpeg's last lines.
		want   string
		wantIs error
		stderr string
	}{
		{name: "exits 1", script: `echo "x265 [error]: encoder exploded" >&2; exit 1`,
			want: "exit status 1", stderr: "encoder exploded"},
		{name: "hangs", script: `echo "stuck" >&2; exec sleep 3600`, stall: 2 * time.Second,
			wantIs: encode.ErrStalled, stderr: "stuck"},
		{name: "writes garbage", script: `out="${@: -1}"; cat >/dev/null; head -c 100000 /dev/urandom >"${out#file:}"; ` +
			`printf 'frame=1000\nprogress=end\n'`, want: "probe"},
		{name: "join drops frames", script: `args=(); for a in "$@"; do args+=("$a"); [ "$a" = copy ] && args+=(-ss 1); done; ` +
			`exec ffmpeg "${args[@]}"`, wantIs: encode.ErrFrameMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root, dir := cleanRoot(t)
			before := listing(t, dir)
			c := fakeclock.New(testNow)
			s := newSteps()
			cfg := testConfig(root, c, s)
			cfg.Encode.FFmpeg = fakeFFmpeg(t, tt.script)
			if tt.stall != 0 {
				cfg.Encode.StallTimeout = tt.stall
			}
			a := start(t, cfg)
			s.waitIdle(t)

			if got := listing(t, dir); !maps.Equal(got, before) {
				t.Errorf("day folder changed: %v, was %v", got, before)
			}
			d := dayStatus(t, a, cleanDay)
			if d.State != StateFailed || d.Err == nil {
				t.Fatalf("state %s, err %v; want failed", d.State, d.Err)
			}
			if tt.want != "" && !strings.Contains(d.Err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", d.Err, tt.want)
			}
			if tt.wantIs != nil && !errors.Is(d.Err, tt.wantIs) {
				t.Errorf("error %q is not %v", d.Err, tt.wantIs)
			}
			if tt.stderr != "" && !slices.ContainsFunc(d.StderrTail, func(l string) bool { return strings.Contains(l, tt.stderr) }) {
				t.Errorf("stderr tail %q lacks %q", d.StderrTail, tt.stderr)
			}
			if d.Progress.Phase != PhaseFailed || !d.NextAttempt.Equal(testNow.Add(DefaultRetryMin)) {
				t.Errorf("phase %s, next attempt %v; want failed, retried at %v", d.Progress.Phase, d.NextAttempt, testNow.Add(DefaultRetryMin))
			}
			checkNoLeftovers(t, root)
		})
	}
}

// checkNoLeftovers fails on partial or temporary files anywhere under root.
func checkNoLeftovers(t *testing.T, root string) {
	t.Helper()
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, encode.PartialSuffix) || strings.HasSuffix(p, ".tmp") || isTempName(d.Name())) {
			t.Errorf("left behind: %s", p)
		}
		return nil
	})
}

func dayStatus(t *testing.T, a *Archiver, date day.Date) DayStatus {
	t.Helper()
	for _, d := range a.Status().Days {
		if d.Date == date {
			return d
		}
	}
	t.Fatalf("no status for %s", date)
	return DayStatus{}
}

// TestDiskFull archives a day on a small tmpfs that is full: it fails
// with nothing deleted and succeeds on the retry once there is room.
func TestDiskFull(t *testing.T) {
	slowTest(t, "runs ffmpeg and mounts a tmpfs")
	root := diskfull.Mount(t, "16m")
	copyDay(t, "clean", root, cleanDay)
	dir := filepath.Join(root, cleanDay.String())
	before := listing(t, dir)
	free := diskfull.Fill(t, root, 300<<10)

	c := fakeclock.New(testNow)
	s := newSteps()
	a := start(t, testConfig(root, c, s))
	s.waitIdle(t)
	if got := listing(t, dir); !maps.Equal(got, before) {
		t.Errorf("day folder changed on a full disk: %v", got)
	}
	d := dayStatus(t, a, cleanDay)
	if d.State != StateFailed || !strings.Contains(strings.ToLower(d.Err.Error()+strings.Join(d.StderrTail, "\n")), "space") {
		t.Fatalf("state %s, err %v, stderr %q; want failed for want of space", d.State, d.Err, d.StderrTail)
	}
	checkNoLeftovers(t, root)

	free()
	c.Advance(DefaultRetryMin)
	a.Kick()
	s.waitIdle(t)
	if got, want := names(t, dir), []string{"video.mp4", "video.mp4.sha512sum"}; !slices.Equal(got, want) {
		t.Fatalf("after the retry the day holds %v, want %v", got, want)
	}
	sha512sumCheck(t, dir, "video.mp4")
}
