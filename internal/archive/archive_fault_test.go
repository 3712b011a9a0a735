package archive

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"golang.org/x/sys/unix"
)

// Environment of the helper process that TestKillAndResume kills.
const (
	helperRoot  = "ARCHIVE_HELPER_ROOT"  // footage root; unset outside the helper
	helperKill  = "ARCHIVE_HELPER_KILL"  // "step:chunk" to SIGKILL itself after
	helperSteps = "ARCHIVE_HELPER_STEPS" // file the helper logs its steps to
)

// faultChunkSegments makes the clean day's 6 segments 3 chunks.
const faultChunkSegments = 2

// TestHelperProcess is not a test: TestKillAndResume runs the test binary
// with it as an archiver that kills itself (SIGKILL) after a chosen step.
func TestHelperProcess(t *testing.T) {
	root := os.Getenv(helperRoot)
	if root == "" {
		return
	}
	stepLog, err := os.OpenFile(os.Getenv(helperSteps), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	s := newSteps()
	cfg := testConfig(root, fakeclock.New(testNow), s)
	cfg.ChunkSegments = faultChunkSegments
	kill := os.Getenv(helperKill)
	cfg.AfterStep = func(st Step) {
		line := fmt.Sprintf("%s:%d", st.Name, st.Chunk)
		fmt.Fprintln(stepLog, line)
		if line == kill {
			syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		}
		s.hook(st)
	}
	start(t, cfg)
	s.waitIdle(t)
	t.Fatalf("helper was not killed at %s", kill)
}

func TestKillAndResume(t *testing.T) {
	slowTest(t, "encodes footage with ffmpeg")
	tests := []struct {
		name  string
		kill  string
		chunk int
		// reencoded counts the chunks the restarted archiver encodes (of 3).
		reencoded int
		crf       int // a different CRF for the restart
	}{
		{name: "during encode", kill: StepChunkStarted, chunk: 1, reencoded: 2},
		{name: "after a chunk", kill: StepChunkEncoded, chunk: 0, reencoded: 2},
		{name: "after the last chunk", kill: StepChunkEncoded, chunk: 2, reencoded: 0},
		{name: "settings changed", kill: StepChunkEncoded, chunk: 0, reencoded: 3, crf: 31},
		{name: "after join", kill: StepJoined},
		{name: "after verify", kill: StepVerified},
		{name: "between rename and checksum", kill: StepRenamed},
		{name: "after checksum", kill: StepChecksummed},
		{name: "during deletion", kill: StepDeleting},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			copyDay(t, "clean", root, cleanDay)
			segs := segmentNames(t, filepath.Join(fixtureDir(t), "clean"))
			kill := fmt.Sprintf("%s:%d", tt.kill, tt.chunk)
			runHelper(t, root, kill)
			waitNoFFmpeg(t, root)
			checkInvariant(t, root, segs)

			c := fakeclock.New(testNow)
			s := newSteps()
			cfg := testConfig(root, c, s)
			cfg.ChunkSegments = faultChunkSegments
			if tt.crf != 0 {
				cfg.Encode.CRF = tt.crf
			}
			start(t, cfg)
			s.waitIdle(t)
			dir := filepath.Join(root, cleanDay.String())
			if got, want := names(t, dir), []string{"video.mp4", "video.mp4.sha512sum"}; !slices.Equal(got, want) {
				t.Fatalf("after restart the day holds %v, want %v", got, want)
			}
			sha512sumCheck(t, dir, "video.mp4")
			if codec, frames := ffprobeFrames(t, filepath.Join(dir, "video.mp4")); codec != "hevc" || frames != 1500 {
				t.Errorf("video.mp4 is %s with %d frames, want hevc with 1500", codec, frames)
			}
			if got := s.count(StepChunkEncoded, cleanDay); got != tt.reencoded {
				t.Errorf("restart encoded %d chunks, want %d", got, tt.reencoded)
			}
		})
	}
}

// runHelper runs the helper archiver on root until it kills itself at kill.
func runHelper(t *testing.T, root, kill string) {
	t.Helper()
	stepLog := filepath.Join(t.TempDir(), "steps")
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperRoot+"="+root, helperKill+"="+kill, helperSteps+"="+stepLog)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("helper: %v, want killed by SIGKILL:\n%s", err, out)
	}
	b, err := os.ReadFile(stepLog)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Fields(string(b))
	if len(lines) == 0 || lines[len(lines)-1] != kill {
		t.Fatalf("helper steps %v, want them to end at %s", lines, kill)
	}
}

// waitNoFFmpeg fails if a process working on root outlives the killed helper.
func waitNoFFmpeg(t *testing.T, root string) {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		b, err := os.ReadFile(p)
		if err != nil || !bytes.Contains(b, []byte(root)) {
			continue
		}
		pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
		t.Logf("waiting for process %d: %s", pid, bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
		fd, err := unix.PidfdOpen(pid, 0)
		if err != nil {
			continue // gone already
		}
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int((10 * time.Second).Milliseconds()))
		unix.Close(fd)
		if n == 0 || err != nil {
			t.Errorf("process %d (%s) outlived the killed archiver: %v", pid, bytes.ReplaceAll(b, []byte{0}, []byte{' '}), err)
		}
	}
}

// checkInvariant asserts what a crash may leave: the day has all its
// segments, or a verified archive; a video.mp4 without its checksum file
// is one the manifest verified, and the segments are all there.
func checkInvariant(t *testing.T, root string, segs []string) {
	t.Helper()
	dir := filepath.Join(root, cleanDay.String())
	fixture := filepath.Join(fixtureDir(t), "clean")
	all := true
	for _, s := range segs {
		got, err := os.ReadFile(filepath.Join(dir, s))
		want, _ := os.ReadFile(filepath.Join(fixture, s))
		if err != nil || !bytes.Equal(got, want) {
			all = false
		}
	}
	video, sum := filepath.Join(dir, "video.mp4"), filepath.Join(dir, "video.mp4.sha512sum")
	switch {
	case exists(video) && exists(sum):
		sha512sumCheck(t, dir, "video.mp4")
		if codec, frames := ffprobeFrames(t, video); codec != "hevc" || frames != 1500 {
			t.Errorf("archive after the crash is %s with %d frames", codec, frames)
		}
	case exists(video):
		m, err := readManifest(filepath.Join(root, day.StateDir, "work", cleanDay.String()))
		if err != nil || m == nil || m.Phase != phaseVerified {
			t.Fatalf("video.mp4 without checksum and no verified manifest (%v)", err)
		}
		r, _ := os.OpenRoot(dir)
		defer r.Close()
		if got, _, _ := hashRoot(r, "video.mp4"); got != m.SHA512 {
			t.Error("video.mp4 without checksum is not what the manifest verified")
		}
		if !all {
			t.Error("segments deleted before the checksum file was written")
		}
	case exists(sum):
		t.Error("checksum file without archive")
	case !all:
		t.Error("segments missing and no archive")
	}
	for _, n := range names(t, dir) {
		if strings.HasSuffix(n, ".unverified") {
			t.Errorf("%s set aside", n)
		}
	}
}
