package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// Names cctvd gives an archive and its checksum file; a temporary file of
// its own in a day folder starts with tempPrefix (internal/archive).
const (
	videoName    = "video.mp4"
	checksumName = "video.mp4.sha512sum"
	tempPrefix   = ".cctvd-"
)

// dayState is what a day folder, and cctvd's work folder for it, hold.
type dayState struct {
	d *dayFootage
	// present counts the recorded segments still there, byte-identical;
	// changed names those there with other bytes.
	present  int
	changed  []string
	video    bool
	checksum bool
	// temps are cctvd's temporary files; tempVideo says one is the mp4
	// being joined.
	temps     []string
	tempVideo bool
	foreign   []string // anything else
	work      *workState
}

// workState is the part of the work folder's manifest that tells the
// phase. It is cctvd's internal record, read to name where a kill landed
// and, as the archive tests do, to accept a video.mp4 without its checksum
// file only while the manifest says it was verified (and every segment is
// still there).
type workState struct {
	manifest bool
	phase    string
	chunks   int
}

// done reports a day whose archive is committed and cleaned up.
func (s *dayState) done() bool {
	return s.video && s.checksum && s.present == 0 && len(s.changed) == 0 && s.work == nil
}

func (h *harness) inspect() ([]*dayState, error) {
	states := make([]*dayState, len(h.days))
	for i, d := range h.days {
		s, err := h.inspectDay(d)
		if err != nil {
			return nil, err
		}
		states[i] = s
	}
	return states, nil
}

func (h *harness) inspectDay(d *dayFootage) (*dayState, error) {
	s := &dayState{d: d}
	dir := h.dayDir(d)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("inspect %s: %w", d.name(), err)
	}
	recorded := map[string]*segment{}
	for i := range d.segments {
		recorded[d.segments[i].name] = &d.segments[i]
	}
	for _, e := range entries {
		name := e.Name()
		switch seg := recorded[name]; {
		case seg != nil:
			same, err := sameSegment(filepath.Join(dir, name), seg)
			switch {
			case errors.Is(err, fs.ErrNotExist):
				// Deleted since the listing: a running cctvd is committing.
			case err != nil:
				return nil, fmt.Errorf("inspect %s: %w", d.name(), err)
			case same:
				s.present++
			default:
				s.changed = append(s.changed, name)
			}
		case name == videoName:
			s.video = true
		case name == checksumName:
			s.checksum = true
		case strings.HasPrefix(name, tempPrefix):
			s.temps = append(s.temps, name)
			s.tempVideo = s.tempVideo || strings.HasPrefix(name, tempPrefix+videoName+".tmp")
		default:
			s.foreign = append(s.foreign, name)
		}
	}
	s.work = h.inspectWork(d)
	return s, nil
}

// dayDir is the day's folder in the root.
func (h *harness) dayDir(d *dayFootage) string {
	return filepath.Join(h.root, filepath.FromSlash(d.name()))
}

// workDir is the day's work folder, in its camera's state folder.
func (h *harness) workDir(d *dayFootage) string {
	return filepath.Join(h.stateOf(d.cam), "work", d.date.String())
}

// inspectWork reads the day's work folder; nil if there is none.
func (h *harness) inspectWork(d *dayFootage) *workState {
	work := h.workDir(d)
	if _, err := os.Stat(work); err != nil {
		return nil
	}
	b, err := os.ReadFile(filepath.Join(work, "manifest.json"))
	var m struct {
		Phase  string            `json:"phase"`
		Chunks []json.RawMessage `json:"chunks"`
	}
	if err != nil || json.Unmarshal(b, &m) != nil {
		return &workState{}
	}
	return &workState{manifest: true, phase: m.Phase, chunks: len(m.Chunks)}
}

func sameSegment(path string, seg *segment) (bool, error) {
	fi, err := os.Stat(path)
	if err != nil || fi.Size() != seg.size {
		return false, err
	}
	sum, err := fileSHA256(path)
	return sum == seg.sha256, err
}

// checkDay checks the invariant a kill must keep: the day holds all its
// recorded segments byte-identical, or a verified archive (sha512sum -c
// passes, HEVC with every recorded frame and the recorded duration) beside
// which only byte-identical segments are left. A video.mp4 without its
// checksum file is the one moment between rename and checksum: the
// segments must then all be there. It returns the segments lost.
func (h *harness) checkDay(ctx context.Context, s *dayState) (lost int, err error) {
	var errs []error
	name := s.d.name()
	for _, n := range s.changed {
		errs = append(errs, fmt.Errorf("%s/%s: bytes differ from the recorded segment", name, n))
	}
	for _, n := range s.foreign {
		errs = append(errs, fmt.Errorf("%s/%s: unexpected file", name, n))
	}
	missing := len(s.d.segments) - s.present
	switch {
	case s.checksum && !s.video:
		errs = append(errs, fmt.Errorf("%s: %s without %s", name, checksumName, videoName))
		lost = missing
	case s.checksum:
		if err := h.verifyArchive(ctx, s.d); err != nil {
			errs = append(errs, err)
			lost = missing
		}
	case s.video && missing > 0:
		errs = append(errs, fmt.Errorf("%s: %d of %d segments gone, %s has no checksum file", name, missing, len(s.d.segments), videoName))
		lost = missing
	case s.video && (s.work == nil || s.work.phase != "verified"):
		errs = append(errs, fmt.Errorf("%s: %s without checksum file, and no manifest that verified it", name, videoName))
	case missing > 0:
		errs = append(errs, fmt.Errorf("%s: %d of %d segments gone and no archive", name, missing, len(s.d.segments)))
		lost = missing
	}
	return lost, errors.Join(errs...)
}

// verifyArchive runs the real sha512sum -c in the day folder and checks,
// with ffprobe, that video.mp4 is HEVC with exactly the recorded frames and
// the recorded duration (within two frames: the last frame's length is
// rounded differently by MPEG-TS and mp4).
func (h *harness) verifyArchive(ctx context.Context, d *dayFootage) error {
	dir := h.dayDir(d)
	cmd := exec.CommandContext(ctx, "sha512sum", "--strict", "-c", checksumName)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		h.stats.cams[d.cam].checksumFailures++
		return fmt.Errorf("%s: sha512sum -c %s: %w: %s", d.name(), checksumName, err, bytes.TrimSpace(out))
	}
	h.stats.cams[d.cam].checksumsPassed++
	sum, err := os.ReadFile(filepath.Join(dir, checksumName))
	if err != nil {
		return fmt.Errorf("%s: %w", d.name(), err)
	}
	if h.probed[string(sum)] {
		return nil
	}
	p, err := probe(ctx, filepath.Join(dir, videoName))
	if err != nil {
		return fmt.Errorf("%s: %w", d.name(), err)
	}
	frame := time.Second / time.Duration(profile.FPS)
	switch {
	case p.codec != "hevc":
		return fmt.Errorf("%s: %s is %s, want hevc", d.name(), videoName, p.codec)
	case p.frames != d.frames:
		return fmt.Errorf("%s: %s holds %d frames, the segments held %d", d.name(), videoName, p.frames, d.frames)
	case p.duration < d.duration-2*frame || p.duration > d.duration+2*frame:
		return fmt.Errorf("%s: %s lasts %v, the segments %v", d.name(), videoName, p.duration, d.duration)
	}
	h.probed[string(sum)] = true
	return nil
}

// Where a kill landed, told from the first day not yet archived.
const (
	phaseStartup  = "start-up and recovery, before a day began"
	phasePlanning = "planning or between days"
	phaseFirst    = "encoding the first chunk"
	phaseChunks   = "encoding, chunks done"
	phaseJoin     = "chunks encoded, joining or verifying"
	phaseVerified = "verified, not renamed"
	phaseRenamed  = "renamed, no checksum file yet"
	phaseDeleting = "checksummed, deleting segments"
	phaseAllDone  = "every day archived (idle)"
)

var phases = []string{phaseStartup, phasePlanning, phaseFirst, phaseChunks, phaseJoin,
	phaseVerified, phaseRenamed, phaseDeleting, phaseAllDone}

// phaseOf names where the pipeline stood, and on which day: the first day
// with work under way (cameras take turns, so that need not be the
// oldest), else the first not archived. begun says whether cctvd had
// started archiving a day in this run (its log).
func phaseOf(states []*dayState, begun bool) (string, *dayState) {
	var at *dayState
	for _, s := range states {
		if s.done() {
			continue
		}
		if at == nil {
			at = s
		}
		if s.underWay() {
			at = s
			break
		}
	}
	switch s := at; {
	case s == nil:
		return phaseAllDone, nil
	case !begun:
		// Start-up recovery may have moved the day on; what matters
		// is that the kill hit it before any day's run began.
		return phaseStartup, s
	case s.checksum || (s.work != nil && s.work.phase == "committed"):
		return phaseDeleting, s
	case s.video:
		return phaseRenamed, s
	case s.work != nil && s.work.phase == "verified":
		return phaseVerified, s
	case s.work != nil && s.work.manifest && (s.tempVideo || s.work.chunks >= s.d.chunks):
		return phaseJoin, s
	case s.work != nil && s.work.chunks > 0:
		return phaseChunks, s
	case s.work != nil && s.work.manifest:
		return phaseFirst, s
	default:
		return phasePlanning, s
	}
}

// underWay reports a day an archive run has begun: it has a work folder,
// an archive or a temporary file.
func (s *dayState) underWay() bool {
	return s.work != nil || s.video || s.checksum || len(s.temps) > 0
}

// leftover is a file or folder that must not be there, and whose camera it is.
type leftover struct {
	cam  int
	path string // below the root, or STATE/… below the state folder
}

// leftovers lists what an archived root and its state folder must not
// hold once cctvd has stopped: segments, temporary or foreign files in day
// folders, anything in the root besides day and camera folders, and in
// each camera's state folder work folders and hidden, .tmp or .partial
// files. The scan cache, thumbnails, archive index, lock and socket are
// cctvd's lasting state.
func (h *harness) leftovers(states []*dayState) ([]leftover, error) {
	var left []leftover
	// known are the folders the root may hold, by path below it; a camera
	// folder's entries are checked too.
	known := map[string]bool{}
	cams := map[string]int{}
	for _, s := range states {
		known[s.d.name()] = true
		if s.d.camera != "" {
			known[s.d.camera] = true
			cams[s.d.camera] = s.d.cam
		}
		for _, n := range s.temps {
			left = append(left, leftover{s.d.cam, filepath.Join(s.d.name(), n)})
		}
		for _, n := range s.foreign {
			left = append(left, leftover{s.d.cam, filepath.Join(s.d.name(), n)})
		}
		if s.present+len(s.changed) > 0 {
			left = append(left, leftover{s.d.cam, fmt.Sprintf("%s: %d segments", s.d.name(), s.present+len(s.changed))})
		}
	}
	for _, folder := range append([]string{""}, slices.Sorted(maps.Keys(cams))...) {
		entries, err := os.ReadDir(filepath.Join(h.root, folder))
		if err != nil {
			return nil, fmt.Errorf("leftovers: %w", err)
		}
		for _, e := range entries {
			if rel := path.Join(folder, e.Name()); !known[rel] {
				left = append(left, leftover{cams[folder], rel})
			}
		}
	}
	// Each camera's state folder holds its work folder; the default
	// camera's also holds the others' under cameras/.
	for c := range h.o.cameras {
		state := h.stateOf(c)
		work := filepath.Join(state, "work")
		others := filepath.Join(state, "cameras")
		err := filepath.WalkDir(state, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(h.state, p)
			name := e.Name()
			switch {
			case p == others && c == 0:
				return filepath.SkipDir
			case p == state || p == work:
			case strings.HasPrefix(p, work+string(filepath.Separator)):
				left = append(left, leftover{c, filepath.Join("STATE", rel)})
				if e.IsDir() {
					return filepath.SkipDir
				}
			case strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".tmp") || strings.HasSuffix(name, ".partial"):
				left = append(left, leftover{c, filepath.Join("STATE", rel)})
			}
			return nil
		})
		if err != nil && !(c > 0 && errors.Is(err, fs.ErrNotExist)) {
			return nil, fmt.Errorf("leftovers: %w", err)
		}
	}
	return left, nil
}
