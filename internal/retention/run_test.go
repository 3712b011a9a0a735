package retention

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/disk"
	"github.com/cctvd/cctvd/internal/fakeclock"
)

// fixture is a root of cameras on a pretend file system of total bytes,
// whose free space is total minus the bytes of the files in the root.
type fixture struct {
	t           *testing.T
	root, state string
	total       int64
	clock       *fakeclock.Clock
	cfg         Config
}

func newFixture(t *testing.T, total int64) *fixture {
	t.Helper()
	fx := &fixture{t: t, root: t.TempDir(), state: t.TempDir(), total: total,
		clock: fakeclock.New(time.Date(2026, 11, 29, 13, 4, 5, 153192286, time.UTC))}
	fx.cfg = Config{Root: fx.root, State: fx.state, KeepFree: Limit{Bytes: total / 2},
		Days: fx.days, Folder: fx.folder, Calendar: day.Calendar{Location: time.UTC, Settle: 48 * time.Hour},
		Now: fx.clock.Now, Disk: fx.disk}
	return fx
}

func (fx *fixture) folder(camera string) string { return filepath.Join(fx.root, camera) }

func (fx *fixture) disk(string) (disk.Usage, error) {
	var used int64
	err := filepath.WalkDir(fx.root, func(_ string, e fs.DirEntry, err error) error {
		if err == nil && e.Type().IsRegular() {
			info, _ := e.Info()
			used += info.Size()
		}
		return err
	})
	return disk.Usage{Total: uint64(fx.total), Used: uint64(used), Free: uint64(max(fx.total-used, 0))}, err
}

// days reads the folders as the catalog would tell them.
func (fx *fixture) days(now time.Time) []Day {
	var out []Day
	for _, cam := range []string{"", "garage"} {
		entries, _ := os.ReadDir(fx.folder(cam))
		for _, e := range entries {
			d, err := day.Parse(e.Name())
			if err != nil {
				continue
			}
			dd := Day{Camera: cam, Date: d, Due: fx.cfg.Calendar.IsDue(d, now)}
			files, _ := os.ReadDir(filepath.Join(fx.folder(cam), e.Name()))
			for _, f := range files {
				info, _ := f.Info()
				switch {
				case day.IsArchive(f.Name()):
					_, err := os.Stat(filepath.Join(fx.folder(cam), e.Name(), day.ChecksumName(f.Name())))
					dd.Archives = append(dd.Archives, Archive{Name: f.Name(), Size: info.Size(), Checksum: err == nil})
				case strings.HasSuffix(f.Name(), ".ts"):
					dd.Segments++
				}
			}
			out = append(out, dd)
		}
	}
	return out
}

// archive writes an archived day of camera n days before the clock's
// today: video.mp4 of size bytes and its checksum file.
func (fx *fixture) archive(camera string, n int, size int) string {
	fx.t.Helper()
	d := day.Of(fx.clock.Now()).AddDays(-n)
	dir := filepath.Join(fx.folder(camera), d.String())
	body := []byte(strings.Repeat(d.String()+camera, size/10+1)[:size])
	sum := sha512.Sum512(body)
	must(fx.t, os.MkdirAll(dir, 0o755))
	must(fx.t, os.WriteFile(filepath.Join(dir, "video.mp4"), body, 0o644))
	must(fx.t, os.WriteFile(filepath.Join(dir, "video.mp4.sha512sum"), []byte(hex.EncodeToString(sum[:])+"  video.mp4\n"), 0o644))
	mtime := fx.clock.Now().Add(-time.Duration(n) * 24 * time.Hour)
	must(fx.t, os.Chtimes(filepath.Join(dir, "video.mp4"), mtime, mtime))
	return dir
}

func (fx *fixture) new() *Retention {
	fx.t.Helper()
	r, err := New(fx.cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fx.t.Fatal(err)
	}
	return r
}

func (fx *fixture) ledger() []Entry {
	fx.t.Helper()
	es, err := ReadLedger(filepath.Join(fx.state, LedgerName))
	if err != nil {
		fx.t.Fatal(err)
	}
	return es
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

// events is the ledger as "event camera/day" lines.
func events(es []Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Event+" "+e.Camera+"/"+e.Day)
	}
	return strings.Join(out, ", ")
}

func TestRetentionDeletesOldestUntilRoom(t *testing.T) {
	fx := newFixture(t, 10000)
	d9 := fx.archive("", 9, 1000)
	d8 := fx.archive("garage", 8, 1000)
	d7 := fx.archive("", 7, 1000) // held
	d6 := fx.archive("", 6, 1000)
	must(t, os.WriteFile(filepath.Join(d6, "notes.txt"), []byte("kept"), 0o644))
	d5 := fx.archive("garage", 5, 1000)
	d4 := fx.archive("", 4, 1000)
	d2 := fx.archive("garage", 2, 1000)
	// 7 × 1140 bytes of 10000 used, 4000 to keep free: two days must go.
	fx.cfg.KeepFree = Limit{Bytes: 4000}
	r := fx.new()
	if _, err := r.Hold("", day.Of(fx.clock.Now()).AddDays(-7), "break-in, police ref 1234", "alice"); err != nil {
		t.Fatal(err)
	}
	r.check()

	for _, c := range []struct {
		dir  string
		gone bool
	}{{d9, true}, {d8, true}, {d7, false}, {d6, false}, {d5, false}, {d4, false}, {d2, false}} {
		if got := !exists(filepath.Join(c.dir, "video.mp4")); got != c.gone {
			t.Errorf("%s: gone = %v, want %v", c.dir, got, c.gone)
		}
	}
	if exists(d9) {
		t.Errorf("%s: empty folder left", d9)
	}
	if got, want := events(fx.ledger()), "hold /2026-11-22, delete /2026-11-20, deleted /2026-11-20, delete garage/2026-11-21, deleted garage/2026-11-21"; got != want {
		t.Errorf("ledger:\n got %s\nwant %s", got, want)
	}
	intent := fx.ledger()[1]
	sum := sha512.Sum512([]byte(strings.Repeat("2026-11-20", 101)[:1000]))
	if len(intent.Files) != 2 || intent.Files[0].Name != "2026-11-20/video.mp4" || intent.Files[0].Bytes != 1000 ||
		intent.Files[0].SHA512 != hex.EncodeToString(sum[:]) || intent.Files[1].Name != "2026-11-20/video.mp4.sha512sum" || intent.Reason != "keep-free" {
		t.Errorf("intent = %+v", intent)
	}
	if st := r.Status(); st.Blocked || st.DeletedDays != 2 || st.Err != "" {
		t.Errorf("status = %+v", st)
	}

	// Far shorter: d6 goes (its note stays), then d5; the held day and
	// each camera's newest archive stay, and retention is blocked.
	r.cfg.KeepFree = Limit{Bytes: 9000}
	r.check()
	for _, dir := range []string{d6, d5} {
		if exists(filepath.Join(dir, "video.mp4")) {
			t.Errorf("%s: kept, want deleted", dir)
		}
	}
	if !exists(filepath.Join(d6, "notes.txt")) || !exists(filepath.Join(d7, "video.mp4")) ||
		!exists(filepath.Join(d4, "video.mp4")) || !exists(filepath.Join(d2, "video.mp4")) {
		t.Errorf("deleted what must stay: the note, the held day or a camera's newest archive")
	}
	if st := r.Status(); !st.Blocked || st.DeletedDays != 4 {
		t.Errorf("status = %+v, want blocked after 4 days", st)
	}
}

func TestRetentionLedgerUnwritable(t *testing.T) {
	fx := newFixture(t, 3000)
	d := fx.archive("", 9, 1000)
	fx.archive("", 8, 1000)
	r := fx.new()
	r.led.fail = errors.New("no space left on device")
	r.check()
	if !exists(filepath.Join(d, "video.mp4")) || !exists(filepath.Join(d, "video.mp4.sha512sum")) {
		t.Fatal("a day deleted without its ledger record")
	}
	if st := r.Status(); !strings.Contains(st.Err, "no space left") || st.DeletedDays != 0 {
		t.Errorf("status = %+v, want the ledger's error and nothing deleted", st)
	}
	r.led.fail = nil
	r.check()
	if exists(filepath.Join(d, "video.mp4")) || r.Status().Err != "" {
		t.Errorf("not deleted once the ledger takes records again: %+v", r.Status())
	}
}

// TestRetentionCrashAfterIntent stops a deletion between its ledger intent
// and the first removal, as kill -9 would, and starts again.
func TestRetentionCrashAfterIntent(t *testing.T) {
	for _, tc := range []struct {
		name       string
		meanwhile  func(fx *fixture, dir string, r *Retention)
		gone       bool
		wantEvents string
	}{
		{name: "finished at start-up", gone: true,
			wantEvents: "delete /2026-11-20, deleted /2026-11-20"},
		{name: "held before the restart: abandoned", gone: false,
			meanwhile: func(fx *fixture, dir string, r *Retention) {
				if _, err := r.Hold("", day.Date{Year: 2026, Month: 11, Day: 20}, "evidence", "bob"); err != nil {
					fx.t.Fatal(err)
				}
			},
			wantEvents: "delete /2026-11-20, hold /2026-11-20, abandoned /2026-11-20"},
		{name: "a file changed: abandoned", gone: false,
			meanwhile: func(fx *fixture, dir string, r *Retention) {
				must(fx.t, os.WriteFile(filepath.Join(dir, "video.mp4"), []byte("other"), 0o644))
			},
			wantEvents: "delete /2026-11-20, abandoned /2026-11-20"},
		{name: "half removed: the rest goes", gone: true,
			meanwhile: func(fx *fixture, dir string, r *Retention) {
				must(fx.t, os.Remove(filepath.Join(dir, "video.mp4")))
			},
			wantEvents: "delete /2026-11-20, deleted /2026-11-20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fx := newFixture(t, 3000)
			dir := fx.archive("", 9, 1000)
			fx.archive("", 8, 1000)
			crash := errors.New("killed")
			fx.cfg.afterIntent = func() error { return crash }
			r := fx.new()
			r.check()
			if !exists(filepath.Join(dir, "video.mp4")) || len(fx.ledger()) != 1 {
				t.Fatalf("after the crash: want the day whole and its intent, ledger %s", events(fx.ledger()))
			}
			if tc.meanwhile != nil {
				tc.meanwhile(fx, dir, r)
			}
			fx.cfg.afterIntent = nil
			fx.total = 1 << 40 // no longer short: only the recovery deletes
			fx.new()
			if got := !exists(filepath.Join(dir, "video.mp4.sha512sum")); got != tc.gone {
				t.Errorf("checksum file gone = %v, want %v", got, tc.gone)
			}
			es := fx.ledger()
			if got := events(es); got != tc.wantEvents {
				t.Errorf("ledger:\n got %s\nwant %s", got, tc.wantEvents)
			}
			if last := es[len(es)-1]; !last.Recovered && last.Event == EventDeleted {
				t.Errorf("recovered deletion not marked: %+v", last)
			}
			// A second start finds nothing open.
			fx.new()
			if got := events(fx.ledger()); got != tc.wantEvents {
				t.Errorf("after a second start:\n got %s\nwant %s", got, tc.wantEvents)
			}
		})
	}
}

// TestRetentionClockJumps runs max-age with a wall clock a year ahead and
// one back in 1970: only footage older than the newest footage by more
// than the maximum age goes.
func TestRetentionClockJumps(t *testing.T) {
	fx := newFixture(t, 1<<40)
	fx.cfg.MaxAge = func(string) int { return 30 }
	old := fx.archive("", 40, 100)
	mid := fx.archive("", 20, 100)
	fx.archive("", 3, 100)
	todayDir := filepath.Join(fx.root, day.Of(fx.clock.Now()).String())
	must(t, os.MkdirAll(todayDir, 0o755))
	must(t, os.WriteFile(filepath.Join(todayDir, "13-00-00.ts"), []byte("segment"), 0o644))

	for _, tc := range []struct {
		name string
		now  time.Time
	}{
		{"a year ahead", fx.clock.Now().AddDate(1, 0, 0)},
		{"1970", time.Date(1970, 1, 1, 0, 0, 12, 153192286, time.UTC)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clock := fakeclock.New(tc.now)
			fx.cfg.Now = clock.Now
			r := fx.new()
			p, err := r.DryRun()
			if err != nil {
				t.Fatal(err)
			}
			r.check()
			if tc.name == "a year ahead" && summary(p.Delete) != "/2026-10-20:max-age" {
				t.Errorf("plan deletes %q, want only the day 40 days before the newest footage", summary(p.Delete))
			}
			if !exists(mid) {
				t.Errorf("the day 20 days old deleted with the clock %s", tc.name)
			}
		})
	}
	if exists(old) {
		t.Errorf("the day 40 days before the newest footage is kept")
	}
}

func TestHolds(t *testing.T) {
	fx := newFixture(t, 1<<40)
	r := fx.new()
	d := day.Date{Year: 2026, Month: 11, Day: 3}
	if _, err := r.Hold("garage", d, "", "alice"); !errors.Is(err, ErrNoReason) {
		t.Errorf("hold without a reason: err = %v, want ErrNoReason", err)
	}
	if _, err := r.Release("garage", d, "alice"); !errors.Is(err, ErrNotHeld) {
		t.Errorf("release of a day not held: err = %v, want ErrNotHeld", err)
	}
	if _, err := r.Hold("garage", d, "insurance claim", "alice"); err != nil {
		t.Fatal(err)
	}
	// The hold outlives the process.
	r2 := fx.new()
	h, ok := r2.Held("garage", d)
	if !ok || h.Reason != "insurance claim" || h.Who != "alice" || !h.Time.Equal(fx.clock.Now()) {
		t.Fatalf("after restart: hold = %+v, %v", h, ok)
	}
	if _, ok := r2.Held("", d); ok {
		t.Errorf("the hold of garage's day holds the default camera's")
	}
	// A release that the ledger cannot record is refused: the day stays held.
	r2.led.fail = errors.New("disk full")
	if _, err := r2.Release("garage", d, "bob"); err == nil {
		t.Errorf("release without a ledger record: no error")
	}
	r2.led.fail = nil
	if _, err := r2.Release("garage", d, "bob"); err != nil {
		t.Fatal(err)
	}
	if _, ok := fx.new().Held("garage", d); ok {
		t.Errorf("released hold back after restart")
	}
	es := fx.ledger()
	if got, want := events(es), "hold garage/2026-11-03, release garage/2026-11-03"; got != want {
		t.Errorf("ledger: got %s, want %s", got, want)
	}
	if es[1].Who != "bob" || es[1].Reason != "insurance claim" {
		t.Errorf("release record = %+v", es[1])
	}
}

func TestParseLimitAndAge(t *testing.T) {
	for _, tc := range []struct {
		in    string
		total uint64
		need  int64
		err   bool
	}{
		{in: "10%", total: 1000, need: 100},
		{in: "0", total: 1000, need: 0},
		{in: "50GiB", need: 50 << 30},
		{in: "500MB", need: 500e6},
		{in: "12.5%", total: 1000, need: 125},
		{in: "95%", err: true},
		{in: "-1", err: true},
		{in: "lots", err: true},
	} {
		l, err := ParseLimit(tc.in)
		if (err != nil) != tc.err || (err == nil && l.Need(tc.total) != tc.need) {
			t.Errorf("ParseLimit(%q) = %+v, %v; want need %d, err %v", tc.in, l, err, tc.need, tc.err)
		}
	}
	for _, tc := range []struct {
		in   string
		days int
		err  bool
	}{{in: "365d", days: 365}, {in: "off"}, {in: "", days: 0}, {in: "2w", days: 14}, {in: "48h", days: 2}, {in: "36h", err: true}, {in: "-3d", err: true}} {
		n, err := ParseAge(tc.in)
		if (err != nil) != tc.err || n != tc.days {
			t.Errorf("ParseAge(%q) = %d, %v; want %d, err %v", tc.in, n, err, tc.days, tc.err)
		}
	}
}
