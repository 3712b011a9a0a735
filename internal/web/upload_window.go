package web

import (
	"fmt"

	"github.com/cctvd/cctvd/internal/day"
)

// UploadBacklogDays is how far back an upload's day may be: a camera that
// was offline for long may catch up, but a date before that (1970-01-01
// from a Pi without a real-time clock, 0001-01-01) is a wrong clock.
const UploadBacklogDays = 400

// uploadWindow checks an upload's day against today: from
// UploadBacklogDays before it up to tomorrow, the slack a camera in
// another time zone needs. Footage filed under a wrong date would be
// archived and deleted with the wrong day, and a day in the future would
// look like the newest; the camera keeps a refused file.
func uploadWindow(d, today day.Date) error {
	first, last := today.AddDays(-UploadBacklogDays), today.Next()
	if d.Before(first) || last.Before(d) {
		return fmt.Errorf("day %s is outside the upload window %s to %s (is the camera's clock right?)", d, first, last)
	}
	return nil
}
