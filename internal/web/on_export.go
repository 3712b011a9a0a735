package web

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/cctvd/cctvd/internal/export"
)

// Exporter cuts ranges of the camera's footage (package export).
type Exporter interface {
	ParseRange(start, end string) (export.Range, error)
	Export(ctx context.Context, r export.Range, progress func(export.Progress)) (*export.Clip, error)
}

// exportRetryAfter is what a refused export is told to wait, in seconds:
// about what an hour's export from segments takes.
const exportRetryAfter = "30"

// serveExport answers /export.mp4 and /export.zip?start=…&end=… (or
// &duration=…): the clip, or the clip, its .sha512sum and its manifest as
// a zip. The clip is made before the first byte is sent, so an error is
// still a status; a client that goes away stops the export and its files
// are removed.
func (s *Server) serveExport(w http.ResponseWriter, r *http.Request, asZip bool) {
	if s.cfg.Exporter == nil {
		text(w, http.StatusNotFound, "exports are off")
		return
	}
	q := r.URL.Query()
	end := q.Get("end")
	if end == "" {
		end = q.Get("duration")
	}
	rg, err := s.cfg.Exporter.ParseRange(q.Get("start"), end)
	if err == nil {
		var clip *export.Clip
		clip, err = s.cfg.Exporter.Export(r.Context(), rg, nil)
		if err == nil {
			defer clip.Remove()
			s.sendClip(w, r, clip, asZip)
			return
		}
	}
	switch {
	case errors.Is(err, export.ErrBadRange):
		text(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, export.ErrTooLong):
		text(w, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, export.ErrNoFootage):
		text(w, http.StatusNotFound, err.Error())
	case errors.Is(err, export.ErrArchived):
		text(w, http.StatusNotImplemented, err.Error())
	case errors.Is(err, export.ErrBusy):
		w.Header().Set("Retry-After", exportRetryAfter)
		text(w, http.StatusTooManyRequests, err.Error())
	case r.Context().Err() != nil:
		// the client went away: nobody to answer
	default:
		s.log.Error("export failed", "err", err)
		text(w, http.StatusInternalServerError, "export failed: "+err.Error())
	}
}

func (s *Server) sendClip(w http.ResponseWriter, r *http.Request, clip *export.Clip, asZip bool) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Checksum-SHA512", clip.Manifest.File.SHA512)
	if !asZip {
		f, err := os.Open(clip.MP4)
		if err != nil {
			text(w, http.StatusInternalServerError, "export failed: "+err.Error())
			return
		}
		defer f.Close()
		h.Set("Content-Type", "video/mp4")
		h.Set("Content-Disposition", `attachment; filename="`+clip.Name+`"`)
		h.Set("Content-Length", strconv.FormatInt(clip.Manifest.File.Bytes, 10))
		if r.Method != http.MethodHead {
			io.Copy(w, f)
		}
		return
	}
	h.Set("Content-Type", "application/zip")
	h.Set("Content-Disposition", `attachment; filename="`+trimMP4(clip.Name)+`.zip"`)
	if r.Method == http.MethodHead {
		return
	}
	zw := zip.NewWriter(w)
	for _, p := range []string{clip.MP4, clip.Sum, clip.JSON} {
		if err := addToZip(zw, p); err != nil {
			s.log.Warn("export zip cut short", "err", err)
			return
		}
	}
	if err := zw.Close(); err != nil {
		s.log.Warn("export zip cut short", "err", err)
	}
}

// addToZip stores a file: an mp4 does not compress, and storing keeps it fast.
func addToZip(zw *zip.Writer, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	fh, err := zip.FileInfoHeader(fi)
	if err != nil {
		return err
	}
	fh.Name, fh.Method = filepath.Base(path), zip.Store
	zf, err := zw.CreateHeader(fh)
	if err != nil {
		return err
	}
	_, err = io.Copy(zf, f)
	return err
}

func trimMP4(name string) string { return name[:len(name)-len(filepath.Ext(name))] }
