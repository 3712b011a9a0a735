package archive

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"slices"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
)

// ChecksumState is what re-hashing an archive found.
type ChecksumState string

// Checksum states.
const (
	ChecksumVerified ChecksumState = "verified" // the archive matches its checksum file
	ChecksumMismatch ChecksumState = "mismatch" // it does not
	ChecksumMissing  ChecksumState = "missing"  // the archive has no checksum file
	ChecksumInvalid  ChecksumState = "invalid"  // the checksum file cannot be read or parsed
)

// ArchiveCheck is the result of checking one archive file.
type ArchiveCheck struct {
	File  string
	Bytes int64
	// Checksum compares Actual, the file's SHA-512 now, with Expected,
	// the one in its checksum file.
	Checksum         ChecksumState
	Expected, Actual string
	// Info is what ffprobe found: codec, frames, duration, creation time.
	Info encode.Info
	// Err is why the archive is not sound (nil when it is).
	Err error
}

// Report is a day checked by Verify.
type Report struct {
	Date day.Date
	// Archives are the day's archives, in order (video.mp4, video-2.mp4, …).
	Archives []ArchiveCheck
	// Plan is what the rest of the folder holds: segments not archived
	// yet, kept files and findings.
	Plan *Plan
}

// Verify checks a day now: each archive is re-hashed against its checksum
// file and probed, and the remaining files are scanned. It reads only.
func (a *Archiver) Verify(ctx context.Context, date day.Date) (*Report, error) {
	l, err := a.listDay(date)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	r := &Report{Date: date}
	for _, f := range l.files {
		if isArchiveFile(f) {
			r.Archives = append(r.Archives, a.checkArchiveFile(ctx, date, f.Name))
		}
	}
	slices.SortFunc(r.Archives, func(x, y ArchiveCheck) int { return day.CompareArchives(x.File, y.File) })
	if r.Plan, err = a.planDay(ctx, date); err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	return r, nil
}

func (a *Archiver) checkArchiveFile(ctx context.Context, date day.Date, name string) ArchiveCheck {
	c := ArchiveCheck{File: name}
	dir := date.String()
	var err error
	if c.Actual, c.Bytes, err = hashRoot(a.root, path.Join(dir, name)); err != nil {
		c.Err = fmt.Errorf("hash %s: %w", name, err)
		return c
	}
	b, err := a.root.ReadFile(path.Join(dir, day.ChecksumName(name)))
	switch {
	case errors.Is(err, fs.ErrNotExist):
		c.Checksum = ChecksumMissing
		c.Err = fmt.Errorf("%s: no checksum file", name)
	case err != nil:
		c.Checksum, c.Err = ChecksumInvalid, fmt.Errorf("%s: %w", day.ChecksumName(name), err)
	default:
		if c.Expected, err = parseChecksum(b, name); err != nil {
			c.Checksum, c.Err = ChecksumInvalid, fmt.Errorf("%s: %w", day.ChecksumName(name), err)
		} else if c.Expected != c.Actual {
			c.Checksum, c.Err = ChecksumMismatch, fmt.Errorf("%s: %w", name, ErrChecksumMismatch)
		} else {
			c.Checksum = ChecksumVerified
		}
	}
	info, err := a.enc.Probe(ctx, filepath.Join(a.cfg.Root, dir, name))
	c.Info = info
	switch {
	case err != nil:
		c.Err = errors.Join(c.Err, fmt.Errorf("%w: %w", ErrVerify, err))
	case info.Codec != "hevc":
		c.Err = errors.Join(c.Err, fmt.Errorf("%w: %s is %s, want hevc", ErrVerify, name, info.Codec))
	}
	return c
}
