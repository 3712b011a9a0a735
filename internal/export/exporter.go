package export

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/ts"
)

// Config configures an Exporter of one camera.
type Config struct {
	// Camera is the camera's name, "" for the default one.
	Camera string
	// Root is the camera's footage folder.
	Root string
	// Dir is where exports are made (the camera's STATE/export): on the
	// root's file system, created if missing.
	Dir string
	// Days are the camera's days (the catalog).
	Days Days
	// Pool bounds the exports of all cameras; nil: a pool of its own.
	Pool *Pool
	// Max is the longest range; default DefaultMax.
	Max time.Duration
	// FFmpeg and FFprobe are the binaries; default from PATH.
	FFmpeg, FFprobe string
	// Location is the zone of local times and days; default time.Local.
	Location *time.Location
	// ArchiveRuns maps each archive of day d, by file name, to where in
	// the file each stretch of footage is and when it was filmed (the
	// archiver's index); nil: archived days are not exported.
	ArchiveRuns func(d day.Date) map[string][]ts.Run
	// Encode are the archiver's settings: a range that spans H.264
	// segments and H.265 archives has its segments encoded with them.
	Encode encode.Settings
	// Offsite is the off-site copy of the camera's archives: a range in a
	// day whose archives are off-site only is cut from a copy fetched from
	// the bucket. nil: such days have no footage to export.
	Offsite Offsite
	// Version is cctvd's version, for the manifest.
	Version string
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Days is what an export needs of the catalog.
type Days interface {
	Days() []*catalog.DayView
	Day(d day.Date) (*catalog.DayView, bool)
}

// Exporter exports ranges of one camera's footage.
type Exporter struct {
	cfg  Config
	log  *slog.Logger
	root *os.Root
}

// New makes an Exporter and removes what exports cut short by a crash left in cfg.Dir.
func New(cfg Config, log *slog.Logger) (*Exporter, error) {
	if cfg.Root == "" || cfg.Dir == "" || cfg.Days == nil {
		return nil, errors.New("export: root, folder and days are required")
	}
	if cfg.Pool == nil {
		cfg.Pool = NewPool(0)
	}
	if cfg.Max <= 0 {
		cfg.Max = DefaultMax
	}
	if cfg.FFmpeg == "" {
		cfg.FFmpeg = "ffmpeg"
	}
	if cfg.FFprobe == "" {
		cfg.FFprobe = "ffprobe"
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	if err := removeLeftovers(cfg.Dir); err != nil {
		return nil, fmt.Errorf("export: remove leftovers: %w", err)
	}
	root, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	return &Exporter{cfg: cfg, log: log.With("component", "export"), root: root}, nil
}

// Close releases the root.
func (e *Exporter) Close() error { return e.root.Close() }

// Max is the longest range the exporter takes.
func (e *Exporter) Max() time.Duration { return e.cfg.Max }

// Location is the zone local times are read in.
func (e *Exporter) Location() *time.Location { return e.cfg.Location }

// Pool is the pool the exporter's jobs run in.
func (e *Exporter) Pool() *Pool { return e.cfg.Pool }

// ParseRange reads a range as the exporter takes it (see ParseRange).
func (e *Exporter) ParseRange(start, end string) (Range, error) {
	return ParseRange(start, end, e.cfg.Location, e.cfg.Max)
}

// Progress is how far an export is.
type Progress struct {
	// Done and Total are bytes of the sources read and to read.
	Done, Total int64
}

// Clip is a finished export: three files in a work folder of their own,
// which the caller hands on and then removes with Remove.
type Clip struct {
	dir string
	// MP4, Sum and JSON are the paths of the clip, its .sha512sum and
	// its manifest; Name is the clip's file name, which the sum names.
	MP4, Sum, JSON, Name string
	Manifest             Manifest
}

// Remove deletes the clip's files.
func (c *Clip) Remove() error { return os.RemoveAll(c.dir) }

// Export cuts r out of the camera's footage. It fails with ErrBadRange or
// ErrTooLong for a range it does not take, ErrNoFootage when nothing was
// filmed in it (the error names the nearest footage), ErrBusy when the
// pool is full. Cancelling ctx stops it and leaves no file behind.
func (e *Exporter) Export(ctx context.Context, r Range, progress func(Progress)) (*Clip, error) {
	if err := r.Check(e.cfg.Max); err != nil {
		return nil, err
	}
	if a, ok := e.unmapped(r); ok {
		return nil, fmt.Errorf("%w: %s has no record of where its footage is (download it whole)", ErrArchived, a)
	}
	arcs := e.archivePieces(r)
	p, err := e.plan(r)
	if err != nil && (len(arcs) == 0 || !errors.Is(err, ErrNoFootage)) {
		return nil, err
	}
	if err != nil {
		p = nil
	}
	var days []day.Date
	for i := range arcs {
		if !slices.Contains(days, arcs[i].date) {
			days = append(days, arcs[i].date)
		}
	}
	if p != nil {
		for _, d := range p.days() {
			if !slices.Contains(days, d) {
				days = append(days, d)
			}
		}
	}
	release, err := e.cfg.Pool.acquire(e.cfg.Camera, days)
	if err != nil {
		return nil, err
	}
	defer release()
	dir, err := os.MkdirTemp(e.cfg.Dir, tmpPrefix)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	c := &Clip{dir: dir, Name: clipName(e.cfg.Camera, r, e.cfg.Location)}
	c.MP4 = filepath.Join(dir, c.Name)
	c.Sum, c.JSON = c.MP4+".sha512sum", filepath.Join(dir, trimExt(c.Name)+".json")
	switch {
	case len(arcs) == 0:
		err = e.run(ctx, p, c, progress)
	case len(arcs) == 1 && p == nil:
		err = e.runArchive(ctx, r, &arcs[0], c)
	default:
		err = e.runJoined(ctx, r, arcs, p, c, progress)
	}
	if err != nil {
		c.Remove()
		return nil, err
	}
	return c, nil
}

// clipName names a clip after its camera and range, in local time.
func clipName(cam string, r Range, loc *time.Location) string {
	if cam == "" {
		cam = "cctv"
	}
	const layout = "20060102T150405"
	return fmt.Sprintf("%s-%s-%s.mp4", cam, r.Start.In(loc).Format(layout), r.End.In(loc).Format(layout))
}

func trimExt(name string) string { return name[:len(name)-len(filepath.Ext(name))] }
