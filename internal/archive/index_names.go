package archive

import (
	"path"

	"github.com/cctvd/cctvd/internal/day"
)

// IndexName and SummaryName are where a day's index and its summary are,
// relative to the camera's state folder (slash-separated, for os.Root):
// the off-site copy uploads them beside the day's archives, and a day
// whose local archives are gone is still drawn from them.
func IndexName(date day.Date) string { return path.Join("archived", date.String()+".json") }

// SummaryName: see IndexName.
func SummaryName(date day.Date) string {
	return path.Join("archived", date.String()+".summary.json")
}
