package ts

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
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

// planFixtures are the plan cases' files, made and scanned once per test
// binary for the fuzzer.
var planFixtures struct {
	once  sync.Once
	dir   string
	files [][]File // per case
	err   error
}

func planCaseFiles(t testing.TB) [][]File {
	t.Helper()
	planFixtures.once.Do(func() {
		planFixtures.dir, planFixtures.err = os.MkdirTemp("", "ts-plan-cases-")
		for i, c := range planCases {
			if planFixtures.err != nil {
				return
			}
			dir := filepath.Join(planFixtures.dir, strconv.Itoa(i))
			if planFixtures.err = os.Mkdir(dir, 0o755); planFixtures.err == nil {
				planFixtures.err = c.make(dir)
			}
			if planFixtures.err == nil {
				planFixtures.files = append(planFixtures.files, dirFiles(t, dir))
			}
		}
	})
	if planFixtures.err != nil {
		t.Fatalf("plan cases: %v", planFixtures.err)
	}
	return planFixtures.files
}

// FuzzPlanOrder plans the plan cases' files under times and names the
// fuzzer moves: each pair of bytes shifts one file's time and may give it
// another's name. Whatever the clocks say, no file is lost or doubled, the
// timeline never runs backwards, and the plan does not depend on the order
// the files are offered in.
func FuzzPlanOrder(f *testing.F) {
	cases := planCaseFiles(f)
	for i := range cases {
		f.Add([]byte{byte(i)})
		f.Add([]byte{byte(i), 0, 0, 3, 0x80, 5, 0x41})
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		files := slices.Clone(cases[int(b[0])%len(cases)])
		b = b[1:]
		for i := 0; i+1 < len(b) && i/2 < len(files); i += 2 {
			k := &files[i/2]
			k.ModTime = k.ModTime.Add(time.Duration(int8(b[i])) * 997 * time.Millisecond)
			if j := int(b[i+1]) % (2 * len(files)); j < len(files) && j != i/2 {
				k.Name, files[j].Name = files[j].Name, k.Name // a swap keeps names unique
			}
		}
		p := NewPlan(files)
		seen := map[string]int{}
		for _, s := range p.Segments {
			seen[s.Name]++
		}
		for _, k := range p.Kept {
			seen[k.Name]++
		}
		for _, f := range files {
			if day.IsArchive(f.Name) {
				continue
			}
			if seen[f.Name] != 1 {
				t.Fatalf("%s is in the plan %d times (segments and kept)", f.Name, seen[f.Name])
			}
		}
		checkTimeline(t, &p)
		rand.New(rand.NewPCG(5, 6)).Shuffle(len(files), func(i, j int) { files[i], files[j] = files[j], files[i] })
		if q := NewPlan(files); mustJSON(t, p) != mustJSON(t, q) {
			t.Fatal("the plan depends on the order files are offered in")
		}
	})
}
