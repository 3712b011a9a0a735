package export

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/cctvd/cctvd/internal/day"
)

// Offsite is the off-site copy of the camera's archives (package offsite,
// through the daemon).
type Offsite interface {
	// OffsiteArchives names day d's archives that are off-site only:
	// verified in the bucket, their local copies deleted.
	OffsiteArchives(d day.Date) []string
	// Fetch copies file name of day d from the bucket into w, checked
	// against what was uploaded, and says where it read it from
	// (s3://BUCKET/KEY).
	Fetch(ctx context.Context, d day.Date, name string, w io.Writer) (string, error)
}

// archivesOf names day d's archives: the local ones, or else those only
// the bucket holds (remote).
func (e *Exporter) archivesOf(d day.Date) (names []string, remote bool) {
	if v, ok := e.cfg.Days.Day(d); ok && len(v.Archives) > 0 {
		for _, a := range v.Archives {
			names = append(names, a.Name)
		}
		return names, false
	}
	if e.cfg.Offsite == nil {
		return nil, false
	}
	names = e.cfg.Offsite.OffsiteArchives(d)
	return names, len(names) > 0
}

// maxSumFile bounds a .sha512sum read from the bucket: one line.
const maxSumFile = 64 << 10

// fetchArchive copies an off-site archive into the clip's work folder
// and checks it against its .sha512sum, also fetched, as a local archive
// is checked; it returns the copy's path and fills in the source. The
// copy goes with the work folder (on an error, a cancel, or New after a
// crash).
func (e *Exporter) fetchArchive(ctx context.Context, a *archivePlan, c *Clip, src *Source) (string, error) {
	var want bytes.Buffer
	if _, err := e.cfg.Offsite.Fetch(ctx, a.date, day.ChecksumName(a.file), &limitedWriter{w: &want, n: maxSumFile}); err != nil {
		return "", fmt.Errorf("export: %s: no checksum to verify it by: %w", a.path(), err)
	}
	p := filepath.Join(c.dir, "offsite-"+a.file)
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	loc, err := e.cfg.Offsite.Fetch(ctx, a.date, a.file, f)
	if err == nil {
		_, err = f.Seek(0, io.SeekStart)
	}
	if err != nil {
		f.Close()
		if ctx.Err() != nil {
			return p, fmt.Errorf("export: %w", ctx.Err())
		}
		return p, fmt.Errorf("export: %s from the off-site copy: %w", a.path(), err)
	}
	src.SHA512, src.Bytes, err = checkArchive(ctx, a.path(), f, want.Bytes())
	src.Offsite = loc
	return p, err
}

// limitedWriter takes up to n bytes, then fails.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, fmt.Errorf("longer than %d bytes", maxSumFile)
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}
