package archive

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

func TestRunsOf(t *testing.T) {
	at := time.Date(2026, 11, 20, 10, 0, 0, 153192286, time.UTC)
	runs := map[string][]ts.Run{"video.mp4": {{Start: at, Pos: 0, Len: time.Minute}, {Start: at.Add(time.Hour), Pos: time.Minute, Len: time.Second}}}
	index, _ := json.Marshal(&archiveIndex{Archives: []indexEntry{{File: "video.mp4", Runs: runs["video.mp4"]}, {File: "video-2.mp4"}}})
	summary, _ := json.Marshal(indexSummary{Runs: runs})
	old, _ := json.Marshal(&archiveIndex{Archives: []indexEntry{{File: "video.mp4"}}})
	for _, tc := range []struct {
		name    string
		in      []byte
		want    map[string][]ts.Run
		wantErr bool
	}{
		{name: "index", in: index, want: runs},
		{name: "summary", in: summary, want: runs},
		{name: "index of before runs were recorded", in: old},
		{name: "not json", in: []byte("<html>"), wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := RunsOf(tc.in)
			if (err != nil) != tc.wantErr || !reflect.DeepEqual(got, tc.want) {
				t.Errorf("RunsOf = %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}
