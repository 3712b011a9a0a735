package daemon_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/testbin"
)

// TestCameras runs cctvd on a root of the default camera and named ones:
// each is served under /cameras/NAME/ with its own days, a camera folder
// made while cctvd runs is served without a restart, folders that cannot
// be cameras are refused by name and left alone, a camera's token writes
// only that camera's folders, and every camera's past day is archived in
// its own folder.
func TestCameras(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds both binaries and archives two days with ffmpeg")
	}
	root, outside := t.TempDir(), t.TempDir()
	now := time.Now()
	old, today := day.Of(now).AddDays(-3), day.Of(now)
	film := func(dir string, d day.Date, start time.Time, segments int) {
		t.Helper()
		dir = filepath.Join(dir, d.String())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: segments, First: 1, Start: start}); err != nil {
			t.Fatal(err)
		}
	}
	oldStart := old.Start(time.Local).Add(14*time.Hour + 153192286)
	film(root, today, now.Add(-3*time.Minute), 2)
	film(filepath.Join(root, "front"), old, oldStart, 2)
	film(filepath.Join(root, "front"), today, now.Add(-3*time.Minute+417000000), 3)
	film(filepath.Join(root, "back"), old, oldStart.Add(31*time.Minute+9000000), 2)
	// Folders that are not cameras: a route's name, a symlink out of the root.
	film(filepath.Join(root, "playlist"), today, now.Add(-5*time.Minute), 1)
	film(outside, today, now.Add(-5*time.Minute), 1)
	if err := os.Symlink(outside, filepath.Join(root, "escape")); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for _, who := range []string{"root", "front"} {
		tokens[who] = filepath.Join(t.TempDir(), who+".token")
		if err := os.WriteFile(tokens[who], []byte(who+"-secret-token\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	config := filepath.Join(t.TempDir(), "cctvd.toml")
	if err := os.WriteFile(config, []byte(`[cameras.front]
title = "Front door"
upload-token-file = "`+tokens["front"]+`"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	d := start(t, root, "--config", config, "--upload-token-file", tokens["root"], "--settle", "1s", "--chunk-segments", "2")
	base := d.Base()

	t.Run("overview and routes", func(t *testing.T) {
		code, body, _ := get(t, base+"/")
		if code != 200 || !strings.Contains(body, "Front door") || !strings.Contains(body, "cameras/back/") || strings.Contains(body, "playlist/") || strings.Contains(body, "escape") {
			t.Errorf("overview: %d\n%s", code, body)
		}
		// The default camera's page and routes are where they always were.
		if code, body, _ := get(t, base+"/index.php"); code != 200 || !strings.Contains(body, today.String()) || strings.Contains(body, old.String()) {
			t.Errorf("the default camera's index: %d, lists only its own day: %v", code, !strings.Contains(body, old.String()))
		}
		for _, tc := range []struct {
			name, path string
			code       int
			has        string
		}{
			{name: "a camera's page", path: "/cameras/front/", code: 200, has: old.String()},
			{name: "a camera's page names it", path: "/cameras/front/", code: 200, has: "<h1>Front door</h1>"},
			{name: "a camera's page without a title", path: "/cameras/back/index.php", code: 200, has: "<h1>back</h1>"},
			{name: "a camera without the slash", path: "/cameras/front", code: 301},
			{name: "a camera's day", path: "/cameras/back/playlist.m3u8?date=" + old.String(), code: 200, has: old.String() + "/seg1.ts"},
			{name: "a day of another camera", path: "/cameras/back/playlist.m3u8?date=" + today.String(), code: 404},
			{name: "a camera's segment", path: "/cameras/front/" + old.String() + "/seg2.ts", code: 200},
			{name: "an unknown camera", path: "/cameras/nope/", code: 404, has: "no camera nope"},
			{name: "a refused folder", path: "/cameras/playlist/", code: 404},
			{name: "a symlinked folder", path: "/cameras/escape/playlist.m3u8?date=" + today.String(), code: 404},
			{name: "traversal through the camera", path: "/cameras/front/%2e%2e/" + today.String() + "/seg1.ts", code: 400},
			{name: "traversal as the camera", path: "/cameras/%2e%2e/" + today.String() + "/seg1.ts", code: 400, has: "bad camera name"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
				body := waitFor(t, func() (string, bool) {
					resp, err := client.Get(base + tc.path)
					if err != nil {
						t.Fatal(err)
					}
					defer resp.Body.Close()
					var b bytes.Buffer
					b.ReadFrom(resp.Body)
					return b.String(), resp.StatusCode == tc.code
				})
				if !strings.Contains(body, tc.has) {
					t.Errorf("GET %s: %q lacks %q", tc.path, body, tc.has)
				}
			})
		}
		for _, folder := range []string{filepath.Join(root, "playlist"), filepath.Join(root, "escape")} {
			if d.Logged("WARN", "not a camera", "folder", folder) != 1 {
				t.Errorf("not one WARN naming %s", folder)
			}
		}
	})

	t.Run("a camera folder made while running", func(t *testing.T) {
		film(filepath.Join(root, "side"), today, now.Add(-4*time.Minute+71000000), 2)
		// The newest segment of a day being filmed counts as complete
		// once a minute has passed without a write (the catalog's rule):
		// the first is enough to show the camera is served.
		waitFor(t, func() (string, bool) {
			code, body, _ := get(t, base+"/cameras/side/playlist.m3u8?date="+today.String())
			return body, code == 200 && strings.Contains(body, today.String()+"/seg1.ts")
		})
	})

	t.Run("uploads", func(t *testing.T) {
		seg, err := os.ReadFile(filepath.Join(root, today.String(), "seg1.ts"))
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			name, token, path string
			code              int
		}{
			{name: "the camera's token, its folder", token: "front", path: "/cameras/front/" + today.String() + "/up1.ts", code: 201},
			{name: "the camera's token, the default camera", token: "front", path: "/" + today.String() + "/up1.ts", code: 401},
			{name: "the camera's token, another camera", token: "front", path: "/cameras/back/" + today.String() + "/up1.ts", code: 401},
			{name: "the root token, another camera", token: "root", path: "/cameras/back/" + today.String() + "/up2.ts", code: 201},
			{name: "the root token, an unknown camera", token: "root", path: "/cameras/ghost/" + today.String() + "/up1.ts", code: 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tok, _ := os.ReadFile(tokens[tc.token])
				req, _ := http.NewRequest(http.MethodPut, base+tc.path, bytes.NewReader(seg))
				req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(tok)))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != tc.code {
					t.Errorf("PUT %s: %d, want %d", tc.path, resp.StatusCode, tc.code)
				}
			})
		}
		if _, err := os.Lstat(filepath.Join(root, "ghost")); !os.IsNotExist(err) {
			t.Errorf("an upload to an unknown camera made its folder: %v", err)
		}
	})

	t.Run("each camera's day archived in its folder", func(t *testing.T) {
		for _, cam := range []string{"front", "back"} {
			dir := filepath.Join(root, cam, old.String())
			// The segments go after the checksum is written: the day is
			// done when both hold.
			waitForLong(t, func() (string, bool) {
				_, err := os.Stat(filepath.Join(dir, "video.mp4.sha512sum"))
				segs, _ := filepath.Glob(filepath.Join(dir, "*.ts"))
				return fmt.Sprintf("%s: checksum: %v, segments left: %v", dir, err, segs), err == nil && len(segs) == 0
			})
			cmd := exec.Command("sha512sum", "-c", "video.mp4.sha512sum")
			cmd.Dir = dir
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: sha512sum -c: %v\n%s", dir, err, out)
			}
		}
		// Silence is checked every few seconds: side, filmed minutes ago,
		// is found silent at the latest a check after its files are scanned.
		for _, want := range []string{`cctvd_archive_runs_total{camera="front",result="ok"} 1`, `cctvd_archive_runs_total{camera="back",result="ok"} 1`,
			`cctvd_camera_last_segment_timestamp_seconds{camera="front"}`, `cctvd_camera_silent{camera="side"} 1`} {
			waitFor(t, func() (string, bool) {
				_, body, _ := get(t, base+"/metrics")
				return "metrics with " + want, strings.Contains(body, want)
			})
		}
		if d.Logged("WARN", "camera silent", "camera", "side") != 1 {
			t.Error("not one WARN that side went silent")
		}
	})

	t.Run("cctvctl", func(t *testing.T) {
		out, stderr, code := d.Ctl(t, "cameras")
		for _, want := range []string{"front", "Front door", "back", "side", "silent"} {
			if code != 0 || !strings.Contains(out, want) {
				t.Errorf("cctvctl cameras: exit %d, lacks %q:\n%s%s", code, want, out, stderr)
			}
		}
		out, _, code = d.Ctl(t, "days", "--camera", "front")
		if code != 0 || !strings.Contains(out, old.String()) || !strings.Contains(out, "ARCHIVED") && !strings.Contains(out, "archived") {
			t.Errorf("cctvctl days --camera front: exit %d:\n%s", code, out)
		}
		for _, args := range [][]string{{"verify", "front/" + old.String()}, {"verify", "--camera", "back", old.String()}} {
			if out, stderr, code := d.Ctl(t, args...); code != 0 {
				t.Errorf("cctvctl %s: exit %d\n%s%s", strings.Join(args, " "), code, out, stderr)
			}
		}
		// The default camera has no day of that date: the camera matters.
		if _, _, code := d.Ctl(t, "verify", old.String()); code != 2 {
			t.Errorf("cctvctl verify %s (the default camera's): exit %d, want 2", old, code)
		}
		if out, _, code := d.Ctl(t, "status"); code != 0 || !strings.Contains(out, "camera side: silent") {
			t.Errorf("cctvctl status: exit %d, does not name the silent camera:\n%s", code, out)
		}
	})
}

// waitForLong waits for archiving, which takes ffmpeg a while on a busy machine.
func waitForLong(t *testing.T, f func() (string, bool)) string {
	t.Helper()
	return testbin.WaitFor(t, "archiving", 3*time.Minute, f)
}
