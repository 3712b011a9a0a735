package viewer

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/offsite"
)

// serveFile answers a day's file from the bucket: the whole of it (200) or
// the one range asked for (206; 416 past its end), as the bucket sends it.
// A HEAD is answered from the listing, without asking the bucket.
func (v *Viewer) serveFile(w http.ResponseWriter, r *http.Request, f offsite.ListedFile) {
	h := w.Header()
	h.Set("Content-Type", contentType(f.Name))
	h.Set("Accept-Ranges", "bytes")
	// Archives never change, but a listing may be stale: players ask again.
	h.Set("Cache-Control", "no-cache")
	if r.Method == http.MethodHead {
		h.Set("Content-Length", strconv.FormatInt(f.Size, 10))
		if !f.Modified.IsZero() {
			h.Set("Last-Modified", f.Modified.UTC().Format(http.TimeFormat))
		}
		w.WriteHeader(http.StatusOK)
		return
	}
	rng := singleRange(r.Header.Get("Range"))
	rd, err := v.cfg.Bucket.Get(r.Context(), f.Key, rng)
	if err == nil && rng != "" && !ifRange(r.Header.Get("If-Range"), rd) {
		// The client's copy is not this file: it gets the whole of it,
		// not a piece to splice onto another.
		rd.Close()
		rd, err = v.cfg.Bucket.Get(r.Context(), f.Key, "")
	}
	switch {
	case errors.Is(err, offsite.ErrRange):
		h.Set("Content-Range", fmt.Sprintf("bytes */%d", f.Size))
		text(w, http.StatusRequestedRangeNotSatisfiable, "range not satisfiable")
		return
	case errors.Is(err, offsite.ErrNotFound):
		text(w, http.StatusNotFound, "no longer in the bucket: "+f.Name)
		return
	case err != nil:
		if r.Context().Err() == nil {
			v.log.Warn("cannot read from the bucket", "key", f.Key, "err", err)
		}
		text(w, http.StatusBadGateway, "the bucket did not answer; try again")
		return
	}
	defer rd.Close()
	h.Set("Content-Length", strconv.FormatInt(rd.Size, 10))
	if rd.ETag != "" {
		h.Set("ETag", rd.ETag)
	}
	if !rd.LastModified.IsZero() {
		h.Set("Last-Modified", rd.LastModified.UTC().Format(http.TimeFormat))
	}
	code := http.StatusOK
	if rd.ContentRange != "" {
		h.Set("Content-Range", rd.ContentRange)
		code = http.StatusPartialContent
	}
	w.WriteHeader(code)
	n, err := io.Copy(w, rd)
	if err != nil && r.Context().Err() == nil && n < rd.Size {
		// The status is sent: the client sees a short body and asks again.
		v.log.Debug("file cut short", "key", f.Key, "sent", n, "size", rd.Size, "err", err)
	}
}

// ifRange reports whether a Range with this If-Range header is to be
// served as a range of rd: without the header, or with rd's strong ETag or
// exact modification time (RFC 9110, 13.1.5).
func ifRange(h string, rd *offsite.Reader) bool {
	switch {
	case h == "":
		return true
	case strings.HasPrefix(h, "W/"):
		return false
	case strings.HasPrefix(h, `"`):
		return h == rd.ETag
	}
	t, err := http.ParseTime(h)
	return err == nil && !rd.LastModified.IsZero() && t.Equal(rd.LastModified.Truncate(time.Second))
}

// rangeRE is one byte range: what players and browsers ask for. S3 serves
// no more, so several ranges get the whole file, as HTTP allows.
var rangeRE = regexp.MustCompile(`^bytes=(?:(\d{1,19})-(\d{0,19})|-(\d{1,19}))$`)

// singleRange is the Range header to pass on, or "" to ask for the whole file.
func singleRange(h string) string {
	m := rangeRE.FindStringSubmatch(h)
	if m == nil {
		return ""
	}
	if m[1] != "" && m[2] != "" {
		a, err1 := strconv.ParseInt(m[1], 10, 64)
		b, err2 := strconv.ParseInt(m[2], 10, 64)
		if err1 != nil || err2 != nil || b < a {
			return "" // invalid: ignored, as HTTP says
		}
	}
	return h
}

// contentType is a file's type by its name: what cctvd writes into a day.
func contentType(name string) string {
	switch path.Ext(name) {
	case ".mp4":
		return "video/mp4"
	case ".json":
		return "application/json"
	case ".sha512sum", ".txt":
		return "text/plain; charset=utf-8"
	}
	return "application/octet-stream"
}

// lastModified formats a time for the pages.
func lastModified(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
