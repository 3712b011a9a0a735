package web

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// serveFile answers a segment, an archive or its checksum file, with
// Range, ETag and Last-Modified. Only regular files in a real day folder
// are served: a symlink is not, even one that stays inside the root.
func (s *Server) serveFile(w http.ResponseWriter, r *http.Request, fp filePath) {
	ct := contentType(fp.name)
	if ct == "" {
		text(w, http.StatusNotFound, "not found")
		return
	}
	f, info, err := s.openFile(fp)
	if err != nil {
		if rf, ok := s.offsiteDays()[fp.date].file(fp.name); ok && errors.Is(err, fs.ErrNotExist) {
			s.serveRemote(w, r, fp, ct, rf)
			return
		}
		text(w, http.StatusNotFound, "not found")
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, info.Size(), info.ModTime().UnixNano()))
	h.Set("Cache-Control", s.fileCache(fp, info))
	http.ServeContent(w, r, fp.name, info.ModTime(), f)
}

// fileCache is a file's Cache-Control. Footage does not change once
// complete, so a file of a past day that the catalog took in as complete,
// at this size and time, may be kept for an hour. Anything else (today's
// files, a file still being written, one the catalog has not taken in)
// may be a truncated body still growing: a cache must ask again each time
// (no-cache), and the ETag, which follows size and time, answers 304 when
// nothing changed.
func (s *Server) fileCache(fp filePath, info os.FileInfo) string {
	if !fp.date.Before(s.today()) {
		return cacheRevalidate
	}
	v, ok := s.cat.Day(fp.date)
	if !ok {
		return cacheRevalidate
	}
	same := func(size int64, mtime time.Time) bool {
		return size == info.Size() && mtime.Equal(info.ModTime())
	}
	segs := v.Plan.Segments
	if i, found := slices.BinarySearchFunc(segs, fp.name, func(s ts.Segment, name string) int {
		switch {
		case ts.NaturalLess(s.Name, name):
			return -1
		case ts.NaturalLess(name, s.Name):
			return 1
		}
		return 0
	}); found && segs[i].Name == fp.name && same(segs[i].Report.Size, segs[i].ModTime) {
		return cacheFile
	}
	for _, a := range v.Archives {
		if a.Name == fp.name && same(a.Size, a.ModTime) && v.Pending == 0 {
			return cacheFile
		}
	}
	if name, ok := strings.CutSuffix(fp.name, ".sha512sum"); ok && v.Pending == 0 {
		for _, a := range v.Archives {
			if a.Name == name && a.Checksum {
				return cacheFile
			}
		}
	}
	return cacheRevalidate
}

const (
	cacheFile       = "public, max-age=3600"
	cacheRevalidate = "no-cache"
)

// openFile opens a regular file of a day folder through the root; the
// folder and the file must both be what they seem, not symlinks.
func (s *Server) openFile(fp filePath) (*os.File, os.FileInfo, error) {
	dir := fp.date.String()
	di, err := s.root.Lstat(dir)
	if err != nil {
		return nil, nil, err
	}
	if !di.IsDir() {
		return nil, nil, os.ErrNotExist
	}
	rel := dir + "/" + fp.name
	li, err := s.root.Lstat(rel)
	if err != nil {
		return nil, nil, err
	}
	if !li.Mode().IsRegular() {
		return nil, nil, os.ErrNotExist
	}
	f, err := s.root.Open(rel)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err != nil || !os.SameFile(li, info) {
		f.Close()
		return nil, nil, os.ErrNotExist
	}
	return f, info, nil
}
