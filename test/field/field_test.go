// Package field is the field test: it behaves like a camera owner. Footage
// comes from ffmpeg's segment muxer with the modification times a camera
// gives its files (fractions of a second, spread over the day), travels by
// rsync, curl and a stalled scp-like copy while cctvd runs, into a root that
// existed before cctvd started; the real cctvd and cctvctl take it from
// ingest to an archive that passes sha512sum -c, and every step's playlists
// are read with ffprobe.
package field

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
	"github.com/cctvd/cctvd/internal/testbin"
)

// zone is the camera owner's time zone: not UTC, so that a day's bounds
// and PROGRAM-DATE-TIMEs are checked where they differ from UTC.
const zone = "Europe/Berlin"

// binDir holds cctvd and cctvctl, built once as a user builds them.
var binDir string

func TestMain(m *testing.M) { testbin.Main(m, &binDir) }

// startDaemon runs cctvd on root in the camera owner's time zone and waits
// until it serves HTTP and the control plane.
func startDaemon(t *testing.T, root string, args ...string) *testbin.Daemon {
	t.Helper()
	return testbin.Start(t, binDir, []string{"TZ=" + zone}, append([]string{"--root", root}, args...)...)
}

// dayStates asks cctvctl for every day's state.
func dayStates(t *testing.T, d *testbin.Daemon) map[string]string {
	t.Helper()
	out, errOut, code := d.Ctl(t, "days", "--json")
	if code != 0 {
		t.Fatalf("cctvctl days --json: exit %d: %s", code, errOut)
	}
	var resp struct {
		Days []struct{ Date, State string }
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("cctvctl days --json: %v\n%s", err, out)
	}
	states := map[string]string{}
	for _, day := range resp.Days {
		states[day.Date] = strings.TrimPrefix(day.State, "DAY_STATE_")
	}
	return states
}

var get = testbin.Get

func waitFor(t *testing.T, what string, limit time.Duration, f func() (string, bool)) string {
	t.Helper()
	return testbin.WaitFor(t, what, limit, f)
}

// at is a wall-clock time of day d in the owner's zone, with a fraction.
func at(loc *time.Location, d day.Date, h, m, s int, frac time.Duration) time.Time {
	return time.Date(d.Year, d.Month, d.Day, h, m, s, int(frac), loc)
}

// untilMidnight waits out the last minutes of a day: a day that turns
// while the test runs would move "today" under its feet.
func untilMidnight(t *testing.T, loc *time.Location) time.Time {
	now := time.Now().In(loc)
	if left := day.Of(now).End(loc).Sub(now); left < 10*time.Minute {
		t.Logf("waiting %v for midnight in %s", left.Round(time.Second), zone)
		time.Sleep(left + time.Second)
		now = time.Now().In(loc)
	}
	return now
}

// site is a camera owner's root and the cctvd serving it, shared by the
// field test's steps in order.
type site struct {
	tf            *testing.T // the whole test's: a daemon restarted in a step lives on after it
	loc           *time.Location
	root          string
	cam           *camera
	today         day.Date
	past          day.Date // archived by cctvd on its own
	settling      day.Date // forced, interrupted, resumed
	pastDir       string
	settlingDir   string
	todayDir      string
	pastRuns      []run
	pastFrames    int
	firstFilmed   time.Time
	settlingRun   string
	settlingNames []string
	todayRun      string
	todayNames    []string
	token         string
	args          []string
	d             *testbin.Daemon
	// gw is the owner's off-site bucket (versitygw), which cctvd copies
	// the archived days to under prefix.
	gw     *offsitetest.Server
	prefix string
}

// run is a camera run's staged files.
type run struct {
	dir   string
	names []string
}

func TestField(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the field test films, uploads and archives for a few minutes")
	}
	s := newSite(t)
	t.Run("past day archives with a camera's fractional times", s.pastDay)
	t.Run("the archived day is verified off-site and checks out from the bucket", s.offsiteCopy)
	t.Run("today arrives by rsync and curl while cctvd runs", s.rsyncAndCurl)
	t.Run("a stalled scp-like copy is never published half", s.stalledCopy)
	t.Run("an upload retried after its day was archived stores nothing", s.retryAfterArchive)
	t.Run("a late backlog is archived beside the day's archive", s.lateBacklog)
	t.Run("a camera clock a day ahead does not take over live viewing", s.clockAhead)
	t.Run("a forced conversion interrupted by SIGTERM resumes", s.forcedResume)
	t.Run("a restart during the first scan never ends a day's playlist early", s.firstScan)
	t.Run("a second camera's folder arrives by rsync and curl while cctvd runs", s.secondCamera)
	t.Run("every archive checks out and nothing is left behind", s.finalCheck)
}

// newSite makes the root as a camera owner has it before cctvd starts — a
// past day filmed in three runs (two camera restarts), a settling day, and
// today's first minutes — and starts cctvd on it.
func newSite(t *testing.T) *site {
	ensureTools(t)
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	now := untilMidnight(t, loc)
	today := day.Of(now)
	past, settling := today.AddDays(-3), today.AddDays(-1)
	cam := newCamera(t, uint64(now.UnixNano()))

	// The root exists before cctvd starts: a past day filmed in three runs
	// (two camera restarts), a settling day, and today's first minutes.
	root := t.TempDir()
	pastDir, settlingDir, todayDir := mkdir(t, root, past), mkdir(t, root, settling), mkdir(t, root, today)
	var pastRuns []run
	firstFilmed := at(loc, past, 6, 12, 3, 417_305_112)
	for i, r := range []struct {
		start time.Time
		n     int
	}{
		{firstFilmed, 4},
		{at(loc, past, 13, 45, 51, 902_000_001), 3},
		{at(loc, past, 23, 58, 31, 280_513_000), 2},
	} {
		dir, names := cam.film(r.start, r.n, 1+10*i)
		rsync(t, dir, names, pastDir)
		pastRuns = append(pastRuns, run{dir, names})
	}
	var pastFrames int
	for _, r := range pastRuns {
		for _, n := range r.names {
			pastFrames += frames(t, filepath.Join(r.dir, n))
		}
	}
	settlingRun, settlingNames := cam.film(at(loc, settling, 21, 7, 9, 330_000_017), 8, 1)
	rsync(t, settlingRun, settlingNames, settlingDir)
	todayRun, todayNames := cam.film(now.Add(-3*time.Minute).Truncate(time.Millisecond).Add(123_456), 6, 1)
	rsync(t, todayRun, todayNames[:2], todayDir)

	token := filepath.Join(t.TempDir(), "upload.token")
	if err := os.WriteFile(token, []byte("field-test-camera-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The owner's off-site bucket, reached as the packaged config's
	// [offsite] table says: the endpoint, path-style, the credentials file.
	gw, prefix := offsitetest.Start(t), "field"
	conf := filepath.Join(t.TempDir(), "cctvd.toml")
	table := fmt.Sprintf("[offsite]\nendpoint = %q\npath-style = true\ncredentials-file = %q\n", gw.Endpoint, gw.CredentialsFile)
	if err := os.WriteFile(conf, []byte(table), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{"--upload-token-file", token, "--chunk-segments", "2", "--jobs", "1",
		"--config", conf, "--offsite", "s3://" + gw.Bucket + "/" + prefix}
	return &site{tf: t, loc: loc, root: root, cam: cam, today: today, past: past, settling: settling,
		pastDir: pastDir, settlingDir: settlingDir, todayDir: todayDir, pastRuns: pastRuns, pastFrames: pastFrames,
		firstFilmed: firstFilmed, settlingRun: settlingRun, settlingNames: settlingNames, todayRun: todayRun,
		todayNames: todayNames, token: token, args: args, d: startDaemon(t, root, args...), gw: gw, prefix: prefix}

}

// mkdir makes day d's folder under root.
func mkdir(t *testing.T, root string, d day.Date) string {
	t.Helper()
	dir := filepath.Join(root, d.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func (s *site) pastDay(t *testing.T) {
	past, pastDir, pastFrames, firstFilmed := s.past, s.pastDir, s.pastFrames, s.firstFilmed
	waitFor(t, past.String()+" archived", 5*time.Minute, func() (string, bool) {
		st := dayStates(t, s.d)[past.String()]
		return st, st == "ARCHIVED"
	})
	sha512sumCheck(t, pastDir, "video.mp4.sha512sum")
	mp4 := filepath.Join(pastDir, "video.mp4")
	if got := frames(t, mp4); got != pastFrames {
		t.Errorf("video.mp4 holds %d frames, the camera filmed %d", got, pastFrames)
	}
	// The files tell the first frame's time to within the camera's
	// latency (under a second); the mp4 holds whole seconds.
	if got := creationTime(t, mp4); got.Before(firstFilmed.Truncate(time.Second)) || got.After(firstFilmed.Add(time.Second)) {
		t.Errorf("creation_time %v, want the second of the first frame, filmed at %v", got, firstFilmed.UTC())
	}
	if ts, _ := filepath.Glob(filepath.Join(pastDir, "*.ts")); len(ts) != 0 {
		t.Errorf("segments left after archiving: %v", ts)
	}
	// A player asking for the day's playlist gets the archive.
	if got := frames(t, s.d.Base()+"/playlist.m3u8?date="+past.String()); got != pastFrames {
		t.Errorf("the day's playlist plays %d frames, want %d", got, pastFrames)
	}
	if _, out, code := s.d.Ctl(t, "verify", past.String()); code != 0 {
		t.Errorf("cctvctl verify %s: exit %d\n%s", past, code, out)
	}
}

// offsiteCopy follows the archived day to the owner's bucket: cctvd's
// uploader copies it on its own once it is archived; cctvctl days shows it
// verified off-site, and the archive and its checksum file, downloaded from
// the bucket, pass the real sha512sum -c and are the local files.
func (s *site) offsiteCopy(t *testing.T) {
	past := s.past.String()
	limit := 3 * time.Minute
	if dl, ok := t.Deadline(); ok {
		limit = min(limit, time.Until(dl))
	}
	waitFor(t, past+" verified off-site", limit, func() (string, bool) {
		o := offsiteStates(t, s.d)[past]
		return fmt.Sprintf("%+v", o), o.State == "OFFSITE_STATE_VERIFIED"
	})
	out, _, _ := s.d.Ctl(t, "days")
	if got := column(out, past, "OFFSITE"); got != "✓" {
		t.Errorf("cctvctl days: %s's OFFSITE is %q, want ✓:\n%s", past, got, out)
	}
	dir := t.TempDir()
	for _, name := range []string{"video.mp4", "video.mp4.sha512sum"} {
		b := s.gw.Object(t, s.prefix+"/default/"+past+"/"+name)
		local, err := os.ReadFile(filepath.Join(s.pastDir, name))
		if err != nil || !slices.Equal(b, local) {
			t.Errorf("the bucket's %s (%d bytes) is not the local one (%d bytes, %v)", name, len(b), len(local), err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sha512sumCheck(t, dir, "video.mp4.sha512sum")
	_, page, _ := get(t, s.d.Base()+"/")
	if !regexp.MustCompile(`<td>` + past + `</td>\n<td>archived[^\n]*off-site ✓ `).MatchString(page) {
		t.Errorf("the index page does not show %s verified off-site", past)
	}
}

// offsiteDay is a day's off-site state as cctvctl days --json has it.
type offsiteDay struct {
	State string `json:"offsite_state"`
	Err   string `json:"offsite_error"`
}

// offsiteStates asks cctvctl for every day's off-site state.
func offsiteStates(t *testing.T, d *testbin.Daemon) map[string]offsiteDay {
	t.Helper()
	out, errOut, code := d.Ctl(t, "days", "--json")
	if code != 0 {
		t.Fatalf("cctvctl days --json: exit %d: %s", code, errOut)
	}
	var resp struct {
		Days []struct {
			Date string
			offsiteDay
		}
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		t.Fatalf("cctvctl days --json: %v\n%s", err, out)
	}
	states := map[string]offsiteDay{}
	for _, day := range resp.Days {
		states[day.Date] = day.offsiteDay
	}
	return states
}

// column is the cell of a cctvctl table in the row starting with first,
// under the header name: the columns line up in characters.
func column(table, first, name string) string {
	lines := strings.Split(table, "\n")
	at := strings.Index(lines[0], name)
	if at < 0 {
		return ""
	}
	at = len([]rune(lines[0][:at]))
	for _, l := range lines[1:] {
		if r := []rune(l); strings.HasPrefix(l, first+" ") && len(r) > at {
			cell, _, _ := strings.Cut(string(r[at:]), " ")
			return cell
		}
	}
	return ""
}

func (s *site) rsyncAndCurl(t *testing.T) {
	today, todayDir, todayRun, todayNames, token := s.today, s.todayDir, s.todayRun, s.todayNames, s.token
	rsync(t, todayRun, todayNames[2:4], todayDir)
	url := fmt.Sprintf("%s/%s/%s", s.d.Base(), today, todayNames[4])
	if code := curlPut(t, filepath.Join(todayRun, todayNames[4]), url, token); code != 201 {
		t.Errorf("curl -T %s: %d, want 201", todayNames[4], code)
	}
	// A camera's retry of the same upload is safe.
	if code := curlPut(t, filepath.Join(todayRun, todayNames[4]), url, token); code != 200 {
		t.Errorf("curl -T %s again: %d, want 200", todayNames[4], code)
	}
	pl := waitFor(t, "today's playlist to list 5 segments", time.Minute, func() (string, bool) {
		_, body, _ := get(t, s.d.Base()+"/playlist.m3u8?date="+today.String())
		return body, strings.Count(body, "#EXTINF") == 5
	})
	checkTodayPlaylist(t, s.d.Base()+"/", pl, todayRun, todayNames[:5])
}

func (s *site) stalledCopy(t *testing.T) {
	today, todayDir, todayRun, todayNames := s.today, s.todayDir, s.todayRun, s.todayNames
	name := todayNames[5]
	finish := stalledCopy(t, filepath.Join(todayRun, name), filepath.Join(todayDir, name))
	// Longer than the 3 s a file may stand still before it counts as
	// complete: a slow link stalls longer than any such rule.
	stall := time.NewTimer(5 * time.Second)
	<-stall.C
	_, pl, _ := get(t, s.d.Base()+"/playlist.m3u8?date="+today.String())
	if strings.Contains(pl, name) {
		t.Errorf("today's playlist lists the half-written %s:\n%s", name, pl)
	}
	if code, _, h := get(t, fmt.Sprintf("%s/%s/%s", s.d.Base(), today, name)); code == 200 && publicCache(h) {
		t.Errorf("the half-written %s is served with Cache-Control %q: a cache would pin the truncated body", name, h.Get("Cache-Control"))
	}
	finish()
	pl = waitFor(t, "today's playlist to list the finished copy", time.Minute, func() (string, bool) {
		_, body, _ := get(t, s.d.Base()+"/playlist.m3u8?date="+today.String())
		return body, strings.Contains(body, name)
	})
	checkTodayPlaylist(t, s.d.Base()+"/", pl, todayRun, todayNames)
}

func (s *site) retryAfterArchive(t *testing.T) {
	past, pastDir, pastRuns, pastFrames, token := s.past, s.pastDir, s.pastRuns, s.pastFrames, s.token
	name := pastRuns[0].names[1]
	code := curlPut(t, filepath.Join(pastRuns[0].dir, name), fmt.Sprintf("%s/%s/%s", s.d.Base(), past, name), token)
	if code != 200 {
		t.Errorf("re-upload of archived %s: %d, want 200 (already archived)", name, code)
	}
	if _, err := os.Stat(filepath.Join(pastDir, name)); !os.IsNotExist(err) {
		t.Errorf("re-upload of archived %s was stored in the day folder (%v)", name, err)
	}
	if st := dayStates(t, s.d)[past.String()]; st != "ARCHIVED" {
		t.Errorf("%s is %s after the retry, want ARCHIVED", past, st)
	}
	if got := frames(t, s.d.Base()+"/playlist.m3u8?date="+past.String()); got != pastFrames {
		t.Errorf("after the retry the day's playlist plays %d frames, want the archive's %d", got, pastFrames)
	}
}

func (s *site) lateBacklog(t *testing.T) {
	loc, past, cam, pastDir, pastFrames := s.loc, s.past, s.cam, s.pastDir, s.pastFrames
	lateRun, lateNames := cam.film(at(loc, past, 18, 30, 12, 612_000_333), 2, 50)
	rsync(t, lateRun, lateNames, pastDir)
	// The day is long due: cctvd archives the backlog on its own.
	waitFor(t, "the backlog archived", 5*time.Minute, func() (string, bool) {
		st := dayStates(t, s.d)[past.String()]
		_, err := os.Stat(filepath.Join(pastDir, "video-2.mp4.sha512sum"))
		return st, st == "ARCHIVED" && err == nil
	})
	sha512sumCheck(t, pastDir, "video.mp4.sha512sum")
	sha512sumCheck(t, pastDir, "video-2.mp4.sha512sum")
	late := 0
	for _, n := range lateNames {
		late += frames(t, filepath.Join(lateRun, n))
	}
	if got := frames(t, filepath.Join(pastDir, "video-2.mp4")); got != late {
		t.Errorf("video-2.mp4 holds %d frames, the backlog %d", got, late)
	}
	// The main archive stays what the day's playlist plays, and the page
	// lists both archives in order.
	if got := frames(t, s.d.Base()+"/playlist.m3u8?date="+past.String()); got != pastFrames {
		t.Errorf("the day's playlist plays %d frames, want video.mp4's %d", got, pastFrames)
	}
	_, page, _ := get(t, s.d.Base()+"/")
	main, second := strings.Index(page, past.String()+"/video.mp4"), strings.Index(page, past.String()+"/video-2.mp4")
	if main < 0 || second < 0 || second < main {
		t.Errorf("index page: video.mp4 at %d, video-2.mp4 at %d: want both, in order", main, second)
	}
}

func (s *site) clockAhead(t *testing.T) {
	root, today, todayRun, todayNames, token := s.root, s.today, s.todayRun, s.todayNames, s.token
	tomorrow := today.Next()
	src := filepath.Join(todayRun, todayNames[0])
	if code := curlPut(t, src, fmt.Sprintf("%s/%s/ahead1.ts", s.d.Base(), tomorrow), token); code != 201 {
		t.Errorf("upload into tomorrow (%s): %d, want 201 (kept, a camera on another zone)", tomorrow, code)
	}
	for _, bad := range []string{"0001-01-01", "1969-12-31", "9999-12-30", today.AddDays(30).String()} {
		if code := curlPut(t, src, fmt.Sprintf("%s/%s/odd.ts", s.d.Base(), bad), token); code < 400 || code > 499 {
			t.Errorf("upload into %s: %d, want a 4xx", bad, code)
		}
		if _, err := os.Stat(filepath.Join(root, bad)); !os.IsNotExist(err) {
			t.Errorf("upload into %s made its folder (%v)", bad, err)
		}
	}
	// A camera whose clock is far off, copying by rsync: its folders
	// are kept and listed, and take nothing over.
	farOff := today.AddDays(5).String()
	rsync(t, todayRun, todayNames[:1], mkdir(t, root, today.AddDays(5)))
	rsync(t, todayRun, todayNames[:1], filepath.Join(root, "9999-12-31"))
	waitFor(t, "the wrong-clock folders to be seen", time.Minute, func() (string, bool) {
		states := dayStates(t, s.d)
		_, ahead := states[tomorrow.String()]
		_, far := states[farOff]
		_, end := states["9999-12-31"]
		return fmt.Sprint(states), ahead && far && end
	})
	code, _, h := get(t, s.d.Base()+"/playlist.m3u8?live=1")
	if want := "date=" + today.String(); code != 302 || !strings.Contains(h.Get("Location"), want) {
		t.Errorf("?live=1: %d to %q, want 302 to %s", code, h.Get("Location"), want)
	}
	_, live, _ := get(t, s.d.Base()+"/playlist.m3u8?live=1&date="+today.String())
	if strings.Contains(live, tomorrow.String()) {
		t.Errorf("today's live playlist runs on into tomorrow's wrong-clock footage:\n%s", live)
	}
}

func (s *site) forcedResume(t *testing.T) {
	settling, settlingDir, settlingRun, settlingNames := s.settling, s.settlingDir, s.settlingRun, s.settlingNames
	if out, errOut, code := s.d.Ctl(t, "convert", settling.String(), "--force"); code != 0 {
		t.Fatalf("cctvctl convert %s --force: exit %d\n%s%s", settling, code, out, errOut)
	}
	// Stop cctvd once the first of the day's four chunks is encoded.
	waitFor(t, "the first chunk", 2*time.Minute, func() (string, bool) {
		out, _, _ := s.d.Ctl(t, "status", "--json")
		return out, regexp.MustCompile(`"chunk":\s*[2-9]`).MatchString(out)
	})
	s.d.Stop(t, time.Minute)
	s.d = startDaemon(s.tf, s.root, s.args...)
	if st := dayStates(t, s.d)[settling.String()]; st == "SETTLING" {
		if out, _, _ := s.d.Ctl(t, "status"); !strings.Contains(out, settling.String()) {
			t.Errorf("cctvctl status does not mention the interrupted conversion of %s:\n%s", settling, out)
		}
	}
	waitFor(t, settling.String()+" archived after the restart", 5*time.Minute, func() (string, bool) {
		st := dayStates(t, s.d)[settling.String()]
		return st, st == "ARCHIVED"
	})
	sha512sumCheck(t, settlingDir, "video.mp4.sha512sum")
	want := 0
	for _, n := range settlingNames {
		want += frames(t, filepath.Join(settlingRun, n))
	}
	if got := frames(t, filepath.Join(settlingDir, "video.mp4")); got != want {
		t.Errorf("%s/video.mp4 holds %d frames, want %d", settling, got, want)
	}
}

func (s *site) firstScan(t *testing.T) {
	loc, root, today, cam := s.loc, s.root, s.today, s.cam
	// A settling day cctvd has never seen, and no scan cache: the first
	// scan after the restart must happen before its playlist is final.
	fresh := today.AddDays(-2)
	freshRun, freshNames := cam.film(at(loc, fresh, 10, 0, 0, 500_000_042), 6, 1)
	s.d.Stop(t, time.Minute)
	rsync(t, freshRun, freshNames, mkdir(t, root, fresh))
	s.d = startDaemon(s.tf, s.root, s.args...)
	code, pl, h := get(t, s.d.Base()+"/playlist.m3u8?date="+fresh.String())
	switch {
	case code == 503 && h.Get("Retry-After") != "":
	case code == 200 && strings.Contains(pl, "#EXT-X-ENDLIST") && strings.Count(pl, "#EXTINF") != len(freshNames):
		t.Errorf("right after start-up the day's playlist is final with %d of %d segments:\n%s",
			strings.Count(pl, "#EXTINF"), len(freshNames), pl)
	case code != 200:
		t.Errorf("right after start-up the day's playlist: %d", code)
	}
	pl = waitFor(t, "the fresh day's playlist", time.Minute, func() (string, bool) {
		_, body, _ := get(t, s.d.Base()+"/playlist.m3u8?date="+fresh.String())
		return body, strings.Count(body, "#EXTINF") == len(freshNames)
	})
	want := 0
	for _, n := range freshNames {
		want += frames(t, filepath.Join(freshRun, n))
	}
	if got := frames(t, s.d.Base()+"/playlist.m3u8?date="+fresh.String()); got != want {
		t.Errorf("ffprobe reads %d frames through the playlist, want %d:\n%s", got, want, pl)
	}
}

// secondCamera adds a camera to the running cctvd the way its owner
// would: its upload script rsyncs a past day into ROOT/garage/DATE/ (the
// camera folder is new), and curl uploads today's segments to its routes
// with the root's token. The camera is served without a restart, its past
// day archived in its own folder, its today played from its playlist.
func (s *site) secondCamera(t *testing.T) {
	garage := filepath.Join(s.root, "garage")
	if err := os.Mkdir(garage, 0o755); err != nil {
		t.Fatal(err)
	}
	pastRun, pastNames := s.cam.film(at(s.loc, s.past, 17, 3, 41, 602_118_493), 3, 1)
	pastFrames := 0
	for _, n := range pastNames {
		pastFrames += frames(t, filepath.Join(pastRun, n))
	}
	rsync(t, pastRun, pastNames, filepath.Join(garage, s.past.String()))
	todayRun, todayNames := s.cam.film(time.Now().Add(-2*time.Minute).Truncate(time.Millisecond).Add(987_654), 3, 1)
	base := s.d.Base() + "/cameras/garage/"
	// The camera is found within moments of its folder: until then an
	// upload to it is 404 and makes nothing.
	waitFor(t, "camera garage served", 30*time.Second, func() (string, bool) {
		code, body, _ := get(t, base)
		return body, code == 200
	})
	for _, n := range todayNames {
		if code := curlPut(t, filepath.Join(todayRun, n), base+s.today.String()+"/"+n, s.token); code != 201 {
			t.Errorf("curl -T garage's %s: %d, want 201", n, code)
		}
	}
	pl := waitFor(t, "garage's playlist of today", time.Minute, func() (string, bool) {
		_, body, _ := get(t, base+"playlist.m3u8?date="+s.today.String())
		return body, strings.Count(body, "#EXTINF") == 3
	})
	// Its segment URIs resolve under /cameras/garage/, to garage's files.
	checkTodayPlaylist(t, base, pl, todayRun, todayNames)
	pastDir := filepath.Join(garage, s.past.String())
	waitFor(t, "garage's past day archived", 5*time.Minute, func() (string, bool) {
		_, err := os.Stat(filepath.Join(pastDir, "video.mp4.sha512sum"))
		return pastDir, err == nil
	})
	sha512sumCheck(t, pastDir, "video.mp4.sha512sum")
	if got := frames(t, filepath.Join(pastDir, "video.mp4")); got != pastFrames {
		t.Errorf("garage's video.mp4 holds %d frames, the camera filmed %d", got, pastFrames)
	}
	// The default camera's day of the same date is untouched by garage's.
	if got := frames(t, filepath.Join(s.pastDir, "video.mp4")); got != s.pastFrames {
		t.Errorf("the default camera's video.mp4 holds %d frames, want %d", got, s.pastFrames)
	}
}

func (s *site) finalCheck(t *testing.T) {
	root := s.root
	s.d.Stop(t, time.Minute)
	sums, _ := filepath.Glob(filepath.Join(root, "*", "*.sha512sum"))
	cameraSums, _ := filepath.Glob(filepath.Join(root, "*", "*", "*.sha512sum"))
	sums = append(sums, cameraSums...)
	if len(sums) < 4 {
		t.Errorf("%d checksum files, want 4 or more: %v", len(sums), sums)
	}
	for _, s := range sums {
		sha512sumCheck(t, filepath.Dir(s), filepath.Base(s))
	}
	var leftovers []string
	filepath.WalkDir(root, func(p string, e os.DirEntry, err error) error {
		if err == nil && !e.IsDir() && (strings.HasSuffix(p, ".tmp") || strings.HasPrefix(e.Name(), ".") && !strings.Contains(p, "/.cctvd/")) {
			leftovers = append(leftovers, p)
		}
		return nil
	})
	if len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}
}

// checkTodayPlaylist reads today's EVENT playlist as a player does: each
// segment it lists is fetched and probed, and must be exactly the camera's
// file, at the camera's duration.
func checkTodayPlaylist(t *testing.T, dir, pl, src string, names []string) {
	t.Helper()
	if strings.Contains(pl, "#EXT-X-ENDLIST") {
		t.Errorf("today's playlist is final:\n%s", pl)
	}
	var listed []string
	for _, l := range strings.Split(pl, "\n") {
		if strings.HasSuffix(l, ".ts") {
			listed = append(listed, filepath.Base(l))
			want := frames(t, filepath.Join(src, filepath.Base(l)))
			if got := frames(t, dir+l); got != want {
				t.Errorf("%s: ffprobe reads %d frames over HTTP, the camera filmed %d", l, got, want)
			}
		}
	}
	if !slices.Equal(listed, names) {
		t.Errorf("today's playlist lists %v, want %v", listed, names)
	}
	for _, l := range strings.Split(pl, "\n") {
		if strings.HasPrefix(l, "#EXTINF:") && !strings.HasPrefix(l, "#EXTINF:10.000") {
			t.Errorf("a camera's 10-second segment listed as %s", l)
		}
	}
}

// publicCache reports a response a shared cache may keep for long.
func publicCache(h map[string][]string) bool {
	cc := strings.Join(h["Cache-Control"], ",")
	return !strings.Contains(cc, "no-cache") && !strings.Contains(cc, "no-store") && strings.Contains(cc, "max-age=") && !strings.Contains(cc, "max-age=0")
}
