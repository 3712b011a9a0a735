package web

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/cctvd/cctvd/internal/ts"
)

// serveUpload stores a camera's segment: PUT /YYYY-MM-DD/NAME.ts.
//
// Without a token file uploads are off and PUT is answered 405 Method Not
// Allowed with Allow: GET, HEAD: the server is read-only, which is not a
// matter of credentials (401) or of permission for this client (403).
//
// The body goes to a hidden temporary file in the day folder (created if
// need be), is fsynced and checked as MPEG-TS with a PAT, a PMT and video
// frames, and is then linked into place, which never replaces a file:
// 201 when stored; 200 when the same bytes are there already (a retry),
// or in the day's archive under this name (Config.Archived: then nothing
// is stored); 409 when other bytes are, which stay; 422 for junk or a day
// outside the upload window (uploadWindow: a camera's clock is wrong); 413 when too big;
// 408 when the body stalls for Config.UploadIdle; 507 when the disk is
// full, so the camera keeps the segment and tries again later. Nothing is
// left behind by a failed upload.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request, fp filePath) {
	if len(s.tokens) == 0 {
		w.Header().Set("Allow", "GET, HEAD")
		text(w, http.StatusMethodNotAllowed, "uploads are off")
		return
	}
	if !s.authorized(r) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="cctvd"`)
		text(w, http.StatusUnauthorized, "unauthorized")
		return
	}
	if !strings.HasSuffix(fp.name, ".ts") {
		text(w, http.StatusBadRequest, "bad file name: only *.ts segments are uploaded")
		return
	}
	if err := uploadWindow(fp.date, s.today()); err != nil {
		s.log.Warn("upload refused", "day", fp.date.String(), "segment", fp.name, "err", err)
		text(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if r.ContentLength > s.cfg.UploadMaxBytes {
		text(w, http.StatusRequestEntityTooLarge, "too large")
		return
	}
	key := fp.date.String() + "/" + fp.name
	if _, busy := s.uploads.LoadOrStore(key, struct{}{}); busy {
		text(w, http.StatusConflict, "an upload of this file is under way")
		return
	}
	defer s.uploads.Delete(key)
	code, msg, err := s.store(w, r, fp)
	log := s.log.With("day", fp.date.String(), "segment", fp.name, "status", code)
	switch {
	case code >= 500:
		log.Error("upload failed", "err", err)
	case err != nil:
		log.Info("upload refused", "err", err)
	default:
		log.Info("upload")
	}
	text(w, code, msg)
}

// store writes, checks and links an upload; it answers a status and a message.
func (s *Server) store(w http.ResponseWriter, r *http.Request, fp filePath) (int, string, error) {
	dir := fp.date.String()
	madeDir := false
	switch err := s.root.Mkdir(dir, 0o755); {
	case err == nil:
		madeDir = true
	case !errors.Is(err, fs.ErrExist):
		return cannotStore(err)
	}
	if di, err := s.root.Lstat(dir); err != nil || !di.IsDir() {
		return http.StatusConflict, "the day's folder is not a folder", fmt.Errorf("upload: %s is not a folder", dir)
	}
	stored := false
	defer func() {
		if !stored && madeDir {
			s.root.Remove(dir) // only if still empty
		}
	}()

	var rnd [8]byte
	rand.Read(rnd[:])
	tmp := dir + "/.upload." + hex.EncodeToString(rnd[:]) + ".ts"
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return cannotStore(err)
	}
	defer s.root.Remove(tmp)
	var rep ts.Report
	sum, code, msg, err := s.receive(w, r, f, &rep)
	if cerr := f.Close(); err == nil && cerr != nil {
		code, msg, err = cannotStore(cerr)
	}
	if err != nil {
		return code, msg, err
	}
	if s.cfg.Archived != nil {
		// Stored, it would stand beside the archive as the day's only
		// segment, hiding it.
		if in, orig, ok := s.cfg.Archived(fp.date, &rep); ok && orig == fp.name {
			return http.StatusOK, "already archived in " + in, nil
		}
	}

	final := dir + "/" + fp.name
	err = s.root.Link(tmp, final)
	if err != nil && !errors.Is(err, fs.ErrExist) {
		// No hard links (FAT, exFAT): rename, unless the name is taken.
		if _, lerr := s.root.Lstat(final); errors.Is(lerr, fs.ErrNotExist) {
			err = s.root.Rename(tmp, final)
		} else {
			err = fs.ErrExist
		}
	}
	switch {
	case errors.Is(err, fs.ErrExist):
		stored = true // the folder holds a file: keep it
		same, serr := s.sameFile(final, sum)
		if serr != nil || !same {
			return http.StatusConflict, "a different file of this name is stored", fmt.Errorf("upload: %s exists with other contents", final)
		}
		return http.StatusOK, "already stored", nil
	case err != nil:
		return cannotStore(err)
	}
	stored = true
	if d, err := s.root.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	if a, ok := s.cat.(arrivals); ok {
		a.Arrived(fp.date, fp.name)
	}
	return http.StatusCreated, "stored", nil
}

// receive copies the body into f while scanning it, then syncs f. It
// answers the body's SHA-256, with its scan in *scan, or a status for
// what went wrong.
func (s *Server) receive(w http.ResponseWriter, r *http.Request, f *os.File, scan *ts.Report) ([]byte, int, string, error) {
	body := http.MaxBytesReader(w, r.Body, s.cfg.UploadMaxBytes)
	rc := http.NewResponseController(w)
	defer rc.SetReadDeadline(time.Time{})
	idle := readerFunc(func(p []byte) (int, error) {
		// Not every ResponseWriter has a connection (tests' recorders):
		// then there is nothing to stall.
		rc.SetReadDeadline(time.Now().Add(s.cfg.UploadIdle))
		return body.Read(p)
	})
	h := sha256.New()
	in := &errReader{r: io.TeeReader(idle, h)}
	var werr error
	out := writerFunc(func(p []byte) (int, error) {
		n, err := f.Write(p)
		if err != nil {
			werr = err
		}
		return n, err
	})
	rep, scanErr := ts.Scan(io.TeeReader(in, out))
	if in.err == nil && werr == nil {
		// Scan reads to the end; make sure nothing is left unread.
		if _, err := io.Copy(out, in); err != nil && werr == nil && in.err == nil {
			werr = err
		}
	}
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(in.err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, "too large", fmt.Errorf("upload: body over %d bytes", s.cfg.UploadMaxBytes)
	case errors.Is(in.err, os.ErrDeadlineExceeded):
		return nil, http.StatusRequestTimeout, "body stalled", fmt.Errorf("upload: nothing received for %v: %w", s.cfg.UploadIdle, in.err)
	case in.err != nil:
		return nil, http.StatusBadRequest, "incomplete body", fmt.Errorf("upload: %w", in.err)
	case werr != nil:
		code, msg, err := cannotStore(werr)
		return nil, code, msg, err
	case scanErr != nil:
		return nil, http.StatusUnprocessableEntity, "not an MPEG-TS segment with video", fmt.Errorf("upload: %w", scanErr)
	case rep.Packets == 0:
		return nil, http.StatusUnprocessableEntity, "not an MPEG-TS segment with video", errors.New("upload: no packets")
	}
	if err := f.Sync(); err != nil {
		code, msg, err := cannotStore(err)
		return nil, code, msg, err
	}
	*scan = rep
	return h.Sum(nil), 0, "", nil
}

// cannotStore answers a failure to write an upload: 507 when the disk is
// full, which a camera should retry later, else 500.
func cannotStore(err error) (int, string, error) {
	if errors.Is(err, syscall.ENOSPC) {
		return http.StatusInsufficientStorage, "disk full: not stored", fmt.Errorf("upload: %w", err)
	}
	return http.StatusInternalServerError, "cannot store", fmt.Errorf("upload: %w", err)
}

// sameFile reports whether the stored file has the given SHA-256.
func (s *Server) sameFile(name string, sum []byte) (bool, error) {
	fi, err := s.root.Lstat(name)
	if err != nil || !fi.Mode().IsRegular() {
		return false, err
	}
	f, err := s.root.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return bytes.Equal(h.Sum(nil), sum), nil
}

// errReader remembers the first read error other than EOF: the
// client's, as opposed to the scanner's verdict.
type errReader struct {
	r   io.Reader
	err error
}

func (c *errReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(p []byte) (int, error) { return f(p) }

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
