package access

import (
	"context"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestFFmpegPlaysProtectedPlaylist plays a day's playlist with real
// ffmpeg, the way README's Access section says: user:password in the URL,
// which ffmpeg sends as basic auth for the playlist and every segment once
// asked (401). Without them, ffmpeg is refused.
func TestFFmpegPlaysProtectedPlaylist(t *testing.T) {
	s := newSite(t)
	u, err := url.Parse(s.url)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		user      *url.Userinfo
		path      string
		wantFails bool
	}{
		{name: "viewer", user: url.UserPassword(viewerName, viewerPassword), path: "/playlist.m3u8?date=" + theDay.String()},
		// Characters that mean something in a URL are percent-encoded.
		{name: "operator, odd characters", user: url.UserPassword(operatorName, operatorPassword), path: "/cameras/garage/playlist.m3u8?date=" + theDay.String()},
		{name: "no password", path: "/playlist.m3u8?date=" + theDay.String(), wantFails: true},
		{name: "wrong password", user: url.UserPassword(viewerName, "nope"), path: "/playlist.m3u8?date=" + theDay.String(), wantFails: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pu := *u
			pu.User = tc.user
			src := pu.String() + tc.path
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "info",
				"-i", src, "-map", "0:v", "-c", "copy", "-f", "null", "-").CombinedOutput()
			if tc.wantFails {
				if err == nil || !strings.Contains(string(out), "401") {
					t.Fatalf("ffmpeg played without the right password (err %v):\n%s", err, out)
				}
				return
			}
			if err != nil {
				t.Fatalf("ffmpeg %s: %v\n%s", src, err, out)
			}
			t.Logf("ffmpeg: %s", out[max(0, len(out)-300):])
			// Three 10-second segments were read: the whole day.
			if !strings.Contains(string(out), "time=00:00:29") {
				t.Errorf("ffmpeg read less than the day's 30 s:\n%s", out)
			}
		})
		s.clk.Advance(LoginEvery) // the wrong password's try, refilled
	}
	if strings.Contains(s.log.String(), operatorPassword) || strings.Contains(s.log.String(), url.QueryEscape(operatorPassword)) {
		t.Error("a password is in the log")
	}
}
