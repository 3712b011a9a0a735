package access

import (
	"context"
	"net/url"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestPlayersPlayProtectedPlaylist plays a day's playlist with real
// ffmpeg and GStreamer, the way README's Access section says:
// user:password in the URL, which they send as basic auth for the
// playlist and every segment once asked (401). Without them, they are
// refused.
func TestPlayersPlayProtectedPlaylist(t *testing.T) {
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
			// Three 10-second segments were read: the whole day.
			if !strings.Contains(string(out), "time=00:00:29") {
				t.Errorf("ffmpeg read less than the day's 30 s:\n%s", out)
			}
		})
		t.Run(tc.name+", GStreamer", func(t *testing.T) {
			pu := *u
			pu.User = tc.user
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			// hlsdemux fails on a segment it cannot fetch: a clean exit
			// means every segment came.
			out, err := exec.CommandContext(ctx, "gst-launch-1.0", "-q", "souphttpsrc", "location="+pu.String()+tc.path,
				"!", "hlsdemux", "!", "tsdemux", "!", "h264parse", "!", "avdec_h264", "!", "fakesink").CombinedOutput()
			switch {
			case tc.wantFails && (err == nil || !strings.Contains(string(out), "Unauthorized (401)")):
				t.Fatalf("GStreamer played without the right password (err %v):\n%s", err, out)
			case !tc.wantFails && err != nil:
				t.Fatalf("gst-launch-1.0: %v\n%s", err, out)
			}
		})
		s.clk.Advance(2 * LoginEvery) // the wrong password's tries (ffmpeg, GStreamer), refilled
	}
	if strings.Contains(s.log.String(), operatorPassword) || strings.Contains(s.log.String(), url.QueryEscape(operatorPassword)) {
		t.Error("a password is in the log")
	}
}
