package archive

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"syscall"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/disk"
	"github.com/cctvd/cctvd/internal/encode"
)

// joinAndVerify joins the chunks into the hidden temporary mp4 of the day
// folder, verifies it against the plan, fsyncs and hashes it, and records
// the hash in the manifest: from then on the archive can be committed.
func (a *Archiver) joinAndVerify(ctx context.Context, j *job, p *Plan, m *manifest) error {
	a.setPhase(j, PhaseJoining)
	work, dir := a.workDir(p.Date), p.Date.String()
	tmp := path.Join(dir, tempVideo(p.Output))
	chunks := make([]string, len(m.Chunks))
	var need int64
	for i, c := range m.Chunks {
		chunks[i] = filepath.Join(work, c.File)
		need += c.Bytes
	}
	if err := checkSpace(filepath.Join(a.cfg.Root, dir), need); err != nil {
		return fmt.Errorf("day %s: join: %w", p.Date, err)
	}
	start := p.Start()
	if start.IsZero() {
		start = p.Date.Start(a.cfg.Location)
	}
	if err := a.enc.Join(ctx, chunks, filepath.Join(a.cfg.Root, tmp), start); err != nil {
		return fmt.Errorf("day %s: %w", p.Date, err)
	}
	a.step(p.Date, StepJoined, 0)
	a.setPhase(j, PhaseVerifying)
	info, err := a.enc.Probe(ctx, filepath.Join(a.cfg.Root, tmp))
	if err == nil {
		err = checkArchive(info, p, start)
	}
	if err == nil {
		err = syncRoot(a.root, tmp)
	}
	if err != nil {
		return fmt.Errorf("day %s: verify %s: %w", p.Date, p.Output, err)
	}
	a.setPhase(j, PhaseChecksumming)
	sum, size, err := hashRoot(a.root, tmp)
	if err != nil {
		return fmt.Errorf("day %s: checksum: %w", p.Date, err)
	}
	m.Phase, m.SHA512, m.Bytes = phaseVerified, sum, size
	if err := m.write(work); err != nil {
		return err
	}
	a.step(p.Date, StepVerified, 0)
	return nil
}

// checkArchive verifies what ffprobe found in the archive against the plan:
// HEVC tagged hvc1, every planned frame exactly once, the planned time from
// the first frame to the last (gaps included) within two frames, and the
// first frame's wall-clock time as creation_time, at the whole seconds an
// mp4 can hold.
func checkArchive(info encode.Info, p *Plan, start time.Time) error {
	span, frame := p.span(), p.frameTime()
	got := info.LastPTS - info.FirstPTS
	switch {
	case info.Codec != "hevc" || info.CodecTag != "hvc1":
		return fmt.Errorf("%w: codec %s/%s, want hevc/hvc1", ErrVerify, info.Codec, info.CodecTag)
	case info.Frames != int64(p.Frames()):
		return fmt.Errorf("%w: %d frames, planned %d", ErrVerify, info.Frames, p.Frames())
	case got < span-2*frame || got > span+2*frame:
		return fmt.Errorf("%w: first to last frame %v, planned %v", ErrVerify, got, span)
	case !info.CreationTime.Equal(encode.MP4Time(start)):
		return fmt.Errorf("%w: creation time %v, want %v", ErrVerify, info.CreationTime, encode.MP4Time(start))
	}
	return nil
}

// checkSpace fails with ENOSPC when dir's file system has less than need
// bytes (and a margin) free.
func checkSpace(dir string, need int64) error {
	u, err := disk.Measure(dir)
	if err != nil {
		return nil // cannot tell; ffmpeg will
	}
	free := int64(u.Free)
	if want := need + need/50 + 1<<20; free < want {
		return fmt.Errorf("%d bytes free, need %d: %w", free, want, syscall.ENOSPC)
	}
	return nil
}

// commit puts a verified archive in place and deletes the segments that went
// in, following the manifest: rename → checksum file → index → phase
// committed → delete → cleanup. Each step checks what an interrupted run
// may have done already. hashed says the temporary file was just hashed by
// this process; otherwise the archive is hashed again before anything is
// deleted.
func (a *Archiver) commit(j *job, m *manifest, hashed bool) (*result, error) {
	dir := m.Date
	out, tmp := path.Join(dir, m.Output), path.Join(dir, tempVideo(m.Output))
	if err := a.placeArchive(j, m, out, tmp, hashed); err != nil {
		return nil, err
	}
	if err := a.placeChecksum(j.date, m); err != nil {
		return nil, err
	}
	if m.Phase != phaseCommitted {
		if err := a.indexArchive(j.date, m); err != nil {
			return nil, err
		}
		m.Phase = phaseCommitted
		if err := m.write(a.workDir(j.date)); err != nil {
			return nil, err
		}
	}
	if err := a.deleteSegments(j.date, m); err != nil {
		return nil, err
	}
	work := a.workDir(j.date)
	if err := os.RemoveAll(work); err != nil {
		return nil, fmt.Errorf("day %s: remove work folder: %w", dir, err)
	}
	if err := syncDir(filepath.Dir(work)); err != nil {
		return nil, err
	}
	var in int64
	for _, sg := range m.Segments {
		in += sg.Size
	}
	return &result{output: m.Output, sha512: m.SHA512, bytes: m.Bytes, sourceBytes: in}, nil
}

// placeArchive renames the verified temporary mp4 to its final name, or
// checks that an earlier run did.
func (a *Archiver) placeArchive(j *job, m *manifest, out, tmp string, hashed bool) error {
	_, err := a.root.Lstat(out)
	switch {
	case err == nil:
		a.setPhase(j, PhaseCommitting)
		if !hashed {
			if err := a.checkHash(out, m.SHA512); err != nil {
				return err
			}
		}
		_, err := removeRoot(a.root, tmp)
		return err
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("day %s: %w", m.Date, err)
	case m.Phase == phaseCommitted:
		// Segments may be gone already: this needs a person, not a retry of the join.
		return fmt.Errorf("day %s: committed archive %s is missing: %w", m.Date, m.Output, fs.ErrNotExist)
	}
	if !hashed {
		if err := a.checkHash(tmp, m.SHA512); err != nil {
			removeRoot(a.root, tmp)
			return fmt.Errorf("%w: %w", errRejoin, err)
		}
	}
	a.setPhase(j, PhaseCommitting)
	if err := renameNew(a.root, tmp, out); err != nil {
		return fmt.Errorf("day %s: %w", m.Date, err)
	}
	if err := syncRoot(a.root, m.Date); err != nil {
		return err
	}
	a.step(j.date, StepRenamed, 0)
	return nil
}

// checkHash checks a file of the root against the manifest's SHA-512.
func (a *Archiver) checkHash(name, want string) error {
	sum, _, err := hashRoot(a.root, name)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: %w", name, err)
	}
	if err != nil {
		return fmt.Errorf("hash %s: %w", name, err)
	}
	if sum != want {
		return fmt.Errorf("%s: sha512 %s…, verified %s…: %w", name, sum[:16], want[:16], ErrChecksumMismatch)
	}
	return nil
}

// placeChecksum writes the archive's checksum file, or checks the one an
// earlier run wrote.
func (a *Archiver) placeChecksum(date day.Date, m *manifest) error {
	name := day.ChecksumName(m.Output)
	b, err := a.root.ReadFile(path.Join(m.Date, name))
	if err == nil {
		sum, perr := parseChecksum(b, m.Output)
		if perr == nil && sum == m.SHA512 {
			return nil
		}
		return fmt.Errorf("day %s: %s does not hold the verified sum: %w", m.Date, name, ErrChecksumMismatch)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("day %s: %w", m.Date, err)
	}
	if err := writeRootAtomic(a.root, m.Date, tempChecksum(m.Output), name, checksumLine(m.SHA512, m.Output)); err != nil {
		return fmt.Errorf("day %s: write %s: %w", m.Date, name, err)
	}
	if err := syncRoot(a.root, m.Date); err != nil {
		return err
	}
	a.step(date, StepChecksummed, 0)
	return nil
}

// indexArchive records the archive's segments in the day's index.
func (a *Archiver) indexArchive(date day.Date, m *manifest) error {
	name := a.indexPath(date)
	x, err := readIndex(name)
	if err != nil {
		return err
	}
	x.add(indexEntry{File: m.Output, SHA512: m.SHA512, Bytes: m.Bytes, Segments: m.Segments, Runs: m.Runs})
	if err := x.write(name); err != nil {
		return err
	}
	if fi, err := os.Stat(name); err == nil {
		a.writeSummary(date, x.summarize(fi))
	}
	a.summariesMu.Lock()
	delete(a.summaries, date)
	a.summariesMu.Unlock()
	a.heldMu.Lock()
	delete(a.held, date)
	a.heldMu.Unlock()
	return nil
}

// deleteSegments deletes exactly the manifest's segments, each only while
// it still holds what was planned (size and CRC32C): a file replaced since
// stays and is reported. Segments already gone were deleted by an earlier
// run. Truncated segments stay: only their whole frames went in.
func (a *Archiver) deleteSegments(date day.Date, m *manifest) error {
	log := a.log.With("day", m.Date)
	deleted, changed := 0, 0
	for _, s := range m.Segments {
		if s.Truncated {
			log.Warn("truncated segment kept; its whole frames are archived", "segment", s.Name, "archive", m.Output)
			continue
		}
		name := path.Join(m.Date, s.Name)
		same, err := a.sameSegment(name, s)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			continue
		case err != nil:
			return fmt.Errorf("day %s: delete %s: %w", m.Date, s.Name, err)
		case !same:
			changed++
			log.Warn("segment changed after it was archived; kept", "segment", s.Name, "archive", m.Output)
			continue
		}
		if err := a.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("day %s: delete %s: %w", m.Date, s.Name, err)
		}
		deleted++
		if deleted == 1 {
			a.step(date, StepDeleting, 0)
		}
	}
	if err := syncRoot(a.root, m.Date); err != nil {
		return err
	}
	log.Info("segments deleted", "deleted", deleted, "kept_changed", changed, "archive", m.Output)
	return nil
}

// sameSegment reports whether name is still the file that was planned.
func (a *Archiver) sameSegment(name string, s segmentID) (bool, error) {
	f, err := a.root.Open(name)
	if err != nil {
		return false, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() != s.Size {
		return false, err
	}
	sum, n, err := readerCRC(f)
	if err != nil || n != s.Size || sum != s.CRC32C {
		return false, err
	}
	now, err := a.root.Lstat(name)
	if err != nil {
		return false, err
	}
	return os.SameFile(fi, now), nil
}
