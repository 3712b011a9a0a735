package daemon

import (
	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/web"
)

// failures are the days whose last conversion failed, as the index page
// shows them.
func failures(arc *archive.Archiver) func() map[day.Date]web.Failure {
	return func() map[day.Date]web.Failure {
		var out map[day.Date]web.Failure
		for _, d := range arc.Status().Days {
			if d.State != archive.StateFailed {
				continue
			}
			if out == nil {
				out = map[day.Date]web.Failure{}
			}
			f := web.Failure{NextAttempt: d.NextAttempt}
			switch {
			case d.Err != nil:
				f.Err = d.Err.Error()
			case d.Progress.Err != nil:
				f.Err = d.Progress.Err.Error()
			default:
				f.Err = "unknown error"
			}
			out[d.Date] = f
		}
		return out
	}
}
