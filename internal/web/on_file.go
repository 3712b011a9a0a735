package web

import (
	"fmt"
	"net/http"
	"os"
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
		text(w, http.StatusNotFound, "not found")
		return
	}
	defer f.Close()
	h := w.Header()
	h.Set("Content-Type", ct)
	h.Set("ETag", fmt.Sprintf(`"%x-%x"`, info.Size(), info.ModTime().UnixNano()))
	// Footage does not change once complete; it goes away when archived.
	h.Set("Cache-Control", "public, max-age=3600")
	http.ServeContent(w, r, fp.name, info.ModTime(), f)
}

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
