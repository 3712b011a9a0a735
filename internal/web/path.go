package web

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/cctvd/cctvd/internal/day"
)

// Errors of request parsing; each is answered 400 with its text.
var (
	errBadPath  = errors.New("bad path")
	errBadName  = errors.New("bad file name")
	errBadQuery = errors.New("bad query")
)

// maxName is the longest file name accepted, as most file systems allow.
const maxName = 255

// filePath is a request for a file in a day folder.
type filePath struct {
	date day.Date
	name string
}

// parseFilePath reads /YYYY-MM-DD/NAME from an escaped URL path. The date
// must be written plainly; the name is unescaped and must be a plain file
// name: not hidden, no slashes, no control characters.
func parseFilePath(escaped string) (filePath, error) {
	rest, ok := strings.CutPrefix(escaped, "/")
	if !ok {
		return filePath{}, errBadPath
	}
	rawDate, rawName, ok := strings.Cut(rest, "/")
	if !ok || strings.Contains(rawName, "/") {
		return filePath{}, errBadPath
	}
	d, err := day.Parse(rawDate)
	if err != nil {
		return filePath{}, errBadPath
	}
	if len(rawName) > 3*maxName {
		return filePath{}, errBadName
	}
	name, err := url.PathUnescape(rawName)
	if err != nil || !validName(name) {
		return filePath{}, errBadName
	}
	return filePath{date: d, name: name}, nil
}

// validName accepts a plain, visible file name.
func validName(name string) bool {
	if name == "" || len(name) > maxName || name[0] == '.' || !utf8.ValidString(name) {
		return false
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return false
		}
	}
	return true
}

// contentType is the type a day folder's file is served as, or "" if it
// is not served. Go's MIME table is not asked: on Debian it maps .ts to
// Qt translations.
func contentType(name string) string {
	switch {
	case strings.HasSuffix(name, ".ts"):
		return "video/mp2t"
	case day.IsArchive(name):
		return "video/mp4"
	case day.IsChecksum(name):
		return "text/plain; charset=utf-8"
	}
	return ""
}

// playlistQuery is what a playlist request asks for.
type playlistQuery struct {
	date day.Date // zero when not given
	live bool
}

// maxQuery bounds a playlist query: the longest valid one is far shorter.
const maxQuery = 256

// parsePlaylistQuery reads date=YYYY-MM-DD and live=1|0 from a raw query.
// Each may be given once; other keys are ignored, as browsers and players
// add their own (cache busters).
func parsePlaylistQuery(raw string) (playlistQuery, error) {
	var q playlistQuery
	if len(raw) > maxQuery {
		return q, fmt.Errorf("%w: query too long", errBadQuery)
	}
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return q, fmt.Errorf("%w: malformed query", errBadQuery)
	}
	if v, ok := vals["date"]; ok {
		if len(v) != 1 {
			return q, fmt.Errorf("%w: date given twice", errBadQuery)
		}
		if q.date, err = day.Parse(v[0]); err != nil {
			return q, fmt.Errorf("%w: date: not a real date in YYYY-MM-DD form", errBadQuery)
		}
	}
	if v, ok := vals["live"]; ok {
		switch {
		case len(v) != 1:
			return q, fmt.Errorf("%w: live given twice", errBadQuery)
		case v[0] == "1":
			q.live = true
		case v[0] == "0":
		default:
			return q, fmt.Errorf("%w: live: want 1 or 0", errBadQuery)
		}
	}
	return q, nil
}
