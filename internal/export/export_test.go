package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/footage"
	"github.com/cctvd/cctvd/internal/ts"
)

// fakeDays serves plans made from the folders of a temp root, as the catalog would.
type fakeDays struct {
	views map[day.Date]*catalog.DayView
}

func (f *fakeDays) Day(d day.Date) (*catalog.DayView, bool) { v, ok := f.views[d]; return v, ok }
func (f *fakeDays) Days() []*catalog.DayView {
	var vs []*catalog.DayView
	for _, v := range f.views {
		vs = append(vs, v)
	}
	return vs
}

func planRoot(t *testing.T, dir string) *fakeDays {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	f := &fakeDays{views: map[day.Date]*catalog.DayView{}}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		d, err := day.Parse(e.Name())
		if err != nil {
			continue
		}
		p, err := ts.PlanDir(root, e.Name())
		if err != nil {
			t.Fatal(err)
		}
		f.views[d] = &catalog.DayView{Date: d, Plan: &p}
	}
	return f
}

// frac makes footage times fractional, as real cameras' mtimes are.
const frac = 153192286 * time.Nanosecond

var loc = time.FixedZone("test", 3600)

type run struct {
	date     string
	start    time.Time
	segments int
	first    int
	drop     []int // segment numbers deleted after recording: gaps
}

func record(t *testing.T, dir string, runs []run) {
	t.Helper()
	for _, r := range runs {
		d := filepath.Join(dir, r.date)
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if _, err := footage.Record(context.Background(), footage.Run{Dir: d, Segments: r.segments, First: r.first, Start: r.start}); err != nil {
			t.Fatal(err)
		}
		for _, n := range r.drop {
			if err := os.Remove(filepath.Join(d, "seg"+strconv.Itoa(n)+".ts")); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// framesIn lists, in order, the wall-clock times of the sources' frames
// in [from, to). A camera run goes where its clock estimate puts it, but
// never before the end of the run before it: there it follows on.
func framesIn(days *fakeDays, from, to time.Time) []time.Time {
	type run struct {
		date   day.Date
		frames []time.Time
		step   time.Duration
	}
	var runs []*run
	for _, v := range days.views {
		for i, s := range v.Plan.Segments {
			if i == 0 || s.Run != v.Plan.Segments[i-1].Run {
				runs = append(runs, &run{date: v.Date, step: ts.Ticks(s.Report.FrameTicks)})
			}
			r := runs[len(runs)-1]
			for i := 0; i < s.Report.Frames; i++ {
				r.frames = append(r.frames, s.Start.Add(ts.Ticks(int64(i)*s.Report.FrameTicks)))
			}
		}
	}
	slices.SortFunc(runs, func(a, b *run) int {
		if c := a.frames[0].Compare(b.frames[0]); c != 0 {
			return c
		}
		return a.date.Compare(b.date)
	})
	var out []time.Time
	var end time.Time
	for _, r := range runs {
		push := max(end.Sub(r.frames[0]), 0)
		for _, w := range r.frames {
			if w = w.Add(push); !w.Before(from) && w.Before(to) {
				out = append(out, w)
			}
		}
		end = r.frames[len(r.frames)-1].Add(push + r.step)
	}
	return out
}

func TestExport(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: films and exports with ffmpeg")
	}
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, loc).Add(frac)
	late := time.Date(2026, 11, 20, 23, 59, 30, 0, loc).Add(frac)
	tests := []struct {
		name       string
		runs       []run
		start, end time.Time
		gaps       int
		restarts   int
		// At a DST change: the zone, the range as RFC 3339 (instead of
		// start and end), and the first and last frame the manifest must name.
		zone        *time.Location
		rfc3339     [2]string
		first, last string
		frames      int
	}{
		{name: "inside one segment, off keyframe", runs: []run{{date: "2026-11-20", start: t0, segments: 3, first: 1}},
			start: t0.Add(3370 * time.Millisecond), end: t0.Add(7 * time.Second)},
		{name: "across segments", runs: []run{{date: "2026-11-20", start: t0, segments: 4, first: 1}},
			start: t0.Add(5 * time.Second), end: t0.Add(33*time.Second + 500*time.Millisecond)},
		{name: "across a gap", runs: []run{{date: "2026-11-20", start: t0, segments: 5, first: 1, drop: []int{2, 3}}},
			start: t0.Add(5 * time.Second), end: t0.Add(45 * time.Second), gaps: 1},
		{name: "across a restart", runs: []run{
			{date: "2026-11-20", start: t0, segments: 2, first: 1},
			{date: "2026-11-20", start: t0.Add(50 * time.Second), segments: 2, first: 3}},
			start: t0.Add(15 * time.Second), end: t0.Add(65 * time.Second), gaps: 1, restarts: 1},
		{name: "across a restart whose clock estimate overlaps", runs: []run{
			{date: "2026-11-20", start: t0, segments: 3, first: 1},
			{date: "2026-11-20", start: t0.Add(25 * time.Second), segments: 2, first: 4}},
			start: t0.Add(15 * time.Second), end: t0.Add(50 * time.Second), restarts: 1},
		{name: "across midnight", runs: []run{
			{date: "2026-11-20", start: late, segments: 3, first: 1},
			{date: "2026-11-21", start: late.Add(30 * time.Second), segments: 2, first: 1}},
			start: late.Add(12 * time.Second), end: late.Add(45 * time.Second), restarts: 1},
		{name: "range wider than the footage", runs: []run{{date: "2026-11-20", start: t0, segments: 2, first: 1}},
			start: t0.Add(-time.Minute), end: t0.Add(time.Hour), gaps: 2},
		// 02:00-03:00 passes twice: CEST, then CET.
		{name: "at the autumn DST change", zone: berlinLoc,
			runs:    []run{{date: "2026-10-25", start: time.Date(2026, 10, 25, 0, 59, 40, 0, time.UTC).Add(frac), segments: 4, first: 1}},
			rfc3339: [2]string{"2026-10-25T02:59:45.5+02:00", "2026-10-25T02:00:12.25+01:00"},
			first:   "2026-10-25T02:59:45.513192286+02:00", last: "2026-10-25T02:00:12.233192286+01:00", frames: 669},
		// 02:00-03:00 does not exist: CET, then CEST.
		{name: "at the spring DST change", zone: berlinLoc,
			runs:    []run{{date: "2026-03-29", start: time.Date(2026, 3, 29, 0, 59, 50, 0, time.UTC).Add(frac), segments: 2, first: 1}},
			rfc3339: [2]string{"2026-03-29T01:59:55+01:00", "2026-03-29T03:00:05+02:00"},
			first:   "2026-03-29T01:59:55.033192286+01:00", last: "2026-03-29T03:00:04.993192286+02:00", frames: 250},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root := filepath.Join(dir, "root")
			record(t, root, tc.runs)
			days := planRoot(t, root)
			zone := loc
			if tc.zone != nil {
				zone = tc.zone
				r, err := ParseRange(tc.rfc3339[0], tc.rfc3339[1], zone, DefaultMax)
				if err != nil {
					t.Fatal(err)
				}
				tc.start, tc.end = r.Start, r.End
			}
			ex, err := New(Config{Camera: "front", Root: root, Dir: filepath.Join(dir, "state", "export"), Days: days,
				Location: zone, Version: "test", Now: func() time.Time { return t0.Add(72 * time.Hour) }}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Close()
			var last Progress
			clip, err := ex.Export(context.Background(), Range{tc.start, tc.end}, func(p Progress) { last = p })
			if err != nil {
				t.Fatal(err)
			}
			defer clip.Remove()
			m := clip.Manifest
			want := framesIn(days, tc.start, tc.end)
			if m.Frames != len(want) {
				t.Errorf("manifest: %d frames, sources hold %d in the range", m.Frames, len(want))
			}
			if !m.FirstFrame.Equal(want[0]) || !m.LastFrame.Equal(want[len(want)-1]) {
				t.Errorf("frames from %v to %v, want %v to %v", m.FirstFrame, m.LastFrame, want[0], want[len(want)-1])
			}
			if last.Done != last.Total || last.Total == 0 {
				t.Errorf("progress ended at %+v", last)
			}
			if len(m.Gaps) != tc.gaps || len(m.Restarts) != tc.restarts {
				t.Errorf("gaps %+v, restarts %v, want %d and %d", m.Gaps, m.Restarts, tc.gaps, tc.restarts)
			}
			if tc.first != "" {
				// As the manifest file says them: the wall clock with its offset.
				var back struct {
					First string `json:"first_frame"`
					Last  string `json:"last_frame"`
				}
				if b, err := m.JSON(); err != nil || json.Unmarshal(b, &back) != nil {
					t.Fatal(err)
				}
				if back.First != tc.first || back.Last != tc.last || m.Frames != tc.frames {
					t.Errorf("manifest: %d frames from %s to %s, want %d from %s to %s", m.Frames, back.First, back.Last, tc.frames, tc.first, tc.last)
				}
			}
			checkClip(t, clip, len(want), m)
		})
	}
}

// checkClip plays the clip the ways a recipient would and compares it with its manifest.
func checkClip(t *testing.T, clip *Clip, frames int, m Manifest) {
	t.Helper()
	dir := filepath.Dir(clip.MP4)
	sum := exec.Command("sha512sum", "-c", filepath.Base(clip.Sum))
	sum.Dir = dir
	if out, err := sum.CombinedOutput(); err != nil {
		t.Errorf("sha512sum -c: %v\n%s", err, out)
	} else if !strings.Contains(string(out), clip.Name+": OK") {
		t.Errorf("sha512sum -c: %s", out)
	}
	// Decoded, the clip shows exactly the range's frames, the first at 0.
	out, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time",
		"-of", "csv=p=0", clip.MP4).Output()
	if err != nil {
		t.Fatalf("ffprobe: %v", err)
	}
	lines := strings.Fields(string(out))
	if len(lines) != frames {
		t.Errorf("ffprobe decodes %d frames, want %d", len(lines), frames)
	}
	if len(lines) > 0 {
		if first, _ := strconv.ParseFloat(lines[0], 64); first != 0 {
			t.Errorf("first frame shown at %s, want 0", lines[0])
		}
		lastAt, _ := strconv.ParseFloat(lines[len(lines)-1], 64)
		span := m.LastFrame.Sub(m.FirstFrame).Seconds()
		// An archive's footage follows on at a restart: its clip's too.
		if d := lastAt - span; (m.Codec == "h264" || len(m.Restarts) == 0) && (d > 0.001 || d < -0.001) {
			t.Errorf("last frame at %.6fs in the clip, the manifest's span is %.6fs: the timeline is not the footage's", lastAt, span)
		}
	}
	if out, err := exec.Command("ffmpeg", "-v", "error", "-xerror", "-i", clip.MP4, "-f", "null", "-").CombinedOutput(); err != nil || len(out) > 0 {
		t.Errorf("ffmpeg decode: %v\n%s", err, out)
	}
	if _, err := exec.LookPath("gst-launch-1.0"); err == nil {
		c := "h264"
		if m.Codec == "hevc" {
			c = "h265"
		}
		if out, err := exec.Command("gst-launch-1.0", "-q", "filesrc", "location="+clip.MP4, "!", "qtdemux", "!", c+"parse",
			"!", "avdec_"+c, "!", "fakesink").CombinedOutput(); err != nil {
			t.Errorf("gst-launch-1.0: %v\n%s", err, out)
		}
	}
	b, err := os.ReadFile(clip.JSON)
	if err != nil {
		t.Fatal(err)
	}
	var back Manifest
	if err := json.Unmarshal(b, &back); err != nil || back.File.SHA512 == "" || len(back.Sources) == 0 {
		t.Errorf("manifest file: %v %+v", err, back)
	}
	for _, s := range back.Sources {
		if len(s.SHA512) != 128 || s.Bytes == 0 {
			t.Errorf("source %+v", s)
		}
	}
	ct, err := exec.Command("ffprobe", "-v", "error", "-show_entries", "format_tags=creation_time", "-of", "csv=p=0", clip.MP4).Output()
	if err != nil {
		t.Fatal(err)
	}
	got, _ := time.Parse(time.RFC3339Nano, strings.TrimSpace(string(ct)))
	if !got.Equal(m.FirstFrame.UTC().Truncate(time.Second)) {
		t.Errorf("creation_time %s, want the first frame's %v", ct, m.FirstFrame)
	}
}

func TestExportErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: films and exports with ffmpeg")
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, loc).Add(frac)
	record(t, root, []run{{date: "2026-11-20", start: t0, segments: 2, first: 1}})
	days := planRoot(t, root)
	pool := NewPool(1)
	ex, err := New(Config{Root: root, Dir: filepath.Join(dir, "export"), Days: days, Location: loc, Pool: pool, Max: time.Hour},
		slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	tests := []struct {
		name       string
		start, end time.Time
		want       error
		msg        string
	}{
		{name: "no footage before", start: t0.Add(-time.Hour), end: t0.Add(-time.Minute), want: ErrNoFootage, msg: "begins at 2026-11-20T10:00:00.153+01:00"},
		{name: "no footage after", start: t0.Add(time.Hour), end: t0.Add(2 * time.Hour), want: ErrNoFootage, msg: "ends at 2026-11-20T10:00:20.153+01:00"},
		{name: "reversed", start: t0.Add(time.Minute), end: t0, want: ErrBadRange},
		{name: "too long", start: t0, end: t0.Add(2 * time.Hour), want: ErrTooLong},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ex.Export(context.Background(), Range{tc.start, tc.end}, nil)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err %v, want %v with %q", err, tc.want, tc.msg)
			}
		})
	}
	t.Run("archived day refused", func(t *testing.T) {
		v := *days.views[day.Date{Year: 2026, Month: 11, Day: 20}]
		v.Archives = []catalog.Archive{{Name: "video.mp4"}}
		archived := &fakeDays{views: map[day.Date]*catalog.DayView{v.Date: &v}}
		ex2, err := New(Config{Root: root, Dir: filepath.Join(dir, "export2"), Days: archived, Location: loc}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer ex2.Close()
		if _, err := ex2.Export(context.Background(), Range{t0, t0.Add(5 * time.Second)}, nil); !errors.Is(err, ErrArchived) || !strings.Contains(err.Error(), "video.mp4") {
			t.Errorf("err %v, want ErrArchived naming video.mp4", err)
		}
	})
	t.Run("busy and in use", func(t *testing.T) {
		release, err := pool.acquire("", []day.Date{{Year: 2026, Month: 11, Day: 20}})
		if err != nil {
			t.Fatal(err)
		}
		if !pool.InUse("", day.Date{Year: 2026, Month: 11, Day: 20}) || pool.InUse("x", day.Date{Year: 2026, Month: 11, Day: 20}) {
			t.Error("InUse does not follow the running export")
		}
		_, err = ex.Export(context.Background(), Range{t0, t0.Add(5 * time.Second)}, nil)
		release()
		if !errors.Is(err, ErrBusy) {
			t.Errorf("err %v, want ErrBusy", err)
		}
		if pool.InUse("", day.Date{Year: 2026, Month: 11, Day: 20}) {
			t.Error("still in use after the export ended")
		}
	})
	t.Run("cancelled leaves nothing", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		_, err := ex.Export(ctx, Range{t0, t0.Add(15 * time.Second)}, func(Progress) { cancel() })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want cancelled", err)
		}
		entries, _ := os.ReadDir(filepath.Join(dir, "export"))
		if len(entries) != 0 {
			t.Errorf("left behind: %v", entries)
		}
	})
	_ = io.Discard
}

// TestExportArchive archives a day with the real archiver, then exports
// ranges of it: the clip is a copy of the archive's H.265 from the frame
// the range starts at, the archive's checksum verified first.
func TestExportArchive(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: films and exports with ffmpeg")
	}
	dir := t.TempDir()
	root, state := filepath.Join(dir, "root"), filepath.Join(dir, "state")
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, loc).Add(frac)
	d, before, arc := archivedDay(t, root, state, loc, t0)
	after := planRoot(t, root)
	after.views[d].Archives = []catalog.Archive{{Name: "video.mp4"}}
	ex, err := New(Config{Camera: "front", Root: root, Dir: filepath.Join(state, "export"), Days: after, ArchiveRuns: arc.Runs,
		Location: loc, Version: "test"}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	tests := []struct {
		name           string
		start, end     time.Time
		gaps, restarts int
	}{
		{name: "inside a run, off keyframe", start: t0.Add(3370 * time.Millisecond), end: t0.Add(17 * time.Second)},
		{name: "across a gap", start: t0.Add(15 * time.Second), end: t0.Add(35 * time.Second), gaps: 1},
		{name: "across a restart", start: t0.Add(35 * time.Second), end: t0.Add(95*time.Second + 500*time.Millisecond), gaps: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			clip, err := ex.Export(context.Background(), Range{tc.start, tc.end}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer clip.Remove()
			m := clip.Manifest
			// H.265's reordered frames may carry the clip a few frames past the end.
			want := framesIn(before, tc.start, tc.end)
			if over := m.LastFrame.Sub(tc.end); over > 200*time.Millisecond {
				t.Errorf("the clip ends %v after the range", over)
			}
			want = framesIn(before, tc.start, m.LastFrame.Add(time.Millisecond))
			const tol = 100 * time.Microsecond // the archive's clock is 1/22500 s
			if m.Frames != len(want) || m.FirstFrame.Sub(want[0]).Abs() > tol || m.LastFrame.Sub(want[len(want)-1]).Abs() > tol {
				t.Errorf("%d frames from %v to %v, sources hold %d from %v to %v", m.Frames, m.FirstFrame, m.LastFrame, len(want), want[0], want[len(want)-1])
			}
			if len(m.Gaps) != tc.gaps || m.Codec != "hevc" || len(m.Sources) != 1 || !m.Sources[0].ChecksumVerified {
				t.Errorf("manifest %+v", m)
			}
			sum, err := os.ReadFile(filepath.Join(root, "2026-11-20", "video.mp4.sha512sum"))
			fi, serr := os.Stat(filepath.Join(root, "2026-11-20", "video.mp4"))
			if err != nil || serr != nil || !strings.HasPrefix(string(sum), m.Sources[0].SHA512+" ") || m.Sources[0].Bytes != fi.Size() {
				t.Errorf("source %s of %d bytes, the archive's sum %q %v, size %v %v", m.Sources[0].SHA512, m.Sources[0].Bytes, sum, err, fi, serr)
			}
			checkClip(t, clip, len(want), m)
		})
	}
	// The archive is hashed while ffmpeg cuts it: a cut that succeeds
	// must still not be handed on when the hash does not match.
	t.Run("an archive that differs from its checksum", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			file string
			bad  func([]byte) []byte
		}{
			{name: "a byte of the archive", file: "video.mp4", bad: func(b []byte) []byte { b[len(b)/2] ^= 0xff; return b }},
			{name: "the sum", file: "video.mp4.sha512sum", bad: func(b []byte) []byte {
				if b[0] == '0' {
					b[0] = '1'
				} else {
					b[0] = '0'
				}
				return b
			}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := filepath.Join(root, "2026-11-20", tc.file)
				orig, err := os.ReadFile(p)
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, tc.bad(slices.Clone(orig)), 0o644); err != nil {
					t.Fatal(err)
				}
				defer os.WriteFile(p, orig, 0o644)
				clip, err := ex.Export(context.Background(), Range{t0.Add(3370 * time.Millisecond), t0.Add(17 * time.Second)}, nil)
				if err == nil {
					clip.Remove()
				}
				if err == nil || !strings.Contains(err.Error(), "does not match its .sha512sum") {
					t.Errorf("err %v, want a mismatch", err)
				}
				if entries, _ := os.ReadDir(filepath.Join(state, "export")); len(entries) != 0 {
					t.Errorf("left in the work folder: %v", entries)
				}
			})
		}
	})
	// The catalog leaves out segments an archive holds; were they shown
	// with it, the clip could not hold both in order.
	t.Run("an archive and segments of the same footage refused", func(t *testing.T) {
		v := *after.views[d]
		v.Plan = before.views[d].Plan
		mixed := &fakeDays{views: map[day.Date]*catalog.DayView{d: &v}}
		ex2, err := New(Config{Root: root, Dir: filepath.Join(state, "export2"), Days: mixed, ArchiveRuns: arc.Runs, Location: loc}, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		defer ex2.Close()
		if _, err := ex2.Export(context.Background(), Range{t0, t0.Add(time.Minute)}, nil); !errors.Is(err, ErrArchived) || !strings.Contains(err.Error(), "overlap") {
			t.Errorf("err %v, want ErrArchived naming the overlap", err)
		}
	})
}

// testEncode are the archiver's settings in the tests, which the exporter
// takes too for the segments it encodes.
var testEncode = encode.Settings{Preset: "ultrafast", CRF: 30}

// archiver starts the real archiver on root, whose clock says now;
// archiveDay archives a day with it into file.
func archiver(t *testing.T, root, state string, now time.Time) *archive.Archiver {
	t.Helper()
	arc, err := archive.New(archive.Config{Root: root, State: state, Calendar: day.Calendar{Location: loc},
		ChunkSegments: 3, Encode: testEncode, Now: func() time.Time { return now }}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- arc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; arc.Close() })
	return arc
}

func archiveDay(t *testing.T, arc *archive.Archiver, root string, d day.Date, file string) {
	t.Helper()
	if _, err := arc.Convert(context.Background(), d, true, false); err != nil {
		t.Fatal(err)
	}
	ch, stop, err := arc.Watch(d)
	if err != nil {
		t.Fatal(err)
	}
	var last archive.Progress
	for p := range ch {
		last = p
	}
	stop()
	if _, err := os.Stat(filepath.Join(root, d.String(), file)); err != nil {
		t.Fatalf("no archive: %v (last progress %+v)", err, last)
	}
}

// merge puts the plans of b's days after a's, each run its own: the
// footage of a day that was archived twice.
func merge(a, b *fakeDays) *fakeDays {
	out := &fakeDays{views: map[day.Date]*catalog.DayView{}}
	for d, v := range a.views {
		p := *v.Plan
		p.Segments = slices.Clone(p.Segments)
		out.views[d] = &catalog.DayView{Date: d, Plan: &p}
	}
	for d, v := range b.views {
		o, ok := out.views[d]
		if !ok {
			p := *v.Plan
			out.views[d] = &catalog.DayView{Date: d, Plan: &p}
			continue
		}
		for _, s := range v.Plan.Segments {
			s.Run += 1000
			o.Plan.Segments = append(o.Plan.Segments, s)
		}
	}
	return out
}

// TestExportJoined exports ranges that span two archives, or an archive
// and segments, made by the real archiver: one H.265 clip, the archives'
// frames copied and the segments' encoded with the archiver's settings,
// gaps kept on its timeline.
func TestExportJoined(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: films, archives and exports with ffmpeg")
	}
	late := time.Date(2026, 11, 20, 23, 59, 30, 0, loc).Add(frac)
	t0 := time.Date(2026, 11, 20, 10, 0, 0, 0, loc).Add(frac)
	d20, d21 := day.Date{Year: 2026, Month: 11, Day: 20}, day.Date{Year: 2026, Month: 11, Day: 21}
	overMidnight := []run{
		{date: "2026-11-20", start: late, segments: 3, first: 1},
		{date: "2026-11-21", start: late.Add(30 * time.Second), segments: 2, first: 1}}
	tests := []struct {
		name string
		runs []run
		// archive are the days archived after the runs are filmed; later
		// runs are filmed after that, and then later archived (video-2.mp4).
		archive    []day.Date
		later      []run
		archive2   []day.Date
		start, end time.Time
		reencoded  int
		gaps       int
		sources    int
	}{
		{name: "across two archived days", runs: overMidnight, archive: []day.Date{d20, d21},
			start: late.Add(12 * time.Second), end: late.Add(45 * time.Second), sources: 2},
		{name: "across an archived day and segments", runs: overMidnight, archive: []day.Date{d20},
			start: late.Add(12*time.Second + 370*time.Millisecond), end: late.Add(45 * time.Second), reencoded: 2, sources: 3},
		{name: "across segments and an archived day after them", runs: overMidnight[1:], archive: []day.Date{d21}, later: overMidnight[:1],
			start: late.Add(12*time.Second + 370*time.Millisecond), end: late.Add(45 * time.Second), reencoded: 2, sources: 3},
		{name: "across an archive and late segments of its day, over a gap", runs: []run{{date: "2026-11-20", start: t0, segments: 3, first: 1}},
			archive: []day.Date{d20}, later: []run{{date: "2026-11-20", start: t0.Add(time.Minute), segments: 2, first: 4}},
			start: t0.Add(15 * time.Second), end: t0.Add(75 * time.Second), reencoded: 2, gaps: 1, sources: 3},
		{name: "across video.mp4 and video-2.mp4 of one day", runs: []run{{date: "2026-11-20", start: t0, segments: 3, first: 1}},
			archive: []day.Date{d20}, later: []run{{date: "2026-11-20", start: t0.Add(time.Minute), segments: 2, first: 4}}, archive2: []day.Date{d20},
			start: t0.Add(15 * time.Second), end: t0.Add(75 * time.Second), gaps: 1, sources: 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			root, state := filepath.Join(dir, "root"), filepath.Join(dir, "state")
			record(t, root, tc.runs)
			filmed := planRoot(t, root)
			// Before the days are due, so that the archiver archives them
			// when told and not on its own (the late segments would go).
			arc := archiver(t, root, state, time.Date(2026, 11, 22, 1, 0, 0, 0, loc))
			for _, d := range tc.archive {
				archiveDay(t, arc, root, d, "video.mp4")
			}
			if len(tc.later) > 0 {
				record(t, root, tc.later)
				filmed = merge(filmed, planRoot(t, root))
			}
			for _, d := range tc.archive2 {
				archiveDay(t, arc, root, d, "video-2.mp4")
			}
			days := planRoot(t, root)
			for d, v := range days.views {
				for _, name := range []string{"video.mp4", "video-2.mp4"} {
					if _, err := os.Stat(filepath.Join(root, d.String(), name)); err == nil {
						v.Archives = append(v.Archives, catalog.Archive{Name: name})
					}
				}
			}
			ex, err := New(Config{Camera: "front", Root: root, Dir: filepath.Join(state, "export"), Days: days, ArchiveRuns: arc.Runs,
				Encode: testEncode, Location: loc, Version: "test"}, slog.New(slog.DiscardHandler))
			if err != nil {
				t.Fatal(err)
			}
			defer ex.Close()
			var last Progress
			held := map[day.Date]bool{}
			clip, err := ex.Export(context.Background(), Range{tc.start, tc.end}, func(p Progress) {
				last = p
				for d := range days.views {
					held[d] = held[d] || ex.Pool().InUse("front", d)
				}
			})
			if err != nil {
				t.Fatal(err)
			}
			defer clip.Remove()
			m := clip.Manifest
			// While segments are read, retention must leave every source's day alone.
			for _, s := range m.Sources {
				if d, _ := day.Parse(s.Path[:10]); tc.reencoded > 0 && !held[d] {
					t.Errorf("%s's day was not held while the export ran", s.Path)
				}
			}
			// H.265's reordered frames may carry the clip a few frames past the end.
			if over := m.LastFrame.Sub(tc.end); over > 200*time.Millisecond {
				t.Errorf("the clip ends %v after the range", over)
			}
			want := framesIn(filmed, tc.start, m.LastFrame.Add(time.Millisecond))
			const tol = 100 * time.Microsecond // the archive's clock is 1/22500 s
			if m.Frames != len(want) || m.FirstFrame.Sub(want[0]).Abs() > tol || m.LastFrame.Sub(want[len(want)-1]).Abs() > tol {
				t.Errorf("%d frames from %v to %v, sources hold %d from %v to %v", m.Frames, m.FirstFrame, m.LastFrame, len(want), want[0], want[len(want)-1])
			}
			if m.Codec != "hevc" || len(m.Reencoded) != tc.reencoded || len(m.Gaps) != tc.gaps || len(m.Sources) != tc.sources {
				t.Errorf("codec %s, reencoded %+v, gaps %+v, sources %+v; want hevc, %d, %d, %d", m.Codec, m.Reencoded, m.Gaps, m.Sources, tc.reencoded, tc.gaps, tc.sources)
			}
			for _, s := range m.Sources {
				if s.Kind == "archive" && !s.ChecksumVerified {
					t.Errorf("source %+v: checksum not verified", s)
				}
			}
			// One H.265 file that plays everywhere: tagged hvc1, its index first.
			tag, err := exec.Command("ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=codec_name,codec_tag_string",
				"-of", "csv=p=0", clip.MP4).Output()
			if err != nil || strings.TrimSpace(string(tag)) != "hevc,hvc1" {
				t.Errorf("ffprobe codec: %q %v, want hevc,hvc1", tag, err)
			}
			if b, err := os.ReadFile(clip.MP4); err != nil || bytes.Index(b, []byte("moov")) > bytes.Index(b, []byte("mdat")) {
				t.Errorf("moov after mdat: not faststart (%v)", err)
			}
			if tc.reencoded > 0 && (last.Done != last.Total || last.Total == 0) {
				t.Errorf("progress ended at %+v", last)
			}
			checkClip(t, clip, len(want), m)
		})
	}
}

// archivedDay films two runs into root's 2026-11-20 (a segment missing
// from the first, then a restart) and archives the day with the real
// archiver, which runs until the test ends. It returns the day, the plan
// of the root before archiving (the frames the sources held) and the
// archiver.
func archivedDay(t *testing.T, root, state string, loc *time.Location, t0 time.Time) (day.Date, *fakeDays, *archive.Archiver) {
	t.Helper()
	record(t, root, []run{
		{date: "2026-11-20", start: t0, segments: 4, first: 1, drop: []int{3}},
		{date: "2026-11-20", start: t0.Add(90 * time.Second), segments: 2, first: 5}})
	before := planRoot(t, root)
	d := day.Date{Year: 2026, Month: 11, Day: 20}
	arc, err := archive.New(archive.Config{Root: root, State: state, Calendar: day.Calendar{Location: loc},
		ChunkSegments: 3, Encode: encode.Settings{Preset: "ultrafast", CRF: 30},
		Now: func() time.Time { return t0.Add(72 * time.Hour) }}, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- arc.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done; arc.Close() })
	if _, err := arc.Convert(ctx, d, true, false); err != nil {
		t.Fatal(err)
	}
	ch, stop, err := arc.Watch(d)
	if err != nil {
		t.Fatal(err)
	}
	var last archive.Progress
	for p := range ch {
		last = p
	}
	stop()
	if _, err := os.Stat(filepath.Join(root, d.String(), "video.mp4")); err != nil {
		t.Fatalf("no archive: %v (last progress %+v)", err, last)
	}
	return d, before, arc
}
