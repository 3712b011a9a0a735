package daemon_test

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// TestScrub runs cctvd and cctvctl scrub as a user would: a day cctvd
// archives itself scrubs clean; a flipped byte in one of a camera's
// archives and a missing checksum are found, named, exit 1, show in
// cctvctl days, the page and the metrics, and outlive a restart; the
// damaged files are left exactly as they were.
func TestScrub(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries and archives a day with ffmpeg")
	}
	root := t.TempDir()
	old := day.Of(time.Now()).AddDays(-5)
	dir := filepath.Join(root, old.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	start0 := old.Start(time.Local).Add(9*time.Hour + 153192286)
	if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 3, First: 1, Start: start0}); err != nil {
		t.Fatal(err)
	}
	// Camera garage: archives as cctvd leaves them (bytes and checksum).
	garage := filepath.Join(root, "garage")
	var files []string
	for i := range 6 {
		files = append(files, writeRandomArchive(t, filepath.Join(garage, old.AddDays(-10-i).String()), "video.mp4", 200_000+i))
	}
	// The garage's days are due (archived: retention may weigh them),
	// the default camera's is not: the test converts it.
	d := start(t, root, "--settle", "240h", "--scrub-rate", "64MiB")

	out, errOut, code := d.Ctl(t, "convert", old.String(), "--force", "--wait")
	if code != 0 {
		t.Fatalf("convert --force --wait: exit %d\n%s%s", code, out, errOut)
	}
	out, errOut, code = d.Ctl(t, "scrub", old.String())
	if code != 0 || !strings.Contains(out, "video.mp4") || !strings.Contains(out, "clean") {
		t.Errorf("scrub of a day cctvd archived: exit %d, want 0\n%s%s", code, out, errOut)
	}
	if out, errOut, code = d.Ctl(t, "scrub", "--all"); code != 0 || !strings.Contains(out, "7 archives") {
		t.Errorf("scrub --all of sound archives: exit %d, want 0 and 7 archives\n%s%s", code, out, errOut)
	}

	flipByte(t, files[2], 123_457)
	flipped, _ := os.ReadFile(files[2])
	if err := os.Remove(files[4] + day.ChecksumSuffix); err != nil {
		t.Fatal(err)
	}
	out, errOut, code = d.Ctl(t, "scrub", "--all")
	if code != 1 || !strings.Contains(out, "DAMAGED: mismatch") || !strings.Contains(out, "DAMAGED: missing-checksum") ||
		!strings.Contains(errOut, "garage/"+old.AddDays(-12).String()+"/video.mp4") {
		t.Errorf("scrub --all with a flipped byte and a missing checksum: exit %d, want 1, both named\n%s%s", code, out, errOut)
	}
	if out, _, _ = d.Ctl(t, "status"); !strings.Contains(out, "DAMAGED garage/"+old.AddDays(-12).String()+"/video.mp4: mismatch") ||
		!strings.Contains(out, "DAMAGED garage/"+old.AddDays(-14).String()+"/video.mp4: missing-checksum") {
		t.Errorf("status does not list the damaged archives:\n%s", out)
	}
	if n := d.Logged("ERROR", "archive DAMAGED", "camera", "garage", "file", files[2]); n != 1 {
		t.Errorf("%d ERROR lines name %s, want 1", n, files[2])
	}
	// One camera's scrub, one day: the other camera is not read.
	if out, errOut, code = d.Ctl(t, "scrub", "--all", "--camera", ""); code != 0 || !strings.Contains(out, "1 archive ") {
		t.Errorf("scrub --all --camera '': exit %d, want 0 and 1 archive\n%s%s", code, out, errOut)
	}
	if _, errOut, code = d.Ctl(t, "scrub", "garage/"+old.AddDays(-14).String()); code != 1 || !strings.Contains(errOut, "damaged") {
		t.Errorf("scrub of a day without its checksum: exit %d, want 1\n%s", code, errOut)
	}
	for _, tt := range []struct {
		name string
		args []string
	}{
		{"unknown day", []string{"scrub", "1999-01-01"}},
		{"bad date", []string{"scrub", "2024-13-45"}},
		{"unknown camera", []string{"scrub", "porch/" + old.String()}},
		{"both", []string{"scrub", old.String(), "--all"}},
		{"neither", []string{"scrub"}},
	} {
		if _, errOut, code := d.Ctl(t, tt.args...); code != 2 {
			t.Errorf("%s: exit %d, want 2 (%s)", tt.name, code, errOut)
		}
	}
	checkDamagedShown(t, d.Ctl, d.Base(), 2)
	// Retention keeps the damaged days, whatever the space.
	out, errOut, _ = d.Ctl(t, "retention", "--dry-run")
	for _, damaged := range []day.Date{old.AddDays(-12), old.AddDays(-14)} {
		if !regexp.MustCompile(`garage\s+` + damaged.String() + `\s+keep\b.*damaged`).MatchString(out) {
			t.Errorf("retention --dry-run does not keep garage/%s as damaged:\n%s%s", damaged, out, errOut)
		}
	}

	// The results outlive cctvd; the damaged files are as they were. At
	// start-up the archiver sets an archive without its checksum aside
	// (an interrupted commit, to its eyes) and keeps it as
	// video.mp4.unverified; the scrubber then has one damaged day left.
	d.Stop(t, 10*time.Second)
	d = start(t, root, "--settle", "240h")
	checkDamagedShown(t, d.Ctl, d.Base(), 1)
	if b, _ := os.ReadFile(files[2]); string(b) != string(flipped) {
		t.Error("the damaged archive was changed")
	}
	if _, err := os.Stat(files[4] + ".unverified"); err != nil {
		t.Errorf("the archive without its checksum: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, ".cctvd", "cameras", "garage", "scrub.json")); err != nil {
		t.Errorf("garage's results: %v", err)
	}
}

func checkDamagedShown(t *testing.T, ctl func(testing.TB, ...string) (string, string, int), base string, damaged int) {
	t.Helper()
	// After a restart the catalog scans the camera's folder first.
	waitFor(t, func() (string, bool) {
		out, errOut, code := ctl(t, "days", "--camera", "garage")
		return fmt.Sprintf("days --camera garage: exit %d, want %d DAMAGED and 4 scrubbed ok\n%s%s", code, damaged, out, errOut),
			code == 0 && strings.Count(out, "DAMAGED") == damaged && strings.Count(out, "scrubbed ok") == 4
	})
	if out, _, _ := ctl(t, "days", "--camera", "", "--json"); !strings.Contains(out, `"scrub_result": "SCRUB_RESULT_OK"`) {
		t.Errorf("days --json of the default camera: no scrub result\n%s", out)
	}
	_, body, _ := get(t, base+"/metrics")
	for _, want := range []string{`cctvd_scrub_failures_total{camera="garage"} 3`, `cctvd_archive_last_scrub_timestamp_seconds{camera="garage"}`,
		`cctvd_scrub_bytes_total{camera=""}`} {
		if !strings.Contains(body, want) && !strings.Contains(body, strings.Replace(want, " 3", " 0", 1)) {
			t.Errorf("metrics lack %s", want)
		}
	}
	_, page, _ := get(t, base+"/cameras/garage/")
	if got := strings.Count(page, "DAMAGED"); got != damaged || !strings.Contains(page, "scrubbed within the hour: ok") {
		t.Errorf("garage's page shows %d damaged days, want %d, and the others scrubbed", got, damaged)
	}
}

// writeRandomArchive writes an archive of random bytes and its checksum file as
// cctvd writes them, with a fractional-second mtime.
func writeRandomArchive(t *testing.T, dir, name string, size int) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, size)
	rand.Read(b)
	p := filepath.Join(dir, name)
	sum := sha512.Sum512(b)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p+day.ChecksumSuffix, []byte(hex.EncodeToString(sum[:])+"  "+name+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mt := time.Now().Add(-240*time.Hour + 153192286)
	os.Chtimes(p, mt, mt)
	return p
}

func flipByte(t *testing.T, p string, off int64) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := []byte{0}
	f.ReadAt(b, off)
	b[0] ^= 0x10
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}
