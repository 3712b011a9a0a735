package hls

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var cet = time.FixedZone("CET", 3600)

// day returns n contiguous segments of dur starting at start, named seg<first+i>.ts.
func day(date string, start time.Time, first, n int, dur time.Duration) []Segment {
	segs := make([]Segment, n)
	for i := range segs {
		segs[i] = Segment{
			URI:             fmt.Sprintf("%s/seg%d.ts", date, first+i),
			Duration:        dur,
			ProgramDateTime: start.Add(time.Duration(i) * dur),
		}
	}
	return segs
}

func goldenPlaylists() []struct {
	name string
	pl   Playlist
} {
	at8 := func(d int) time.Time { return time.Date(2026, 11, d, 8, 0, 0, 0, cet) }
	morning := at8(23)
	// A camera restart (timestamps start again) and then a 30 s outage.
	restart := day("2026-11-23", morning, 1, 4, 10*time.Second)
	run2 := day("2026-11-23", morning.Add(40*time.Second+120*time.Millisecond), 5, 3, 10*time.Second)
	run2[0].Discontinuity = true
	run2[2].Duration = 9_966_667 * time.Microsecond
	after := day("2026-11-23", morning.Add(100*time.Second), 9, 2, 10*time.Second)
	after[0].Discontinuity = true
	restart = append(append(restart, run2...), after...)

	// A live window across midnight: the camera runs on into the next day's folder.
	evening := time.Date(2026, 11, 24, 23, 59, 30, 0, cet)
	live := append(day("2026-11-24", evening, 8638, 3, 10*time.Second),
		day("2026-11-25", evening.Add(30*time.Second), 1, 3, 10*time.Second)...)
	live[4].Discontinuity = true // a restart just after midnight
	live[4].ProgramDateTime = live[4].ProgramDateTime.Add(2 * time.Second)
	live[5].ProgramDateTime = time.Time{}

	// A real camera's times: never on a whole second. PROGRAM-DATE-TIME is
	// cut to the millisecond as the page's timeline map cuts it (UnixMilli),
	// so 23:59:59.9996 stays in its day and second, not 00:00:00.000.
	camera := day("2026-11-26", time.Date(2026, 11, 26, 8, 0, 3, 153_192_286, cet), 1, 2, 10*time.Second)
	late := day("2026-11-26", time.Date(2026, 11, 26, 23, 59, 59, 999_600_000, cet), 3, 1, 9_960*time.Millisecond)
	late[0].Discontinuity = true
	camera = append(camera, late...)

	return []struct {
		name string
		pl   Playlist
	}{
		{name: "clean_day", pl: Playlist{Type: VOD, MediaSequence: 178_000_000,
			Segments: day("2026-11-22", at8(22), 1, 5, 10*time.Second+400*time.Microsecond)}},
		{name: "restart_and_gap", pl: Playlist{Type: VOD, Segments: restart}},
		{name: "today_event", pl: Playlist{Type: Event, TargetDuration: 10, Segments: day("2026-11-24", at8(24), 1, 2, 10*time.Second)}},
		{name: "live_across_midnight", pl: Playlist{Type: Live, MediaSequence: 178_435_437, DiscontinuitySequence: 3, Segments: live}},
		{name: "camera_fractions", pl: Playlist{Type: VOD, Segments: camera}},
	}
}

func TestGolden(t *testing.T) {
	for _, tt := range goldenPlaylists() {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.pl.Append(nil)
			path := filepath.Join("testdata", tt.name+".golden")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("playlist differs from %s:\n--- got\n%s--- want\n%s", path, got, want)
			}
			checkRules(t, tt.pl, string(got))
		})
	}
}

// checkRules re-reads a written playlist and checks the RFC 8216 rules that
// golden files alone would not catch if someone updated them carelessly.
func checkRules(t *testing.T, pl Playlist, text string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if lines[0] != "#EXTM3U" || lines[1] != "#EXT-X-VERSION:3" {
		t.Fatalf("header = %q", lines[:2])
	}
	var target, uris, pdts, discs int
	afterDisc := true
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "#EXT-X-TARGETDURATION:"):
			fmt.Sscanf(l, "#EXT-X-TARGETDURATION:%d", &target)
		case strings.HasPrefix(l, "#EXTINF:"):
			var sec float64
			fmt.Sscanf(strings.TrimSuffix(l, ","), "#EXTINF:%f", &sec)
			if dot := strings.IndexByte(l, '.'); len(l)-dot != 5 {
				t.Errorf("%q: want 3 decimals", l)
			}
			if int(sec+0.5) > target {
				t.Errorf("%q rounds above TARGETDURATION %d", l, target)
			}
			afterDisc = false
		case l == "#EXT-X-DISCONTINUITY":
			discs++
			afterDisc = true
		case strings.HasPrefix(l, "#EXT-X-PROGRAM-DATE-TIME:"):
			pdts++
			if !afterDisc && uris > 0 {
				t.Errorf("PROGRAM-DATE-TIME in the middle of a run: %q", l)
			}
			if _, err := time.Parse(time.RFC3339Nano, strings.TrimPrefix(l, "#EXT-X-PROGRAM-DATE-TIME:")); err != nil {
				t.Errorf("%q: %v", l, err)
			}
		case !strings.HasPrefix(l, "#"):
			uris++
		}
	}
	if uris != len(pl.Segments) {
		t.Errorf("%d URIs, want %d", uris, len(pl.Segments))
	}
	if end := strings.HasSuffix(text, "#EXT-X-ENDLIST\n"); end != (pl.Type == VOD) {
		t.Errorf("ENDLIST = %v for %v", end, pl.Type)
	}
	if live := strings.Contains(text, "#EXT-X-DISCONTINUITY-SEQUENCE:"); live != (pl.Type == Live) {
		t.Errorf("DISCONTINUITY-SEQUENCE = %v for %v", live, pl.Type)
	}
	if pl.Type != Live && strings.Count(text, "#EXT-X-PLAYLIST-TYPE:"+pl.Type.String()+"\n") != 1 {
		t.Errorf("want one PLAYLIST-TYPE:%v", pl.Type)
	}
	if target < 1 {
		t.Errorf("TARGETDURATION %d", target)
	}
}

func TestTargetDuration(t *testing.T) {
	tests := []struct {
		name  string
		durs  []time.Duration
		given int
		want  int
	}{
		{name: "exact", durs: []time.Duration{10 * time.Second}, want: 10},
		{name: "rounds down", durs: []time.Duration{10*time.Second + 499*time.Millisecond}, want: 10},
		{name: "half rounds up", durs: []time.Duration{10*time.Second + 500*time.Millisecond}, want: 11},
		{name: "EXTINF rounding decides", durs: []time.Duration{10*time.Second + 499_600*time.Microsecond}, want: 11},
		{name: "longest wins", durs: []time.Duration{2 * time.Second, 12 * time.Second, 10 * time.Second}, want: 12},
		{name: "empty", want: 1},
		{name: "given is kept", durs: []time.Duration{10 * time.Second}, given: 12, want: 12},
		{name: "given too small", durs: []time.Duration{10 * time.Second}, given: 6, want: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pl := Playlist{Type: VOD, TargetDuration: tt.given}
			for _, d := range tt.durs {
				pl.Segments = append(pl.Segments, Segment{URI: "a.ts", Duration: d})
			}
			want := fmt.Sprintf("#EXT-X-TARGETDURATION:%d\n", tt.want)
			if got := string(pl.Append(nil)); !strings.Contains(got, want) {
				t.Errorf("got\n%s\nwant %q", got, want)
			}
		})
	}
}

func TestExtinf(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{10 * time.Second, "10.000"},
		{9_966_667 * time.Microsecond, "9.967"},
		{40 * time.Millisecond, "0.040"},
		{1500 * time.Microsecond, "0.002"},
		{0, "0.000"},
		{123*time.Second + 5*time.Millisecond, "123.005"},
	}
	for _, tt := range tests {
		pl := Playlist{Segments: []Segment{{URI: "x.ts", Duration: tt.d}}}
		if got := string(pl.Append(nil)); !strings.Contains(got, "#EXTINF:"+tt.want+",\nx.ts\n") {
			t.Errorf("%v: got\n%s", tt.d, got)
		}
	}
}

func TestWriteToMatchesAppend(t *testing.T) {
	pl := goldenPlaylists()[1].pl
	var buf bytes.Buffer
	n, err := pl.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) || buf.String() != string(pl.Append(nil)) {
		t.Errorf("WriteTo = %d, %v; differs from Append", n, err)
	}
	prefix := []byte("keep:")
	if got := pl.Append(prefix); !bytes.HasPrefix(got, prefix) {
		t.Error("Append lost its buffer's contents")
	}
}

// fullDay is a day of a Pi camera's 10-second segments.
func fullDay() Playlist {
	segs := day("2026-11-24", time.Date(2026, 11, 24, 0, 0, 0, 0, cet), 1, 8640, 10*time.Second)
	for i := 1000; i < len(segs); i += 1000 {
		segs[i].Discontinuity = true
	}
	return Playlist{Type: VOD, MediaSequence: 178_000_000, Segments: segs}
}

func BenchmarkFullDay(b *testing.B) {
	pl := fullDay()
	var buf []byte
	b.ReportAllocs()
	for b.Loop() {
		buf = pl.Append(buf[:0])
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkFullDayFresh(b *testing.B) {
	pl := fullDay()
	b.ReportAllocs()
	for b.Loop() {
		_ = pl.Append(nil)
	}
}
