package web

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cctvd/cctvd/internal/day"
)

// TestFutureDayStaysOutOfLive is issue 11, item 4: a folder for a day
// after today (a camera's clock ahead) is kept and listed and has its own
// playlist, but live viewing never goes there: ?live=1 goes to today, and
// a live playlist from today ends with today's segments.
func TestFutureDayStaysOutOfLive(t *testing.T) {
	future := day.Date{Year: 2026, Month: 11, Day: 30}
	root := t.TempDir()
	copyDir(t, root, cleanDay)
	segs := []string{"seg1.ts", "seg2.ts", "seg3.ts"}
	copyInto(t, root, cleanDay, day24, segs...)
	copyInto(t, root, cleanDay, future, segs...)
	l := start(t, root, liveOptions{}) // today is 2026-11-24

	resp, _ := l.get(t, "/playlist.m3u8?live=1")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "/playlist.m3u8?live=1&date=2026-11-24" {
		t.Errorf("?live=1: %d to %q, want 302 to today", resp.StatusCode, loc)
	}
	for _, from := range []string{"2026-11-24", "2026-11-21"} {
		resp, body := l.get(t, "/playlist.m3u8?live=1&date="+from)
		if resp.StatusCode != 200 || strings.Contains(body, future.String()) || !strings.HasSuffix(body, "2026-11-24/seg3.ts\n") {
			t.Errorf("live from %s: %d, want today's seg3 last and nothing of %s:\n%s", from, resp.StatusCode, future, body)
		}
	}
	if resp, body := l.get(t, "/playlist.m3u8?live=1&date="+future.String()); resp.StatusCode != http.StatusNotFound {
		t.Errorf("live from the future day: %d, want 404\n%s", resp.StatusCode, body)
	}
	resp, body := l.get(t, "/playlist.m3u8?date="+future.String())
	if resp.StatusCode != 200 || !strings.Contains(body, "#EXT-X-PLAYLIST-TYPE:EVENT") || !strings.Contains(body, future.String()+"/seg3.ts\n") {
		t.Errorf("the future day's own playlist: %d\n%s", resp.StatusCode, body)
	}
	resp, page := l.get(t, "/")
	switch {
	case resp.StatusCode != 200:
		t.Fatalf("index: %d", resp.StatusCode)
	case !strings.Contains(page, ">"+future.String()):
		t.Errorf("index page does not list %s", future)
	case !strings.Contains(page, `data-play="2026-11-24" data-live`):
		t.Errorf("index page's watch live does not start today")
	case strings.Contains(page, "date="+future.String()+"&amp;live=1"):
		t.Errorf("index page offers live viewing from %s", future)
	}
}

// TestUploadWindow is issue 11, item 4: uploads are taken from
// UploadBacklogDays before today up to tomorrow; others are refused 422,
// leaving nothing behind.
func TestUploadWindow(t *testing.T) {
	root := t.TempDir()
	l := start(t, root, liveOptions{token: uploadToken}) // today is 2026-11-24
	seg, err := os.ReadFile(filepath.Join(fixtures, cleanDay.String(), "seg1.ts"))
	if err != nil {
		t.Fatal(err)
	}
	auth := map[string]string{"Authorization": "Bearer " + uploadToken}
	tests := []struct {
		date string
		want int
	}{
		{date: "0001-01-01", want: http.StatusUnprocessableEntity},
		{date: "1969-12-31", want: http.StatusUnprocessableEntity},
		{date: "1970-01-01", want: http.StatusUnprocessableEntity},
		{date: "9999-12-31", want: http.StatusUnprocessableEntity},
		{date: "2025-10-19", want: http.StatusUnprocessableEntity}, // 401 days back
		{date: "2025-10-20", want: http.StatusCreated},             // 400 days back
		{date: "2026-11-23", want: http.StatusCreated},
		{date: "2026-11-24", want: http.StatusCreated},
		{date: "2026-11-25", want: http.StatusCreated}, // tomorrow: a camera in another zone
		{date: "2026-11-26", want: http.StatusUnprocessableEntity},
	}
	for _, tt := range tests {
		t.Run(tt.date, func(t *testing.T) {
			code, _, body := raw(t, l.url, "PUT", "/"+tt.date+"/seg1.ts", auth, seg)
			if code != tt.want {
				t.Fatalf("%d %s, want %d", code, body, tt.want)
			}
			_, err := os.Stat(filepath.Join(root, tt.date))
			if tt.want != http.StatusCreated && (!os.IsNotExist(err) || !strings.Contains(body, "upload window")) {
				t.Errorf("refused upload: %q, folder: %v; want a message naming the window and no folder", body, err)
			}
		})
	}
}
