package daemon_test

import (
	"context"
	"crypto/sha512"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
	"github.com/cctvd/cctvd/internal/retention"
	"github.com/cctvd/cctvd/internal/testbin"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// offsiteConfig writes a config file whose [offsite] table points at
// endpoint with the credentials file cred.
func offsiteConfig(t *testing.T, endpoint, cred string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "cctvd.toml")
	conf := fmt.Sprintf(`keep-free = "0"
[offsite]
target = "s3://%s/site1"
endpoint = %q
path-style = true
credentials-file = %q
part-size = "5MiB"
`, offsitetest.Bucket, endpoint, cred)
	if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// listDays is cctvctl days --json, read back.
func listDays(t *testing.T, d *testbin.Daemon) map[string]*cctvv1.Day {
	t.Helper()
	out, errOut, code := d.Ctl(t, "days", "--json")
	if code != 0 {
		t.Fatalf("cctvctl days --json: %d %s", code, errOut)
	}
	var resp cctvv1.ListDaysResponse
	if err := protojson.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("days --json: %v\n%s", err, out)
	}
	days := map[string]*cctvv1.Day{}
	for _, d := range resp.GetDays() {
		days[d.GetDate()] = d
	}
	return days
}

func offsiteStatus(t *testing.T, d *testbin.Daemon) *cctvv1.OffsiteStatus {
	t.Helper()
	out, errOut, code := d.Ctl(t, "status", "--json")
	if code != 0 {
		t.Fatalf("cctvctl status --json: %d %s", code, errOut)
	}
	var resp cctvv1.GetStatusResponse
	if err := protojson.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("status --json: %v\n%s", err, out)
	}
	return resp.GetOffsite()
}

// metric is the value of one series of the daemon's metrics; -1 if absent.
func metric(t *testing.T, d *testbin.Daemon, series string) float64 {
	t.Helper()
	_, body, _ := get(t, d.Base()+"/metrics")
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`).FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	v, _ := strconv.ParseFloat(m[1], 64)
	return v
}

// TestOffsite runs cctvd with --offsite against a real S3 server (versitygw
// behind a proxy that refuses one day's uploads). With a wrong secret the
// status says so and nothing local is deleted. With the right one, the day
// cctvd archives itself and two days archived before are verified off-site:
// the bucket holds their files at their sizes, and the downloaded video.mp4
// passes sha512sum -c with its downloaded checksum file. --keep-local 3 then
// deletes the local archives of the verified days older than 3 days, keeps
// their index and receipt, and keeps the refused day's archives.
func TestOffsite(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries, runs versitygw and archives a day with ffmpeg")
	}
	gw := offsitetest.Start(t)
	proxy := offsitetest.NewProxy(t, gw.Endpoint)
	root := t.TempDir()
	now := time.Now()
	today := day.Of(now)
	old, refused, archived, young := today.AddDays(-20), today.AddDays(-19), today.AddDays(-5), today.AddDays(-2)
	mp4 := archiveFile(t)
	for _, d := range []day.Date{old, refused, young} {
		writeArchive(t, filepath.Join(root, d.String()), mp4, d.Start(time.Local).Add(23*time.Hour+153192286))
	}
	// archived is archived by cctvd itself; today has footage, so ages
	// count from today.
	for _, r := range []struct {
		date  day.Date
		start time.Time
	}{
		{archived, archived.Start(time.Local).Add(9*time.Hour + 153192286)},
		{today, now.Add(-3*time.Minute + 153192286)},
	} {
		dir := filepath.Join(root, r.date.String())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 3, First: 1, Start: r.start}); err != nil {
			t.Fatal(err)
		}
	}
	proxy.Refuse(func(r *http.Request) int {
		if r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/"+refused.String()+"/") {
			return http.StatusBadRequest
		}
		return 0
	})
	cred := offsitetest.CredFile(t, "not-the-secret")
	conf := offsiteConfig(t, proxy.URL, cred)
	args := []string{"--config", conf, "--keep-local", "3", "--settle", "1h"}

	t.Run("wrong secret: a clear error, nothing deleted", func(t *testing.T) {
		d := start(t, root, args...)
		st := testbin.WaitFor(t, "the off-site error", 60*time.Second, func() (string, bool) {
			o := offsiteStatus(t, d)
			return fmt.Sprint(o), o.GetPermanent() && strings.Contains(o.GetLastError(), "wrong credentials")
		})
		if strings.Contains(st, "not-the-secret") || strings.Contains(d.Log(), "not-the-secret") {
			t.Errorf("the secret is in the status or the log")
		}
		// The archiver archives its day meanwhile; then every day with
		// archives is past --keep-local or the newest, and none is off-site.
		waitForLong(t, func() (string, bool) {
			day := listDays(t, d)[archived.String()]
			return fmt.Sprint(day), day.GetState() == cctvv1.DayState_DAY_STATE_ARCHIVED
		})
		days := listDays(t, d)
		for _, date := range []day.Date{old, refused, archived} {
			if got := days[date.String()].GetOffsiteState(); got != cctvv1.OffsiteState_OFFSITE_STATE_ERROR ||
				!strings.Contains(days[date.String()].GetOffsiteError(), "wrong credentials") {
				t.Errorf("%s: off-site %v %q, want an error naming the credentials", date, got, days[date.String()].GetOffsiteError())
			}
		}
		_, page, _ := get(t, d.Base()+"/")
		for _, date := range []day.Date{old, refused, archived} {
			if !pageOffsite(date, `<span class="failed">off-site: error — [^<]*wrong credentials`).MatchString(page) {
				t.Errorf("the index page shows no credentials error for %s", date)
			}
		}
		out, _, _ := d.Ctl(t, "status")
		if !strings.Contains(out, "offsite stopped, fix the configuration") || !strings.Contains(out, "s3://offsite/site1") {
			t.Errorf("cctvctl status:\n%s", out)
		}
		out, _, _ = d.Ctl(t, "retention", "--dry-run")
		for _, date := range []day.Date{old, refused, archived} {
			if !regexp.MustCompile(date.String() + `.*not verified off-site`).MatchString(out) {
				t.Errorf("retention --dry-run does not keep %s as not verified off-site:\n%s", date, out)
			}
		}
		if v := metric(t, d, `cctvd_offsite_errors_total{camera="",class="credentials"}`); v < 1 {
			t.Errorf("credentials errors in the metrics: %v", v)
		}
		d.Stop(t, 15*time.Second)
		for _, date := range []day.Date{old, refused, archived, young} {
			if _, err := os.Stat(filepath.Join(root, date.String(), "video.mp4")); err != nil {
				t.Errorf("%s: %v", date, err)
			}
		}
	})

	if err := os.WriteFile(cred, []byte("access_key_id = "+offsitetest.KeyID+"\nsecret_access_key = "+offsitetest.Secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	d := start(t, root, args...)
	t.Run("verified off-site", func(t *testing.T) {
		testbin.WaitFor(t, "three days verified", 120*time.Second, func() (string, bool) {
			o := offsiteStatus(t, d)
			return fmt.Sprint(o), o.GetVerifiedDays() == 3 && o.GetQueueLength() == 1
		})
		objs := gw.Objects(t, "site1/")
		key := func(date day.Date, name string) string { return "site1/default/" + date.String() + "/" + name }
		for _, date := range []day.Date{old, young} {
			for _, name := range []string{"video.mp4", "video.mp4.sha512sum"} {
				fi, err := os.Stat(filepath.Join(root, date.String(), name))
				if err != nil {
					continue // deleted by --keep-local already: its size is checked below
				}
				if objs[key(date, name)] != fi.Size() {
					t.Errorf("%s: %d bytes in the bucket, %d local", key(date, name), objs[key(date, name)], fi.Size())
				}
			}
		}
		if objs[key(old, "video.mp4")] != int64(len(mp4)) {
			t.Errorf("%s: %d bytes, want %d", key(old, "video.mp4"), objs[key(old, "video.mp4")], len(mp4))
		}
		for _, name := range []string{archived.String() + ".json", archived.String() + ".summary.json"} {
			local, err := os.Stat(filepath.Join(root, ".cctvd", "archived", name))
			if err != nil || objs[key(archived, name)] != local.Size() {
				t.Errorf("%s: %d bytes in the bucket; local %v", key(archived, name), objs[key(archived, name)], err)
			}
		}
		for k := range objs {
			if strings.Contains(k, refused.String()) {
				t.Errorf("%s: in the bucket, though its uploads were refused", k)
			}
		}
		if _, ok := objs["site1/site.json"]; !ok {
			t.Errorf("no site marker; bucket holds %v", objs)
		}
		// The archive cctvd made, and its checksum, as a restore gets them.
		dir := t.TempDir()
		for _, name := range []string{"video.mp4", "video.mp4.sha512sum"} {
			if err := os.WriteFile(filepath.Join(dir, name), gw.Object(t, key(archived, name)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		cmd := exec.Command("sha512sum", "-c", "video.mp4.sha512sum")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil || !strings.Contains(string(out), "video.mp4: OK") {
			t.Errorf("sha512sum -c of the downloaded archive: %v\n%s", err, out)
		}

		days := listDays(t, d)
		if got := days[young.String()]; got.GetOffsiteState() != cctvv1.OffsiteState_OFFSITE_STATE_VERIFIED || got.GetOffsiteVerifiedTime() == nil {
			t.Errorf("%s: %v, want verified with its time", young, got)
		}
		if got := days[refused.String()]; got.GetOffsiteState() != cctvv1.OffsiteState_OFFSITE_STATE_ERROR || !strings.Contains(got.GetOffsiteError(), "refused by the test") {
			t.Errorf("%s: %v %q, want the server's error", refused, got.GetOffsiteState(), got.GetOffsiteError())
		}
		_, page, _ := get(t, d.Base()+"/")
		for date, want := range map[day.Date]string{
			refused: `<span class="failed">off-site: error — off-site upload [^<]*refused by the test</span>`,
			young:   `<span class="offsite">off-site ✓ `,
		} {
			if !pageOffsite(date, want).MatchString(page) {
				t.Errorf("the index page's off-site state of %s is not %s", date, want)
			}
		}
		out, _, _ := d.Ctl(t, "days")
		if !regexp.MustCompile(young.String() + `.*✓`).MatchString(out) {
			t.Errorf("cctvctl days shows no ✓ for %s:\n%s", young, out)
		}
		if v := metric(t, d, `cctvd_offsite_uploaded_bytes_total{camera=""}`); v < float64(2*len(mp4)) {
			t.Errorf("uploaded bytes %v, want at least two archives' %d", v, 2*len(mp4))
		}
		if v := metric(t, d, `cctvd_offsite_verified_days{camera=""}`); v != 3 {
			t.Errorf("verified days %v, want 3", v)
		}
		if v := metric(t, d, `cctvd_offsite_last_verified_timestamp_seconds{camera=""}`); v < float64(now.Unix()) {
			t.Errorf("last verified %v, want after %d", v, now.Unix())
		}
	})

	t.Run("keep-local", func(t *testing.T) {
		ledger := filepath.Join(root, ".cctvd", retention.LedgerName)
		got := waitFor(t, func() (string, bool) {
			es, err := retention.ReadLedger(ledger)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range es {
				out = append(out, e.Event+" "+e.Day+" "+e.Reason)
			}
			return strings.Join(out, ", "), len(es) == 4
		})
		want := fmt.Sprintf("delete %s keep-local, deleted %s , delete %s keep-local, deleted %s ", old, old, archived, archived)
		if got != want {
			t.Errorf("ledger:\n got %s\nwant %s", got, want)
		}
		for _, date := range []day.Date{old, archived} {
			if _, err := os.Stat(filepath.Join(root, date.String(), "video.mp4")); !os.IsNotExist(err) {
				t.Errorf("%s/video.mp4: %v, want deleted", date, err)
			}
		}
		for _, p := range []string{
			filepath.Join(refused.String(), "video.mp4"), // not off-site
			filepath.Join(young.String(), "video.mp4"),   // off-site, but young
			filepath.Join(".cctvd", "archived", archived.String()+".json"),
			filepath.Join(".cctvd", "archived", archived.String()+".summary.json"),
			filepath.Join(".cctvd", "offsite", "receipts", "default", archived.String()+".json"),
			filepath.Join(".cctvd", "offsite", "receipts", "default", old.String()+".json"),
		} {
			if _, err := os.Stat(filepath.Join(root, p)); err != nil {
				t.Errorf("%s: %v, want kept", p, err)
			}
		}
		// Off-site only now: still verified, and counted.
		if o := offsiteStatus(t, d); o.GetVerifiedDays() != 3 || o.GetKeepLocalDays() != 3 {
			t.Errorf("status: %v, want 3 days verified, keep-local 3", o)
		}
		sum := sha512.Sum512(mp4)
		if b := gw.Object(t, "site1/default/"+old.String()+"/video.mp4"); sha512.Sum512(b) != sum {
			t.Errorf("the bucket's copy of %s differs from the deleted archive", old)
		}
		// The page still lists the day, and its archive comes from the bucket.
		_, page, _ := get(t, d.Base()+"/")
		if !strings.Contains(page, "local copy deleted") || !strings.Contains(page, "off-site ✓") {
			t.Errorf("the index page shows no day served from the bucket")
		}
		code, body, _ := get(t, d.Base()+"/"+old.String()+"/video.mp4")
		if code != http.StatusOK || sha512.Sum512([]byte(body)) != sum {
			t.Errorf("GET %s/video.mp4 after keep-local: %d, %d bytes; want the archive from the bucket", old, code, len(body))
		}
	})
	d.Stop(t, 15*time.Second)
}

// TestOffsiteKill9 kills cctvd (SIGKILL) in the middle of a rate-limited
// multipart upload of a 12 MiB archive, after the server accepted its
// first 5 MiB part: the restarted cctvd resumes the upload, sends fewer
// bytes than the file, and the day is verified with the bucket's copy
// equal to the local archive.
func TestOffsiteKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries and runs versitygw")
	}
	gw := offsitetest.Start(t)
	proxy := offsitetest.NewProxy(t, gw.Endpoint)
	root := t.TempDir()
	date := day.Of(time.Now()).AddDays(-10)
	const size = 12 << 20
	p := writeRandomArchive(t, filepath.Join(root, date.String()), "video.mp4", size)
	local, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	conf := offsiteConfig(t, proxy.URL, offsitetest.CredFile(t, offsitetest.Secret))

	d := start(t, root, "--config", conf, "--offsite-rate", "2MiB")
	select {
	case n := <-proxy.Parts():
		if n != 1 {
			t.Fatalf("first part accepted: %d, want 1", n)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no part accepted within 60 s")
	}
	d.Kill()
	before := proxy.Sent()
	if before >= size {
		t.Fatalf("%d bytes sent before the kill: the upload was not cut", before)
	}
	if _, err := os.Stat(filepath.Join(root, ".cctvd", "offsite", "receipts", "default", date.String()+".json")); !os.IsNotExist(err) {
		t.Fatalf("a receipt before the upload ended: %v", err)
	}

	d = start(t, root, "--config", conf)
	testbin.WaitFor(t, "the day verified", 60*time.Second, func() (string, bool) {
		day := listDays(t, d)[date.String()]
		return fmt.Sprint(day), day.GetOffsiteState() == cctvv1.OffsiteState_OFFSITE_STATE_VERIFIED
	})
	after := proxy.Sent() - before
	t.Logf("sent %d bytes before the kill, %d after the restart, of a %d-byte archive", before, after, size)
	// Part 1 (5 MiB) is on the server and is not sent again.
	if after >= size-5<<20+1<<10 {
		t.Errorf("%d bytes sent after the restart, want fewer than the file less its first part (%d)", after, size-5<<20)
	}
	if got := gw.Object(t, "site1/default/"+date.String()+"/video.mp4"); sha512.Sum512(got) != sha512.Sum512(local) {
		t.Errorf("the bucket's copy (%d bytes) differs from the archive", len(got))
	}
	d.Stop(t, 15*time.Second)
}

// pageOffsite matches day d's row of the index page with its off-site
// state matching state.
func pageOffsite(d day.Date, state string) *regexp.Regexp {
	return regexp.MustCompile(`<td>` + d.String() + `</td>\n<td>archived[^\n]*` + state)
}
