package web

import (
	"net/url"
	"path"
	"strings"
	"testing"

	"github.com/cctvd/cctvd/internal/day"
)

func TestParseFilePath(t *testing.T) {
	tests := []struct {
		escaped string
		date    string
		name    string // "" means refused
	}{
		{"/2026-11-20/seg1.ts", "2026-11-20", "seg1.ts"},
		{"/2026-11-20/cam%201.ts", "2026-11-20", "cam 1.ts"},
		{"/2026-11-20/seg1%2ets", "2026-11-20", "seg1.ts"},
		{"/2026-11-20/video.mp4.sha512sum", "2026-11-20", "video.mp4.sha512sum"},
		{"/2026-11-20/..", "", ""},
		{"/2026-11-20/%2e%2e", "", ""},
		{"/2026-11-20/a%2fb.ts", "", ""},
		{"/2026-11-20/a%5cb.ts", "", ""},
		{"/2026-11-20/a%00.ts", "", ""},
		{"/2026-11-20/a%0a.ts", "", ""},
		{"/2026-11-20/%ff.ts", "", ""},
		{"/2026-11-20/%zz.ts", "", ""},
		{"/2026-11-20/", "", ""},
		{"/2026-11-20", "", ""},
		{"/2026-11-20/a/b.ts", "", ""},
		{"/%32026-11-20/a.ts", "", ""},
		{"/2026-02-29/a.ts", "", ""},
		{"2026-11-20/a.ts", "", ""},
		{"/2026-11-20/" + strings.Repeat("a", 256), "", ""},
	}
	for _, tt := range tests {
		fp, err := parseFilePath(tt.escaped)
		if tt.name == "" {
			if err == nil {
				t.Errorf("%q: accepted as %v %q", tt.escaped, fp.date, fp.name)
			}
			continue
		}
		if err != nil || fp.date.String() != tt.date || fp.name != tt.name {
			t.Errorf("%q: %v %q %v; want %s %q", tt.escaped, fp.date, fp.name, err, tt.date, tt.name)
		}
	}
}

func TestParsePlaylistQuery(t *testing.T) {
	tests := []struct {
		raw  string
		date string
		live bool
		ok   bool
	}{
		{"date=2026-11-20", "2026-11-20", false, true},
		{"date=2026-11-20&live=1", "2026-11-20", true, true},
		{"live=1", "", true, true},
		{"live=0&date=2026-11-20", "2026-11-20", false, true},
		{"", "", false, true},
		{"date=2026-11-20&x=%2e%2e", "2026-11-20", false, true},
		{"date=2026-11-20&live=true", "", false, false},
		{"date=2026-11-20&live=", "", false, false},
		{"date=2026-11-20&live=1&live=1", "", false, false},
		{"date=2026-2-3", "", false, false},
		{"date=%2e%2e", "", false, false},
		{"date=2026-11-20%00", "", false, false},
		{"date=2026-11-20;live=1", "", false, false},
		{"date=" + strings.Repeat("9", 300), "", false, false},
	}
	for _, tt := range tests {
		q, err := parsePlaylistQuery(tt.raw)
		if (err == nil) != tt.ok {
			t.Errorf("%q: %v, want ok=%v", tt.raw, err, tt.ok)
			continue
		}
		if !tt.ok {
			continue
		}
		got := ""
		if !q.date.IsZero() {
			got = q.date.String()
		}
		if got != tt.date || q.live != tt.live {
			t.Errorf("%q: %q live=%v; want %q live=%v", tt.raw, got, q.live, tt.date, tt.live)
		}
	}
}

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"seg1.ts": "video/mp2t", "video.mp4": "video/mp4", "video-12.mp4": "video/mp4",
		"video-2.mp4.sha512sum": "text/plain; charset=utf-8", "video.mp4.sha512sum": "text/plain; charset=utf-8",
		// Not names an archive run writes (day.ArchiveNumber), so not served.
		"video-1.mp4": "", "video-02.mp4": "", "videos.mp4": "", "video-1.mp4.sha512sum": "",
		"notes.txt": "", "video-.mp4": "", "video-x.mp4": "", "clip.mp4": "", "seg1.ts.sha512sum": "", "video.mp4.partial": "",
	} {
		if got := contentType(name); got != want {
			t.Errorf("contentType(%q) = %q, want %q", name, got, want)
		}
	}
}

// fuzzSeeds are the bad-input table's targets, split into path and query.
func fuzzSeeds() (paths, queries []string) {
	for _, b := range badInputs(nil, nil, nil) {
		p, q, _ := strings.Cut(b.target, "?")
		paths = append(paths, p)
		queries = append(queries, q)
	}
	paths = append(paths, "/2026-11-20/seg1.ts", "/2026-11-20/cam%201.ts")
	queries = append(queries, "date=2026-11-20&live=1", "live=1")
	return paths, queries
}

func FuzzPath(f *testing.F) {
	paths, _ := fuzzSeeds()
	for _, p := range paths {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		fp, err := parseFilePath(escaped)
		if err != nil {
			return
		}
		if _, err := day.Parse(fp.date.String()); err != nil {
			t.Fatalf("%q: date %v does not parse back", escaped, fp.date)
		}
		rel := fp.date.String() + "/" + fp.name
		if path.Clean(rel) != rel || strings.HasPrefix(fp.name, ".") || !validName(fp.name) {
			t.Fatalf("%q: accepted %q, which is not a plain name in the day folder", escaped, rel)
		}
		if strings.ContainsAny(fp.name, "/\\\x00") {
			t.Fatalf("%q: name %q", escaped, fp.name)
		}
		// What is accepted can be written back as a playlist URI that leads here.
		back, err := parseFilePath("/" + segmentURI(fp.date, fp.name))
		if err != nil || back != fp {
			t.Fatalf("%q: URI %q does not lead back: %v", escaped, segmentURI(fp.date, fp.name), err)
		}
	})
}

func FuzzThumbPath(f *testing.F) {
	paths, _ := fuzzSeeds()
	for _, p := range append(paths, "/thumb/2026-11-20/08.jpg", "/thumb/2026-11-20/23.jpg") {
		f.Add(p)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		tp, ok := parseThumbPath(escaped)
		if !ok {
			return
		}
		// Only the one spelling of a real date and hour gets through.
		if tp.hour < 0 || tp.hour > 23 || "/"+thumbURL(tp.date, tp.hour) != escaped {
			t.Fatalf("%q: accepted as %v hour %d", escaped, tp.date, tp.hour)
		}
	})
}

func FuzzPlaylistQuery(f *testing.F) {
	_, queries := fuzzSeeds()
	for _, q := range queries {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parsePlaylistQuery(raw)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "bad query") || len(err.Error()) > 80 {
				t.Fatalf("%q: error %q", raw, err)
			}
			return
		}
		if q.date.IsZero() {
			return
		}
		d, err := day.Parse(q.date.String())
		if err != nil || d != q.date {
			t.Fatalf("%q: date %v does not parse back", raw, q.date)
		}
		vals, _ := url.ParseQuery(raw)
		if vals.Get("date") != q.date.String() {
			t.Fatalf("%q: date %v is not what was asked", raw, q.date)
		}
	})
}
