package control

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// Misplaced lists the entries of a camera's folder that look like footage
// in the wrong place: the camera's catalog.
type Misplaced interface {
	Misplaced() []catalog.Misplaced
}

var misplacedKinds = map[catalog.MisplacedKind]cctvv1.MisplacedKind{
	catalog.StraySegment: cctvv1.MisplacedKind_MISPLACED_KIND_STRAY_SEGMENT,
	catalog.NotADate:     cctvv1.MisplacedKind_MISPLACED_KIND_NOT_A_DATE,
	catalog.DaySuffix:    cctvv1.MisplacedKind_MISPLACED_KIND_DAY_SUFFIX,
	catalog.NotAFolder:   cctvv1.MisplacedKind_MISPLACED_KIND_NOT_A_FOLDER,
}

func misplacedProto(camera string, ms []catalog.Misplaced) []*cctvv1.MisplacedEntry {
	var out []*cctvv1.MisplacedEntry
	for _, m := range ms {
		e := &cctvv1.MisplacedEntry{Camera: camera, Name: m.Name, Kind: misplacedKinds[m.Kind], Detail: m.Detail}
		if !m.Date.IsZero() {
			e.Date = m.Date.String()
		}
		out = append(out, e)
	}
	return out
}

// misplacedFindings are the misplaced entries named after day d, as
// findings of its verify.
func misplacedFindings(ms []catalog.Misplaced, d day.Date) []*cctvv1.Finding {
	var out []*cctvv1.Finding
	for _, m := range ms {
		if m.Date == d {
			out = append(out, &cctvv1.Finding{Kind: cctvv1.FindingKind_FINDING_KIND_MISPLACED,
				Files: []string{"../" + m.Name}, Detail: m.Detail})
		}
	}
	return out
}

// withMisplaced adds to a verify's unknown day the misplaced entries named
// after it: the folder the day's footage may be in (2026-11-25.bak).
func withMisplaced(err error, ms []catalog.Misplaced, d day.Date) error {
	if !errors.Is(err, archive.ErrUnknownDay) {
		return err
	}
	var names []string
	for _, m := range ms {
		if m.Date == d {
			names = append(names, m.Name)
		}
	}
	if len(names) == 0 {
		return err
	}
	return fmt.Errorf("%w; misplaced under the root: %s", err, strings.Join(names, ", "))
}
