// Package encode runs ffmpeg to turn MPEG-TS into H.265.
//
// A day is encoded in chunks: EncodeChunk reads one MPEG-TS stream of H.264
// and writes an MPEG-TS file of H.265, and Join copies the chunks, in order
// and without re-encoding, into one mp4. Probe reads back what a file holds.
//
// The timeline belongs to the caller. Every input frame comes out exactly
// once with its own timestamp: ffmpeg neither repeats nor drops frames to
// make the rate constant, and a forward jump in the input's timestamps (the
// camera was off) stays a jump of the same length in the output. A chunk
// keeps the input's 90 kHz timestamps exactly, moved later by ChunkOffset,
// and may hold gaps of up to MaxGap; gaps between chunks may be as long as
// a day. The mp4 starts at 0 with its first frame, keeps every later frame
// at the same distance from the first, to 1/22500 s, and records the
// wall-clock time of that first frame as its creation_time.
//
// Files appear complete or not at all: output is written under a temporary
// name (dst + PartialSuffix), verified, fsynced and renamed. ffmpeg runs in
// its own process group, is killed with it when the context ends or progress
// stalls, and dies with this process.
package encode

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Encoder defaults. The preset and CRF trade speed for size and quality;
// see the archiving issue for measurements.
const (
	DefaultPreset       = "ultrafast"
	DefaultCRF          = 28
	DefaultNice         = 10
	DefaultStallTimeout = 2 * time.Minute
)

// MaxGap is the longest step from one frame to the next that a chunk may
// hold; EncodeChunk fails with ErrGapTooLong beyond it. Begin a new chunk
// after a longer gap: gaps between chunks may be as long as a day.
//
// x265 decodes a frame up to two frames before it is shown, so the frames
// just after a gap are decoded before the gap and shown after it. An mp4
// stores that distance per frame, and ffmpeg ignores all such distances of
// a file once one exceeds 2^28 ticks (3.3 h at the mp4's 22.5 kHz).
const MaxGap = 10 * time.Minute

// ChunkOffset is added to every timestamp of a chunk. A chunk's first
// frames are decoded before they are shown, by up to two frames or a gap;
// the offset keeps those decoding times positive, where ffmpeg would
// otherwise move the whole chunk later. Join takes it off again.
const ChunkOffset = MaxGap + 5*time.Minute

// PartialSuffix is added to dst while it is being written. A file with this
// suffix is never complete: remove it.
const PartialSuffix = day.PartialSuffix

// Errors.
var (
	// ErrFFmpegMissing reports that ffmpeg or ffprobe cannot be run.
	ErrFFmpegMissing = errors.New("ffmpeg missing")
	// ErrNoX265 reports an ffmpeg built without the libx265 encoder.
	ErrNoX265 = errors.New("ffmpeg has no libx265 encoder")
	// ErrStalled reports an ffmpeg that made no progress for Settings.StallTimeout.
	ErrStalled = errors.New("stalled")
	// ErrFrameMismatch reports an output whose frames are not the input's:
	// repeated or dropped frames, or fewer or more frames than were encoded.
	ErrFrameMismatch = errors.New("frame count mismatch")
	// ErrTimestamps reports timestamps that ffmpeg did not keep, or could
	// not: input going backwards, chunks out of order.
	ErrTimestamps = errors.New("timestamps not kept")
	// ErrGapTooLong reports a chunk with a gap longer than MaxGap.
	ErrGapTooLong = errors.New("gap too long for one chunk")
)

// presets are x265's presets, fastest first.
var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow", "placebo"}

// Settings configure ffmpeg. The zero value means the defaults.
type Settings struct {
	// FFmpeg and FFprobe are the binaries, looked up in PATH unless they
	// hold a slash; default "ffmpeg" and "ffprobe".
	FFmpeg, FFprobe string
	// Preset is the x265 preset; default DefaultPreset.
	Preset string
	// CRF is x265's constant rate factor, 1-51; 0 means DefaultCRF.
	CRF int
	// X265Params are extra x265 parameters such as "nr-inter=400", added
	// to -x265-params after log-level=error.
	X265Params string
	// Nice is the niceness ffmpeg runs at; 0 leaves it unchanged.
	// Lowering it below this process's needs privilege.
	Nice int
	// StallTimeout is how long ffmpeg may report no progress before it is
	// killed; default DefaultStallTimeout. A source that feeds EncodeChunk
	// more slowly than this also counts as a stall.
	StallTimeout time.Duration
}

// withDefaults fills in the zero fields and checks the rest.
func (s Settings) withDefaults() (Settings, error) {
	if s.FFmpeg == "" {
		s.FFmpeg = "ffmpeg"
	}
	if s.FFprobe == "" {
		s.FFprobe = "ffprobe"
	}
	if s.Preset == "" {
		s.Preset = DefaultPreset
	}
	if s.CRF == 0 {
		s.CRF = DefaultCRF
	}
	if s.StallTimeout == 0 {
		s.StallTimeout = DefaultStallTimeout
	}
	switch {
	case !slices.Contains(presets, s.Preset):
		return s, fmt.Errorf("invalid preset %q (want one of %s)", s.Preset, strings.Join(presets, ", "))
	case s.CRF < 1 || s.CRF > 51:
		return s, fmt.Errorf("invalid crf %d (want 1-51)", s.CRF)
	case s.Nice < -20 || s.Nice > 19:
		return s, fmt.Errorf("invalid nice %d (want -20-19)", s.Nice)
	case s.StallTimeout < 0:
		return s, fmt.Errorf("invalid stall timeout %v", s.StallTimeout)
	case strings.ContainsAny(s.X265Params, " \t\n"):
		return s, fmt.Errorf("invalid x265 params %q: contains white space", s.X265Params)
	}
	return s, nil
}

// passedChecks are the ffmpeg and ffprobe pairs Check found fit, so that
// every camera's archiver does not start the same two programs again (a
// root of 16 cameras waited 7 s for them before it answered HTTP).
var passedChecks sync.Map // FFmpeg + "\x00" + FFprobe → struct{}

// Check reports whether ffmpeg and ffprobe run and ffmpeg can encode with
// libx265. A pair that passed once is not run again.
func Check(ctx context.Context, s Settings) error {
	s, err := s.withDefaults()
	if err != nil {
		return fmt.Errorf("check ffmpeg: %w", err)
	}
	key := s.FFmpeg + "\x00" + s.FFprobe
	if _, ok := passedChecks.Load(key); ok {
		return nil
	}
	if err := check(ctx, s); err != nil {
		return err
	}
	passedChecks.Store(key, struct{}{})
	return nil
}

func check(ctx context.Context, s Settings) error {
	if _, err := output(ctx, s.FFprobe, "-hide_banner", "-version"); err != nil {
		return fmt.Errorf("check ffprobe: %w", err)
	}
	out, err := output(ctx, s.FFmpeg, "-hide_banner", "-encoders")
	if err != nil {
		return fmt.Errorf("check ffmpeg: %w", err)
	}
	for line := range strings.Lines(string(out)) {
		if f := strings.Fields(line); len(f) >= 2 && f[1] == "libx265" {
			return nil
		}
	}
	return fmt.Errorf("check ffmpeg %s: %w", s.FFmpeg, ErrNoX265)
}
