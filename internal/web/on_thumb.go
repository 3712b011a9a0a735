package web

import (
	"fmt"
	"math/bits"
	"net/http"
	"os"
	"strings"

	"github.com/cctvd/cctvd/internal/day"
)

// Thumbnails are the index page's pictures of each hour of footage
// (package thumbs makes and keeps them in the state folder).
type Thumbnails interface {
	// Hours has bit h set when day d has a thumbnail of hour h (0-23).
	Hours(d day.Date) uint32
	// Version changes whenever a thumbnail comes or goes.
	Version() uint64
	// Open opens the thumbnail of hour h of day d, a JPEG.
	Open(d day.Date, hour int) (*os.File, error)
}

// thumbPath is a request for /thumb/YYYY-MM-DD/HH.jpg.
type thumbPath struct {
	date day.Date
	hour int
}

// parseThumbPath reads /thumb/YYYY-MM-DD/HH.jpg from an escaped path; ok
// is false unless it is exactly that, with a real date and an hour 00-23.
func parseThumbPath(escaped string) (thumbPath, bool) {
	rest, ok := strings.CutPrefix(escaped, "/thumb/")
	if !ok {
		return thumbPath{}, false
	}
	rawDate, file, ok := strings.Cut(rest, "/")
	if !ok || len(file) != len("HH.jpg") || file[2:] != ".jpg" {
		return thumbPath{}, false
	}
	d, err := day.Parse(rawDate)
	if err != nil {
		return thumbPath{}, false
	}
	hi, lo := file[0], file[1]
	if hi < '0' || hi > '2' || lo < '0' || lo > '9' {
		return thumbPath{}, false
	}
	h := int(hi-'0')*10 + int(lo-'0')
	if h > 23 {
		return thumbPath{}, false
	}
	return thumbPath{date: d, hour: h}, true
}

// thumbURL is the page's URL of a thumbnail.
func thumbURL(d day.Date, hour int) string {
	return fmt.Sprintf("thumb/%s/%02d.jpg", d, hour)
}

// LatestThumb is the URL of the camera's newest thumbnail, relative to
// its pages (thumb/YYYY-MM-DD/HH.jpg), and its day and hour; "" when it
// has none. Thumbnails lag their footage, so the newest day with one is
// taken, not the newest day.
func (s *Server) LatestThumb() (url, hour string) {
	if s.cfg.Thumbs == nil {
		return "", ""
	}
	for _, v := range s.cat.Days() { // newest first
		if hours := s.cfg.Thumbs.Hours(v.Date); hours != 0 {
			h := 31 - bits.LeadingZeros32(hours)
			return thumbURL(v.Date, h), fmt.Sprintf("%s %02d:00", v.Date, h)
		}
	}
	return "", ""
}

// serveThumb answers a thumbnail. A thumbnail is made once and never
// changes, but it goes when its day does: cached for a day.
func (s *Server) serveThumb(w http.ResponseWriter, r *http.Request, tp thumbPath) {
	if s.cfg.Thumbs == nil {
		text(w, http.StatusNotFound, "not found")
		return
	}
	f, err := s.cfg.Thumbs.Open(tp.date, tp.hour)
	if err != nil {
		text(w, http.StatusNotFound, "not found")
		return
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil || !info.Mode().IsRegular() {
		text(w, http.StatusNotFound, "not found")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "image/jpeg")
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, info.Size(), info.ModTime().UnixNano()))
	h.Set("Cache-Control", "public, max-age=86400")
	http.ServeContent(w, r, "", info.ModTime(), f)
}
