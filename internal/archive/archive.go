// Package archive turns settled days of segments into verified, checksummed H.265 archives.
//
// A day is due once its end (midnight after it, in Config.Location) is
// Config.Settle ago. Archiving a day plans it (internal/ts: order, findings,
// timeline), encodes it in chunks of segments into a work folder under
// Config.State, joins the chunks losslessly into a hidden temporary mp4 in
// the day folder, verifies it (HEVC, every frame once, the plan's duration),
// and commits it. Every durable step, in order:
//
//	STATE/forced/DATE, if Convert forced a day that is not due yet
//	→ STATE/work/DATE/manifest.json (the plan), then each chunk, recorded in it
//	→ temp mp4 → fsync → manifest records its SHA-512 (phase verified)
//	→ rename to video.mp4 → fsync folder
//	→ video.mp4.sha512sum (temp, fsync, rename) → fsync folder
//	→ index STATE/archived/DATE.json, then its summary DATE.summary.json
//	→ manifest phase committed
//	→ delete exactly the segments that went in → fsync folder
//	→ remove the work folder → fsync → remove STATE/forced/DATE
//
// Files of the state folder (manifest, index, summary, forced record) are
// written whole: temp file, fsync, rename, fsync folder. The manifest
// (plan fingerprint, settings, finished chunks, phase) makes every step
// resumable: a restart continues with the first unfinished chunk, or
// finishes a commit that was under way, each commit step checking what
// the interrupted run did (archive_commit.go). A summary older than its
// index is made again; a forced record that outlived its conversion
// makes a run that finds the day archived. At any moment a day holds all its segments or a
// verified archive, never neither, and no video.mp4 that looks final but
// is not. Where a day is, in memory and on disk, is told in job.go.
//
// Files that cannot go in (junk, truncated, duplicate, zero-byte, hidden
// and foreign files) are never deleted; they are logged and reported.
// Segments that arrive after a day's archive was made go into an
// additional archive (video-2.mp4, ...), never into a checksummed file.
package archive

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
)

// Errors. The control plane maps them to status codes with errors.Is.
var (
	// ErrUnknownDay reports a date the root has no folder for.
	ErrUnknownDay = errors.New("unknown day")
	// ErrToday reports today or a later day: it is still being recorded.
	ErrToday = errors.New("day is still being recorded")
	// ErrTooYoung reports a day whose settle time has not passed (see Convert's force).
	ErrTooYoung = errors.New("day is still settling")
	// ErrNothingToDo reports a day with no segments left to archive.
	ErrNothingToDo = errors.New("nothing to archive")
	// ErrArchived reports a day whose footage is all in its archives
	// already; its message names them.
	ErrArchived = errors.New("already archived")
	// ErrNotConverting reports a Cancel or Watch of a day that is neither queued nor converting.
	ErrNotConverting = errors.New("day is not being converted")
	// ErrCommitting reports a Cancel that came too late: the archive is
	// verified and being committed, which finishes.
	ErrCommitting = errors.New("archive is being committed")
	// ErrCancelled is the error of a conversion stopped by Cancel.
	ErrCancelled = errors.New("conversion cancelled")
	// ErrVerify reports an archive that does not hold what went in.
	ErrVerify = errors.New("archive verification failed")
	// ErrChecksumMismatch reports an archive that differs from its checksum.
	ErrChecksumMismatch = errors.New("archive does not match its checksum")
	// ErrLocked reports a state folder in use by another process.
	ErrLocked = errors.New("state folder is in use by another process")
)

// Defaults of Config's zero fields.
const (
	DefaultSettle        = 48 * time.Hour
	DefaultJobs          = 1
	DefaultChunkSegments = 360 // an hour of 10-second segments
	DefaultRescan        = 10 * time.Minute
	DefaultRetryMin      = 5 * time.Minute
	DefaultRetryMax      = 6 * time.Hour
)

// Config configures an Archiver. Zero fields take the defaults, except
// Settle and Encode.Nice, where zero means what it says.
type Config struct {
	// Root is the footage root: one folder per day, YYYY-MM-DD.
	Root string
	// State is cctvd's state folder; work files go in State/work/DATE.
	// Default Root/.cctvd.
	State string
	// Calendar cuts days (Location, default time.Local) and says when
	// one is due (Settle after its end: 0 archives a day as soon as it
	// has ended; cctvd's default is DefaultSettle). The control plane is
	// given the same one.
	day.Calendar
	// Jobs is how many days are archived at a time; default 1.
	Jobs int
	// Slots, if set, are shared with other archivers (other cameras): a
	// job starts only with one of them, besides being one of Jobs.
	Slots *Slots
	// ChunkSegments is how many segments go into one resumable chunk;
	// default 360 (an hour).
	ChunkSegments int
	// Encode configures ffmpeg. Encode.Nice 0 leaves ffmpeg's priority as
	// it is; cctvd's default is encode.DefaultNice.
	Encode encode.Settings
	// Rescan is how often the root is looked at for due days without a Kick.
	Rescan time.Duration
	// RetryMin and RetryMax bound the backoff after a failed day: the wait
	// doubles from RetryMin with each failure, up to RetryMax.
	RetryMin, RetryMax time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// OnRunEnd, if set, is told how each run ended (metrics). It is called
	// with the archiver's lock held: it must be quick and not call back.
	OnRunEnd func(RunEnd)
	// AfterStep, if set, is called after each step of the pipeline, from
	// the goroutine that did it. It is a test hook (fault injection).
	AfterStep func(Step)
}

// Step is a point the pipeline passed, reported to Config.AfterStep; it
// is no state (job.go tells the names of where a day is).
type Step struct {
	Date day.Date
	// Name is one of the Step* constants.
	Name string
	// Chunk is the chunk's index for chunk steps.
	Chunk int
}

// Step names.
const (
	StepPlanned      = "planned"       // the day was planned
	StepChunkStarted = "chunk-started" // ffmpeg reported progress on a chunk
	StepChunkEncoded = "chunk-encoded" // a chunk is finished and in the manifest
	StepJoined       = "joined"        // the temporary mp4 is written
	StepVerified     = "verified"      // the manifest holds its SHA-512; nothing renamed yet
	StepRenamed      = "renamed"       // video.mp4 is in place, its checksum not yet
	StepChecksummed  = "checksummed"   // the checksum file is in place
	StepDeleting     = "deleting"      // the first segment was deleted
	StepDone         = "done"          // the day's run ended, whatever the outcome
	StepIdle         = "idle"          // nothing queued or running
)

func (c Config) withDefaults() (Config, error) {
	if c.Root == "" {
		return c, errors.New("no footage root")
	}
	root, err := filepath.Abs(c.Root)
	if err != nil {
		return c, fmt.Errorf("footage root: %w", err)
	}
	c.Root = root
	if c.State == "" {
		c.State = filepath.Join(c.Root, day.StateDir)
	}
	if c.State, err = filepath.Abs(c.State); err != nil {
		return c, fmt.Errorf("state folder: %w", err)
	}
	if c.Location == nil {
		c.Location = time.Local
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	setDefault(&c.Jobs, DefaultJobs)
	setDefault(&c.ChunkSegments, DefaultChunkSegments)
	setDefault(&c.Rescan, DefaultRescan)
	setDefault(&c.RetryMin, DefaultRetryMin)
	setDefault(&c.RetryMax, DefaultRetryMax)
	switch {
	case c.Settle < 0:
		return c, fmt.Errorf("invalid settle time %v", c.Settle)
	case c.Jobs < 0 || c.ChunkSegments < 0 || c.Rescan < 0 || c.RetryMin < 0 || c.RetryMax < c.RetryMin:
		return c, errors.New("invalid jobs, chunk size, rescan or retry setting")
	}
	return c, nil
}

func setDefault[T comparable](v *T, def T) {
	var zero T
	if *v == zero {
		*v = def
	}
}

// Archiver archives due days, one component of cctvd.
type Archiver struct {
	cfg  Config
	log  *slog.Logger
	root *os.Root
	lock *os.File
	enc  encoder

	kick     chan struct{}
	finished chan struct{}

	mu     sync.Mutex
	days   map[day.Date]*job
	runCtx context.Context // set by Run; jobs derive from it
	wg     sync.WaitGroup

	summariesMu sync.Mutex
	summaries   map[day.Date]indexSummary // by day: what SourceBytes and Runs read

	heldMu sync.Mutex
	held   map[day.Date]*archiveIndex // by day: the fingerprints Holds reads
}

// New checks ffmpeg (it must run and have libx265), opens the root and
// takes the state folder's lock.
func New(cfg Config, log *slog.Logger) (*Archiver, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := encode.Check(ctx, cfg.Encode); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("archive: footage root: %w", err)
	}
	lock, err := lockState(cfg.State)
	if err != nil {
		root.Close()
		return nil, fmt.Errorf("archive: %w", err)
	}
	return &Archiver{
		cfg:      cfg,
		log:      log.With("component", "archive"),
		root:     root,
		lock:     lock,
		enc:      ffmpeg{cfg.Encode},
		kick:     make(chan struct{}, 1),
		finished: make(chan struct{}, 1),
		days:     map[day.Date]*job{},
	}, nil
}

// Close releases the root and the state lock. Call it after Run returned.
func (a *Archiver) Close() error {
	return errors.Join(a.lock.Close(), a.root.Close())
}

// Kick makes Run look for due days now, e.g. when a day folder appeared.
func (a *Archiver) Kick() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

func (a *Archiver) step(date day.Date, name string, chunk int) {
	if a.cfg.AfterStep != nil {
		a.cfg.AfterStep(Step{Date: date, Name: name, Chunk: chunk})
	}
}

// due is when date becomes due.
func (a *Archiver) due(date day.Date) time.Time { return a.cfg.Due(date) }

// today is the day being recorded now.
func (a *Archiver) today() day.Date { return a.cfg.Today(a.cfg.Now()) }
