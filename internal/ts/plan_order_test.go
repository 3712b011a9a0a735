package ts

import (
	"math/rand/v2"
	"os"
	"slices"
	"testing"
)

func TestPlanOrder(t *testing.T) {
	for _, c := range planCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := c.make(dir); err != nil {
				t.Fatal(err)
			}
			p := planDir(t, dir)
			p.CheckDay(c.day, c.day.AddDate(0, 0, 1))
			var got []string
			for _, s := range p.Segments {
				got = append(got, s.Name)
			}
			if !slices.Equal(got, c.want) {
				t.Errorf("order = %v, want %v", got, c.want)
			}
			var kinds []Kind
			var reordered, outside [][]string
			for _, f := range p.Findings {
				kinds = append(kinds, f.Kind)
				switch f.Kind {
				case Reordered:
					reordered = append(reordered, f.Files)
					t.Logf("reordered: %s", f.Detail)
				case OutsideDay:
					outside = append(outside, f.Files)
					t.Logf("outside: %s", f.Detail)
				}
			}
			if !slices.Equal(kinds, c.findings) {
				t.Errorf("findings = %v, want %v (%+v)", kinds, c.findings, p.Findings)
			}
			if g, w := mustJSON(t, reordered), mustJSON(t, c.reordered); g != w {
				t.Errorf("reordered files = %s, want %s", g, w)
			}
			if g, w := mustJSON(t, outside), mustJSON(t, c.outside); g != w {
				t.Errorf("outside files = %s, want %s", g, w)
			}
			checkTimeline(t, &p)
			t.Run("shuffled input, same plan", func(t *testing.T) {
				files := dirFiles(t, dir)
				rand.New(rand.NewPCG(3, 4)).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
				q := NewPlan(files)
				q.CheckDay(c.day, c.day.AddDate(0, 0, 1))
				if a, b := mustJSON(t, p), mustJSON(t, q); a != b {
					t.Errorf("plans differ:\n%s\n%s", a, b)
				}
			})
		})
	}
}

// checkTimeline: the day's timeline never runs backwards, and once a
// plan is in filming order its wall clock never does either.
func checkTimeline(t *testing.T, p *Plan) {
	t.Helper()
	for i := 1; i < len(p.Segments); i++ {
		prev, s := &p.Segments[i-1], &p.Segments[i]
		if end := prev.OutDTS() + prev.Report.LastDTS - prev.Report.FirstDTS + prev.Report.FrameTicks; s.OutDTS() < end-prev.Report.FrameTicks/2 {
			t.Errorf("%s starts at %d on the timeline, before %s ends at %d", s.Name, s.OutDTS(), prev.Name, end)
		}
	}
}

// dirFiles is what PlanDir would offer NewPlan.
func dirFiles(t testing.TB, dir string) []File {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var files []File
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		f := File{Name: e.Name(), Mode: e.Type(), Size: info.Size(), ModTime: info.ModTime()}
		if IsCandidate(f.Name, f.Mode) && f.Size > 0 {
			f.Report, f.Err = ScanFile(root, f.Name)
		}
		files = append(files, f)
	}
	return files
}

