package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
)

// Temporary files in a day folder are hidden and carry this prefix, so
// that the planner keeps them out and recovery knows them as its own.
const tempPrefix = ".cctvd-"

// tempVideo is the name the archive is joined and verified under.
func tempVideo(output string) string { return tempPrefix + output + ".tmp" }

// tempChecksum is the name the checksum file is written under.
func tempChecksum(output string) string { return tempPrefix + day.ChecksumName(output) + ".tmp" }

func isTempName(name string) bool {
	return strings.HasPrefix(name, tempPrefix) &&
		(strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".tmp"+encode.PartialSuffix))
}

func (a *Archiver) workDir(date day.Date) string {
	return filepath.Join(a.cfg.State, "work", date.String())
}

func (a *Archiver) hasManifest(date day.Date) bool {
	_, err := os.Stat(filepath.Join(a.workDir(date), manifestName))
	return err == nil
}

func (a *Archiver) settingsID() settingsID {
	s := a.cfg.Encode
	if s.Preset == "" {
		s.Preset = encode.DefaultPreset
	}
	if s.CRF == 0 {
		s.CRF = encode.DefaultCRF
	}
	return settingsID{Preset: s.Preset, CRF: s.CRF, X265Params: s.X265Params, ChunkSegments: a.cfg.ChunkSegments}
}

// errRejoin means a verified archive went missing before it was committed:
// join the finished chunks again.
var errRejoin = errors.New("verified archive is gone; joining again")

// convert archives one day: plan, encode the unfinished chunks, join,
// verify and commit. A manifest past encoding is committed first.
func (a *Archiver) convert(ctx context.Context, j *job) (*result, error) {
	work := a.workDir(j.date)
	m, err := readManifest(work)
	if err != nil {
		a.log.Error("discarding unreadable manifest", "day", j.date.String(), "err", err)
		m = nil
	}
	if m != nil && m.Phase != phaseEncoding {
		res, err := a.commit(j, m, false)
		if !errors.Is(err, errRejoin) {
			return res, err
		}
		a.log.Warn("joining again", "day", j.date.String(), "err", err)
	}
	for round := 1; ; round++ {
		p, err := a.plan(ctx, j)
		if err != nil {
			return nil, err
		}
		if err := a.checkWritable(j.date); err != nil {
			return nil, err
		}
		if m, err = a.prepareWork(p, m); err != nil {
			return nil, err
		}
		err = a.encodeChunks(ctx, j, p, m)
		if errors.Is(err, errSetAside) && round < maxSetAsideRounds {
			a.log.Warn("planning again without the segments set aside", "day", j.date.String(), "err", err)
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := a.joinAndVerify(ctx, j, p, m); err != nil {
			return nil, err
		}
		return a.commit(j, m, true)
	}
}

// writeCheckName is the file that checkWritable creates and removes; a
// temporary name, so that one left by a crash is removed with the others.
const writeCheckName = tempPrefix + "write-check.tmp"

// checkWritable makes sure the archive can be written into the day folder
// before hours are spent encoding it: a read-only folder (or filesystem)
// would otherwise be found only when the encoded archive is moved in.
func (a *Archiver) checkWritable(date day.Date) error {
	name := path.Join(date.String(), writeCheckName)
	f, err := a.root.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err == nil {
		err = f.Close()
		if _, rerr := removeRoot(a.root, name); err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("day folder %s is not writable, so its archive cannot be written there: %w",
			filepath.Join(a.cfg.Root, date.String()), err)
	}
	return nil
}

// errSetAside means segments of a chunk were found not to decode whole
// and are now recorded as set aside: the day is planned again without them.
var errSetAside = errors.New("segments set aside")

// maxSetAsideRounds bounds the re-planning of one run; each round sets at
// least one segment aside, and a later run goes on where this one stopped.
const maxSetAsideRounds = 10

// plan plans the day, records what stays out and logs it.
func (a *Archiver) plan(ctx context.Context, j *job) (*Plan, error) {
	a.setPhase(j, PhasePlanning)
	p, err := a.planDay(ctx, j.date)
	if err != nil {
		return nil, err
	}
	log := a.log.With("day", j.date.String())
	for _, k := range p.Kept {
		log.Warn("file kept out of the archive", "file", k.Name, "reason", string(k.Reason))
	}
	a.mu.Lock()
	j.planned(p)
	a.mu.Unlock()
	a.step(j.date, StepPlanned, 0)
	if len(p.Segments) == 0 {
		return nil, fmt.Errorf("day %s: %w", j.date, ErrNothingToDo)
	}
	log.Info("day planned", "segments", len(p.Segments), "frames", p.Frames(), "span", p.Span(),
		"bytes", p.Bytes(), "chunks", len(p.Chunks), "kept", len(p.Kept), "findings", len(p.Findings), "output", p.Output)
	a.update(j, func(pr *Progress) {
		pr.Chunks, pr.TotalFrames, pr.TotalTime = len(p.Chunks), int64(p.Frames()), p.span()+p.frameTime()
	})
	return p, nil
}

// prepareWork resumes the work folder if it fits the plan and settings, or
// starts it afresh.
func (a *Archiver) prepareWork(p *Plan, m *manifest) (*manifest, error) {
	work := a.workDir(p.Date)
	s := a.settingsID()
	if m != nil && m.fits(p, s) {
		m.Output, m.Phase, m.SHA512, m.Bytes, m.ChunkCount = p.Output, phaseEncoding, "", 0, len(p.Chunks)
		m.validChunks(work, p.Chunks)
		if len(m.Chunks) > 0 {
			a.log.Info("resuming", "day", p.Date.String(), "chunks_done", len(m.Chunks), "chunks", len(p.Chunks))
		}
	} else {
		if m != nil {
			a.log.Info("plan or settings changed; encoding afresh", "day", p.Date.String())
		}
		if err := os.RemoveAll(work); err != nil {
			return nil, fmt.Errorf("work folder: %w", err)
		}
		m = newManifest(p, s)
	}
	if err := mkdirSynced(work); err != nil {
		return nil, fmt.Errorf("work folder: %w", err)
	}
	if err := m.write(work); err != nil {
		return nil, err
	}
	return m, nil
}

// encodeChunks encodes the chunks the manifest does not hold yet.
func (a *Archiver) encodeChunks(ctx context.Context, j *job, p *Plan, m *manifest) error {
	work := a.workDir(p.Date)
	var done int64
	for _, c := range p.Chunks {
		if c.Index < len(m.Chunks) {
			done += m.Chunks[c.Index].Frames
			continue
		}
		a.update(j, func(pr *Progress) {
			pr.Phase, pr.Chunk, pr.Frames, pr.OutTime = PhaseEncoding, c.Index+1, done, p.offset(c)
		})
		rec, err := a.encodeChunk(ctx, j, p, c, done)
		if err != nil {
			return err
		}
		m.Chunks = append(m.Chunks, rec)
		if err := m.write(work); err != nil {
			return err
		}
		done += rec.Frames
		a.step(p.Date, StepChunkEncoded, c.Index)
	}
	return nil
}

// encodeChunk streams the chunk's segments, on the day's timeline, into ffmpeg.
func (a *Archiver) encodeChunk(ctx context.Context, j *job, p *Plan, c Chunk, done int64) (chunkRecord, error) {
	dst := filepath.Join(a.workDir(p.Date), chunkFile(c.Index))
	pr, pw := io.Pipe()
	concat := make(chan error, 1)
	go func() {
		st, err := ts.Concat(ctx, pw, a.opener(p.Date), p.chunkSegments(c))
		if err == nil && int64(st.Frames) != c.Frames {
			err = fmt.Errorf("%w: concat wrote %d frames, planned %d", ErrVerify, st.Frames, c.Frames)
		}
		pw.CloseWithError(err)
		concat <- err
	}()
	started := false
	res, err := a.enc.EncodeChunk(ctx, pr, dst, func(ep encode.Progress) {
		if !started {
			started = true
			a.step(p.Date, StepChunkStarted, c.Index)
		}
		a.encodeProgress(j, p, c, done, ep)
	})
	pr.CloseWithError(io.ErrClosedPipe)
	if cerr := <-concat; err == nil && cerr != nil {
		err = cerr
	}
	if err == nil && res.Frames != c.Frames {
		err = fmt.Errorf("%w: chunk holds %d frames, planned %d", ErrVerify, res.Frames, c.Frames)
		if res.Frames < c.Frames {
			if serr := a.setAsideUndecodable(ctx, p, c); serr != nil {
				err = serr
			}
		}
	}
	if err != nil {
		return chunkRecord{}, fmt.Errorf("day %s chunk %d of %d: %w", p.Date, c.Index+1, len(p.Chunks), err)
	}
	sum, size, err := fileCRC(dst)
	if err != nil {
		return chunkRecord{}, fmt.Errorf("day %s chunk %d: %w", p.Date, c.Index+1, err)
	}
	return chunkRecord{Index: c.Index, First: c.First, Count: c.Count, File: chunkFile(c.Index),
		Frames: res.Frames, Bytes: size, CRC32C: sum}, nil
}

// setAsideUndecodable finds out why a chunk came out short: it decodes
// each of its segments alone and records those whose video does not decode
// whole as set aside, so that the rest of the day can be archived while
// they stay in the day folder, reported. It answers errSetAside when it
// set any aside, and nil when it found none to blame.
func (a *Archiver) setAsideUndecodable(ctx context.Context, p *Plan, c Chunk) error {
	log := a.log.With("day", p.Date.String(), "chunk", c.Index+1)
	var found []setAside
	for _, seg := range p.chunkSegments(c) {
		// Alone, a segment that does not start on a keyframe loses its
		// first frames whatever its state: it cannot be judged this way.
		if !seg.Report.StartsWithKeyframe {
			continue
		}
		n, err := a.decodeSegment(ctx, p.Date, seg)
		if err != nil {
			log.Warn("cannot check whether a segment decodes", "segment", seg.Name, "err", err)
			return nil
		}
		if n < int64(seg.Report.Frames) {
			r := &seg.Report
			found = append(found, setAside{Name: seg.Name, Size: r.Size, FirstDTS: r.FirstDTS, CRC32C: r.CRC32C, Frames: r.Frames, Decoded: n})
		}
	}
	if len(found) == 0 {
		return nil
	}
	idx, err := readIndex(a.indexPath(p.Date))
	if err != nil {
		return err
	}
	idx.SetAside = append(idx.SetAside, found...)
	if err := idx.write(a.indexPath(p.Date)); err != nil {
		return err
	}
	var what []string
	for _, f := range found {
		log.Error("segment does not decode whole; kept out of the archive", "segment", f.Name, "frames", f.Frames, "decoded", f.Decoded)
		what = append(what, fmt.Sprintf("%s decodes %d of %d frames", f.Name, f.Decoded, f.Frames))
	}
	return fmt.Errorf("%w: %s", errSetAside, strings.Join(what, ", "))
}

// decodeSegment counts the frames of one segment that ffmpeg can decode.
func (a *Archiver) decodeSegment(ctx context.Context, date day.Date, seg ts.Segment) (int64, error) {
	pr, pw := io.Pipe()
	concat := make(chan error, 1)
	go func() {
		_, err := ts.Concat(ctx, pw, a.opener(date), []ts.Segment{seg})
		pw.CloseWithError(err)
		concat <- err
	}()
	n, err := a.enc.Decode(ctx, pr)
	pr.CloseWithError(io.ErrClosedPipe)
	if cerr := <-concat; err == nil && cerr != nil {
		err = cerr
	}
	return n, err
}

func (a *Archiver) opener(date day.Date) ts.Opener {
	return func(name string) (io.ReadCloser, error) {
		return a.root.Open(path.Join(date.String(), name))
	}
}

// offset is where chunk c starts on the day's timeline.
func (p *Plan) offset(c Chunk) time.Duration {
	first, s := &p.Segments[0], &p.Segments[c.First]
	return ts.Ticks(s.Report.FirstPTS + s.Shift - first.Report.FirstPTS - first.Shift)
}

// encodeProgress turns ffmpeg's report on a chunk into the day's progress.
func (a *Archiver) encodeProgress(j *job, p *Plan, c Chunk, done int64, ep encode.Progress) {
	a.update(j, func(pr *Progress) {
		pr.Phase = PhaseEncoding
		pr.Frames = done + min(ep.Frames, c.Frames)
		pr.OutTime = p.offset(c) + min(max(ep.OutTime, 0), c.Duration)
		pr.Speed = ep.Speed
		pr.ETA = 0
		if ep.FPS > 0 {
			pr.ETA = time.Duration(float64(pr.TotalFrames-pr.Frames) / ep.FPS * float64(time.Second))
		}
	})
}

// cleanUp leaves the day folder as it was after a failed or cancelled
// run: the temporary files go. Finished chunks stay for the next attempt
// unless the run was cancelled or frames did not add up (the chunks may be
// at fault). It returns how many files it removed.
func (a *Archiver) cleanUp(j *job, err error, cancelled bool) int {
	a.mu.Lock()
	committing := j.committing()
	a.mu.Unlock()
	if committing {
		return 0 // the manifest knows how to finish; recovery does it
	}
	n := a.removeTemps(j.date)
	work := a.workDir(j.date)
	if !cancelled && !errors.Is(err, ErrVerify) && !errors.Is(err, encode.ErrFrameMismatch) {
		return n + removePartials(work)
	}
	// Nothing was renamed into the day folder, so the work folder can go.
	files, _ := os.ReadDir(work)
	if rerr := os.RemoveAll(work); rerr != nil {
		a.log.Error("cannot remove work folder", "day", j.date.String(), "err", rerr)
		return n
	}
	return n + len(files)
}

// removeTemps removes the day folder's temporary files.
func (a *Archiver) removeTemps(date day.Date) int {
	dir := date.String()
	entries, err := os.ReadDir(filepath.Join(a.cfg.Root, dir))
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		if !isTempName(e.Name()) || !e.Type().IsRegular() {
			continue
		}
		if ok, err := removeRoot(a.root, path.Join(dir, e.Name())); err != nil {
			a.log.Error("cannot remove temporary file", "day", dir, "file", e.Name(), "err", err)
		} else if ok {
			n++
		}
	}
	if n > 0 {
		if err := syncRoot(a.root, dir); err != nil {
			a.log.Error("cannot sync day folder", "day", dir, "err", err)
		}
	}
	return n
}

// removePartials removes the files a killed ffmpeg or an interrupted
// atomic write (manifest, index) left in dir.
func removePartials(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), encode.PartialSuffix) || strings.HasSuffix(e.Name(), ".tmp") {
			if ok, _ := removeIfExists(filepath.Join(dir, e.Name())); ok {
				n++
			}
		}
	}
	return n
}
