package archive

import (
	"encoding/json"
	"fmt"
	"os"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/ts"
)

// RunsOf reads the runs of each archive, by file name, from a copy of a
// day's index (STATE/archived/DATE.json) or of its summary
// (DATE.summary.json), such as the off-site copy of a day whose state was
// lost: Runs reads the local files only.
func RunsOf(b []byte) (map[string][]ts.Run, error) {
	var x struct {
		archiveIndex
		Runs map[string][]ts.Run `json:"runs"`
	}
	if err := json.Unmarshal(b, &x); err != nil {
		return nil, fmt.Errorf("read archive index: %w", err)
	}
	if len(x.Runs) > 0 {
		return x.Runs, nil
	}
	var runs map[string][]ts.Run
	for _, e := range x.Archives {
		if len(e.Runs) > 0 {
			if runs == nil {
				runs = map[string][]ts.Run{}
			}
			runs[e.File] = e.Runs
		}
	}
	return runs, nil
}

// Indexed reports whether date has an index in the state folder: Runs
// are then all there is to know of its archives' runs.
func (a *Archiver) Indexed(date day.Date) bool {
	_, err := os.Stat(a.indexPath(date))
	return err == nil
}
