package daemon_test

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/diskfull"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/retention"
)

// TestRetentionFillsTheDisk runs cctvd on a small tmpfs of archived days:
// filled to under --keep-free, it deletes the oldest archived days first
// across cameras, skipping the held one, until the limit holds, and lists
// them in the ledger; today keeps recording. A deletion whose intent is in
// the ledger when cctvd is killed is finished at the next start. Filled so
// far that nothing may go, cctvd keeps every byte and says so on the page,
// in status and in the metrics.
func TestRetentionFillsTheDisk(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries and mounts a tmpfs")
	}
	root := diskfull.Mount(t, "48m")
	now := time.Now()
	today := day.Of(now)
	mp4 := archiveFile(t)
	size := int64(len(mp4))
	type dd struct {
		camera string
		ago    int
	}
	days := []dd{{"", 10}, {"garage", 9}, {"", 8}, {"", 7}, {"", 6}, {"", 5}, {"garage", 3}}
	dir := func(d dd) string { return filepath.Join(root, d.camera, today.AddDays(-d.ago).String()) }
	sum := sha512.Sum512(mp4)
	for _, d := range days {
		writeArchive(t, dir(d), mp4, now.AddDate(0, 0, -d.ago).Add(153192286))
	}
	todayDir := filepath.Join(root, today.String())
	if err := os.MkdirAll(todayDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := footage.Record(context.Background(), footage.Run{Dir: todayDir, Segments: 2, First: 1, Start: now.Add(-3*time.Minute + 153192286)}); err != nil {
		t.Fatal(err)
	}
	token := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(token, []byte("upload-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	fill := filepath.Join(root, ".fill")
	if err := os.MkdirAll(fill, 0o755); err != nil {
		t.Fatal(err)
	}
	keepFree := 4 * size
	args := []string{"--keep-free", fmt.Sprint(keepFree), "--upload-token-file", token}
	d := start(t, root, args...)
	ledgerPath := filepath.Join(root, ".cctvd", retention.LedgerName)

	held := today.AddDays(-10).String()
	if out, errOut, code := d.Ctl(t, "hold", held, "--reason", "break-in, police ref 1234"); code != 0 || !strings.Contains(out, "held") {
		t.Fatalf("cctvctl hold: %d\n%s%s", code, out, errOut)
	}

	t.Run("the oldest go until the limit holds", func(t *testing.T) {
		// Room for 1.5 archives short of the limit: the three oldest days
		// that may go are deleted (the held one skipped), not the fourth.
		diskfull.Fill(t, fill, keepFree-5*size/2)
		gone := []dd{{"garage", 9}, {"", 8}, {"", 7}}
		want := fmt.Sprintf("hold /%s", held)
		for _, g := range gone {
			date := today.AddDays(-g.ago).String()
			want += fmt.Sprintf(", delete %s/%s, deleted %s/%s", g.camera, date, g.camera, date)
		}
		got := waitFor(t, func() (string, bool) {
			es, err := retention.ReadLedger(ledgerPath)
			if err != nil {
				t.Fatal(err)
			}
			return ledgerEvents(es), ledgerEvents(es) == want
		})
		if got != want {
			t.Fatalf("ledger:\n got %s\nwant %s", got, want)
		}
		for _, g := range gone {
			if _, err := os.Stat(dir(g)); !os.IsNotExist(err) {
				t.Errorf("%s: still there (%v)", dir(g), err)
			}
		}
		for _, k := range []dd{{"", 10}, {"", 6}, {"", 5}, {"garage", 3}} {
			if _, err := os.Stat(filepath.Join(dir(k), "video.mp4")); err != nil {
				t.Errorf("%s: deleted, want kept: %v", dir(k), err)
			}
		}
		es, _ := retention.ReadLedger(ledgerPath)
		intent := es[1]
		if len(intent.Files) != 2 || intent.Files[0].SHA512 != hex.EncodeToString(sum[:]) || intent.Files[0].Bytes != size || intent.Reason != "keep-free" {
			t.Errorf("intent = %+v", intent)
		}
		out, _, _ := d.Ctl(t, "retention", "--dry-run")
		for _, line := range []string{held + "  keep", today.AddDays(-6).String() + "  keep", today.AddDays(-5).String() + "  keep"} {
			if !strings.Contains(out, line) {
				t.Errorf("retention --dry-run lacks %q:\n%s", line, out)
			}
		}
		if !strings.Contains(out, "held") || !strings.Contains(out, "newest archive") || !strings.Contains(out, "limit already met") {
			t.Errorf("retention --dry-run does not say why days stay:\n%s", out)
		}
		out, _, _ = d.Ctl(t, "days", "--camera", "")
		if !strings.Contains(out, "held: break-in, police ref 1234") {
			t.Errorf("cctvctl days does not show the hold:\n%s", out)
		}
		if code, body, _ := get(t, d.Base()+"/index.php"); code != 200 || !strings.Contains(body, "held: break-in, police ref 1234") {
			t.Errorf("index page: %d, no hold shown", code)
		}
	})

	t.Run("today keeps recording", func(t *testing.T) {
		upload(t, d.Base()+"/"+today.String()+"/up1.ts", filepath.Join(todayDir, "seg1.ts"), http.StatusCreated)
	})

	// A deletion killed after its intent is finished at start-up.
	d.Kill()
	victim := dir(dd{"", 6})
	date := today.AddDays(-6).String()
	b, _ := json.Marshal(retention.Entry{Time: time.Now(), Event: retention.EventDelete, Day: date, Reason: "keep-free",
		Files: []retention.LedgerFile{{Name: date + "/video.mp4", Bytes: size, SHA512: hex.EncodeToString(sum[:])},
			{Name: date + "/video.mp4.sha512sum", Bytes: int64(len(hex.EncodeToString(sum[:]) + "  video.mp4\n"))}}})
	f, err := os.OpenFile(ledgerPath, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(append(b, '\n'))
	f.Close()
	d = start(t, root, args...)
	if _, err := os.Stat(victim); !os.IsNotExist(err) {
		t.Errorf("%s: still there after the restart (%v)", victim, err)
	}
	es, _ := retention.ReadLedger(ledgerPath)
	if last := es[len(es)-1]; last.Event != retention.EventDeleted || !last.Recovered || last.Day != date {
		t.Errorf("last ledger entry = %+v, want the recovered deletion of %s", last, date)
	}

	t.Run("nothing may go: every byte kept, and said so", func(t *testing.T) {
		more := filepath.Join(fill, "more")
		if err := os.MkdirAll(more, 0o755); err != nil {
			t.Fatal(err)
		}
		diskfull.Fill(t, more, size/2)
		out := waitFor(t, func() (string, bool) {
			out, errOut, _ := d.Ctl(t, "status")
			return out + errOut, strings.Contains(out, "BLOCKED")
		})
		if !strings.Contains(out, "retention: BLOCKED") {
			t.Errorf("status:\n%s", out)
		}
		for _, k := range []dd{{"", 10}, {"", 5}, {"garage", 3}} {
			if _, err := os.Stat(filepath.Join(dir(k), "video.mp4")); err != nil {
				t.Errorf("%s: deleted while blocked: %v", dir(k), err)
			}
		}
		if n := d.Logged("ERROR", "disk short of space and retention may delete nothing: every byte is kept; hold fewer days, free space or add disk"); n != 1 {
			t.Errorf("%d ERRORs for the blocked disk, want 1", n)
		}
		if _, body, _ := get(t, d.Base()+"/metrics"); !strings.Contains(body, "cctvd_retention_blocked 1") {
			t.Errorf("metrics lack cctvd_retention_blocked 1")
		}
		for _, page := range []string{"/", "/index.php", "/cameras/garage/"} {
			if _, body, _ := get(t, d.Base()+page); !strings.Contains(body, "Disk short of space") {
				t.Errorf("%s: no banner", page)
			}
		}
		if _, _, code := d.Ctl(t, "release", held); code != 0 {
			t.Errorf("cctvctl release: %d", code)
		}
		// Released, the day goes at the next check.
		waitFor(t, func() (string, bool) {
			_, err := os.Stat(dir(dd{"", 10}))
			return dir(dd{"", 10}), os.IsNotExist(err)
		})
	})
}

// ledgerEvents is a ledger as "event camera/day" items.
func ledgerEvents(es []retention.Entry) string {
	var out []string
	for _, e := range es {
		out = append(out, e.Event+" "+e.Camera+"/"+e.Day)
	}
	return strings.Join(out, ", ")
}

// archiveFile is a small real mp4, as an archive of a day.
func archiveFile(t *testing.T) []byte {
	t.Helper()
	out := filepath.Join(t.TempDir(), "video.mp4")
	cmd := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "4",
		"-c:v", "libx264", "-preset", "ultrafast", "-crf", "8", "-pix_fmt", "yuv420p", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeArchive writes an archived day's folder: video.mp4 and its checksum.
func writeArchive(t *testing.T, dir string, mp4 []byte, mtime time.Time) {
	t.Helper()
	sum := sha512.Sum512(mp4)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string][]byte{"video.mp4": mp4, "video.mp4.sha512sum": []byte(hex.EncodeToString(sum[:]) + "  video.mp4\n")} {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, mtime, mtime); err != nil {
			t.Fatal(err)
		}
	}
}

func upload(t *testing.T, url, from string, want int) {
	t.Helper()
	seg, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPut, url, bytes.NewReader(seg))
	req.Header.Set("Authorization", "Bearer upload-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != want {
		t.Errorf("PUT %s: %d, want %d", url, resp.StatusCode, want)
	}
}
