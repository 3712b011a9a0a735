package archive

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/fakeclock"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/testfs"
)

// The test calendar: two old days are due, a young one is settling and
// today is being recorded.
var (
	cleanDay = day.Date{Year: 2026, Month: 11, Day: 20}
	messyDay = day.Date{Year: 2026, Month: 11, Day: 21}
	youngDay = day.Date{Year: 2026, Month: 11, Day: 23}
	todayDay = day.Date{Year: 2026, Month: 11, Day: 24}
	testNow  = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	// fraction puts footage off the whole second, as every real camera's
	// is: whole-second footage hid a verify bug that failed every real day.
	fraction = 153192286 * time.Nanosecond
)

// fixtures are made once per test binary and copied into each test's root.
var fixtures struct {
	once sync.Once
	dir  string
	err  error
}

func fixtureDir(t *testing.T) string {
	t.Helper()
	fixtures.once.Do(func() {
		fixtures.dir, fixtures.err = os.MkdirTemp("", "archive-fixtures-")
		if fixtures.err != nil {
			return
		}
		ctx := context.Background()
		mk := func(name string, f func(dir string) error) {
			dir := filepath.Join(fixtures.dir, name)
			if fixtures.err == nil {
				fixtures.err = os.Mkdir(dir, 0o755)
			}
			if fixtures.err == nil {
				fixtures.err = f(dir)
			}
		}
		mk("clean", func(dir string) error {
			_, err := footage.Record(ctx, footage.Run{Dir: dir, Segments: 6, First: 1, Start: cleanDay.Start(time.UTC).Add(8*time.Hour + fraction)})
			return err
		})
		mk("messy", func(dir string) error {
			_, err := footage.MakeMessy(ctx, dir, messyDay.Start(time.UTC).Add(9*time.Hour))
			return err
		})
		mk("young", func(dir string) error {
			_, err := footage.Record(ctx, footage.Run{Dir: dir, Segments: 2, First: 1, Start: youngDay.Start(time.UTC).Add(10*time.Hour + fraction)})
			return err
		})
	})
	if fixtures.err != nil {
		t.Fatalf("make fixtures: %v", fixtures.err)
	}
	return fixtures.dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if fixtures.dir != "" {
		os.RemoveAll(fixtures.dir)
	}
	os.Exit(code)
}

// copyDay copies a fixture day into root/date, keeping modification times.
func copyDay(t *testing.T, fixture, root string, date day.Date) {
	t.Helper()
	testfs.CopyDir(t, filepath.Join(fixtureDir(t), fixture), filepath.Join(root, date.String()))
}

// newRoot makes a root with the clean, messy, young and today days.
func newRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	copyDay(t, "clean", root, cleanDay)
	copyDay(t, "messy", root, messyDay)
	copyDay(t, "young", root, youngDay)
	copyDay(t, "young", root, todayDay)
	return root
}

// steps records the steps an archiver reports.
type steps struct {
	mu   sync.Mutex
	all  []Step
	idle chan struct{}
}

func newSteps() *steps { return &steps{idle: make(chan struct{}, 1)} }

func (s *steps) hook(st Step) {
	s.mu.Lock()
	s.all = append(s.all, st)
	s.mu.Unlock()
	if st.Name == StepIdle {
		select {
		case s.idle <- struct{}{}:
		default:
		}
	}
}

func (s *steps) count(name string, date day.Date) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, st := range s.all {
		if st.Name == name && st.Date == date {
			n++
		}
	}
	return n
}

// waitIdle waits for the archiver to have nothing queued or running.
func (s *steps) waitIdle(t *testing.T) {
	t.Helper()
	select {
	case <-s.idle:
	case <-time.After(5 * time.Minute):
		t.Fatal("archiver never became idle")
	}
}

// testConfig is a fast archiver for small footage.
func testConfig(root string, c *fakeclock.Clock, s *steps) Config {
	return Config{
		Root:          root,
		Calendar:      day.Calendar{Location: time.UTC, Settle: DefaultSettle},
		ChunkSegments: 3,
		Encode:        encode.Settings{Preset: "ultrafast", CRF: 30, Nice: encode.DefaultNice, StallTimeout: time.Minute},
		Now:           c.Now,
		AfterStep:     s.hook,
	}
}

func testLogger(t *testing.T) *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// start runs an archiver until the test ends.
func start(t *testing.T, cfg Config) *Archiver {
	t.Helper()
	a, err := New(cfg, testLogger(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("run: %v", err)
		}
		a.Close()
	})
	return a
}

// listing is a folder's names, sizes and modification times.
func listing(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		m[e.Name()] = strconv.FormatInt(info.Size(), 10) + " " + info.ModTime().String()
	}
	return m
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	var n []string
	for name := range listing(t, dir) {
		n = append(n, name)
	}
	slices.Sort(n)
	return n
}

// ffprobeFrames is what the real ffprobe finds in a file.
func ffprobeFrames(t *testing.T, name string) (codec string, frames int) {
	t.Helper()
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets",
		"-show_entries", "stream=codec_name,nb_read_packets", "-of", "json", name).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", name, err)
	}
	var v struct {
		Streams []struct {
			Codec string `json:"codec_name"`
			N     string `json:"nb_read_packets"`
		}
	}
	if err := json.Unmarshal(out, &v); err != nil || len(v.Streams) != 1 {
		t.Fatalf("ffprobe %s: %v %s", name, err, out)
	}
	n, _ := strconv.Atoi(v.Streams[0].N)
	return v.Streams[0].Codec, n
}

// sha512sumCheck runs the real `sha512sum -c` in the day folder.
func sha512sumCheck(t *testing.T, dir, file string) {
	t.Helper()
	cmd := exec.Command("sha512sum", "-c", day.ChecksumName(file))
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("sha512sum -c in %s: %v: %s", dir, err, out)
	}
}

// segmentNames are the .ts files of a folder.
func segmentNames(t *testing.T, dir string) []string {
	t.Helper()
	var n []string
	for _, name := range names(t, dir) {
		if filepath.Ext(name) == ".ts" && name[0] != '.' {
			n = append(n, name)
		}
	}
	return n
}

func exists(name string) bool {
	_, err := os.Lstat(name)
	return !errors.Is(err, fs.ErrNotExist)
}

// slowTest marks a test that runs ffmpeg or mounts a file system (why):
// it runs in parallel, and -short skips it.
func slowTest(t *testing.T, why string) {
	t.Helper()
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: " + why)
	}
}

// cleanRoot makes a root with only the clean day, and returns it and the
// day's folder.
func cleanRoot(t *testing.T) (root, dir string) {
	t.Helper()
	root = t.TempDir()
	copyDay(t, "clean", root, cleanDay)
	return root, filepath.Join(root, cleanDay.String())
}

// restartChangesNothing runs a new archiver on root, once the last one
// stopped, and checks that it leaves the clean day's folder dir as it is;
// it returns the day's status.
func restartChangesNothing(t *testing.T, root, dir string, c *fakeclock.Clock) DayStatus {
	t.Helper()
	before := listing(t, dir)
	s := newSteps()
	a := start(t, testConfig(root, c, s))
	s.waitIdle(t)
	if got := listing(t, dir); !maps.Equal(got, before) {
		t.Errorf("a second archiver changed the day: %v", got)
	}
	return dayStatus(t, a, cleanDay)
}
