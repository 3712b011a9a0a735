package daemon

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cctvd/cctvd/internal/access"
	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/camera"
	"github.com/cctvd/cctvd/internal/catalog"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/metrics"
	"github.com/cctvd/cctvd/internal/thumbs"
	"github.com/cctvd/cctvd/internal/web"
)

// stack is one camera's parts: the catalog of its days, its archiver, its
// thumbnails and its site. Every camera has the same parts, so every rule
// of a root of one camera holds for each camera of a root of many.
type stack struct {
	name  string // "" for the default camera
	title string
	cat   *catalog.Catalog
	arc   *archive.Archiver
	cal   day.Calendar // the archiver's: when the camera's days are due
	th    *thumbs.Thumbs
	site  *web.Server
	exp   *export.Exporter
	// off is the camera's off-site copy; nil without one.
	off *offsiteCamera
	// closers close what was built, in the order built.
	closers []func() error
	// silent is set while the camera has sent nothing for too long.
	silent atomic.Bool
	// offsiteState is where the uploader has each day (pending,
	// uploading, verified, error), and kickOffsite has it look at the
	// days now; nil and a no-op when off-site copies are off.
	offsiteState OffsiteDay
	kickOffsite  func()
}

// folders are the camera's footage folder and state folder: the root and
// the state folder themselves for the default camera, so that a root of
// one camera is what it always was.
func (c *components) folders(name string) (root, state string) {
	if name == camera.Default {
		return c.cfg.Root, c.cfg.StateDir
	}
	return filepath.Join(c.cfg.Root, name), filepath.Join(c.cfg.StateDir, "cameras", name)
}

// buildStack builds camera name's parts; on an error it closes what it made.
func (c *components) buildStack(name string) (*stack, error) {
	cc := c.cfg.Cameras[name]
	s := &stack{name: name, title: cc.Title}
	if err := c.fillStack(s, cc); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (c *components) fillStack(s *stack, cc CameraConfig) error {
	cfg := c.cfg
	root, state := c.folders(s.name)
	log := c.log
	if s.name != camera.Default {
		log = log.With("camera", s.name)
	}
	if err := os.MkdirAll(state, 0o750); err != nil {
		return fmt.Errorf("camera %q: state folder: %w", s.name, err)
	}
	settings := encode.Settings{FFmpeg: cfg.FFmpeg, FFprobe: cfg.FFprobe, Preset: cfg.Preset, CRF: cfg.CRF,
		X265Params: cfg.X265Params, Nice: cfg.Nice}
	if cc.Preset != "" {
		settings.Preset = cc.Preset
	}
	if cc.CRF != 0 {
		settings.CRF = cc.CRF
	}
	if cc.X265Params != "" {
		settings.X265Params = cc.X265Params
	}
	cal := c.cal
	if cc.Settle.Duration != 0 {
		cal.Settle = cc.Settle.Duration
	}
	s.cal = cal
	s.offsiteState, s.kickOffsite = c.offsiteOf(s.name), c.kickOffsite
	met, name := c.met, s.name
	arc, err := archive.New(archive.Config{
		OnRunEnd: func(e archive.RunEnd) {
			met.ArchiveRun(name, e.Result, e.Elapsed, e.Footage, e.BytesIn, e.BytesOut, time.Now())
			c.ret.Kick()    // a new archive may let an older day go
			c.kickOffsite() // and is to be copied off-site
		},
		Root: root, State: state, Calendar: cal, Jobs: cfg.Jobs, Slots: c.slots, ChunkSegments: cfg.ChunkSegments,
		Encode: settings,
	}, log)
	if err != nil {
		return err
	}
	s.arc, s.closers = arc, append(s.closers, arc.Close)
	if c.offsite != nil {
		s.off = newOffsiteCamera(c.offsite, s.name, arc, log)
	}
	// The catalog asks the archiver's index which files are copies of
	// archived footage, so the archiver comes first.
	cat, err := catalog.New(catalog.Config{Root: root, StateDir: state, Archived: archivedIn(arc)}, log)
	if err != nil {
		return err
	}
	s.cat, s.closers = cat, append(s.closers, cat.Close)
	th, err := thumbs.New(thumbs.Config{Root: root, StateDir: state, Catalog: cat, FFmpeg: cfg.FFmpeg, Nice: cfg.Nice}, log)
	if err != nil {
		return err
	}
	s.th, s.closers = th, append(s.closers, th.Close)
	exp, err := c.newExporter(s, root, state, settings)
	if err != nil {
		return err
	}
	s.exp, s.closers = exp, append(s.closers, exp.Close)
	prefix, title := "", ""
	if s.name != camera.Default {
		prefix, title = strings.TrimSuffix(web.CamerasPrefix, "/")+"/"+s.name, cmp.Or(s.title, s.name)
	}
	site, err := web.New(web.Config{Root: root, Prefix: prefix, Title: title, UploadTokenFile: cfg.UploadTokenFile, CameraTokenFile: cc.UploadTokenFile,
		UploadMaxBytes: cfg.UploadMaxBytes, Thumbs: th, ArchiveRuns: s.archiveRuns(), Archived: archivedIn(arc), Failures: failures(arc),
		Retention: heldDays{c.ret, s.name}, Logout: logoutURL(cfg), Scrubs: c.scrubsOf(s.name, cat), Exporter: exp,
		Operator: access.OperatorOf, Actions: pageActions{c.ret, arc, s.name}, Offsite: s.webOffsite(), OffsiteState: s.offsiteState}, log, cat)
	if err != nil {
		return err
	}
	s.site, s.closers = site, append(s.closers, site.Close)
	return c.addScrub(s.name, root, state, arc)
}

// run runs the camera's parts in g.
func (s *stack) run(g *group) {
	g.run(s.cat.Run)
	g.run(s.arc.Run)
	g.run(s.th.Run)
	g.run(func(ctx context.Context) error { return kickOnChange(ctx, s.cat, s.arc, s.kickOffsite) })
}

// close closes what was built, in reverse order.
func (s *stack) close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
}

// lastSegment is when the camera's newest segment ends; zero: none yet.
func (s *stack) lastSegment() time.Time {
	var last time.Time
	for _, v := range s.cat.Days() {
		if v.Totals.Last.After(last) {
			last = v.Totals.Last
		}
	}
	return last
}

// scanning reports files of the camera waiting for their first scan.
func (s *stack) scanning() bool {
	for _, v := range s.cat.Days() {
		if v.Unscanned > 0 {
			return true
		}
	}
	return false
}

// hasFootage reports a camera with any day folder.
func (s *stack) hasFootage() bool { return len(s.cat.Days()) > 0 }

// stored is what the camera's folders hold, for the metrics.
func (s *stack) stored(states map[string]int) metrics.Stored {
	st := metrics.Stored{Camera: s.name, DaysByState: states, Ingested: s.cat.Ingested(),
		LastSegment: s.lastSegment(), Silent: s.silent.Load()}
	for _, v := range s.cat.Days() {
		st.Segments += v.Totals.Segments
		st.Bytes += v.Totals.Bytes
		for _, a := range v.Archives {
			st.ArchiveBytes += a.Size
		}
	}
	return st
}

// cameras are the stacks of the root's cameras, the default one always
// among them; named ones are added as their folders appear.
type cameras struct {
	mu     sync.RWMutex
	byName map[string]*stack
}

func (r *cameras) add(s *stack) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byName == nil {
		r.byName = map[string]*stack{}
	}
	r.byName[s.name] = s
}

func (r *cameras) get(name string) (*stack, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	s, ok := r.byName[name]
	return s, ok
}

// all lists the stacks, the default camera first, then by name.
func (r *cameras) all() []*stack {
	r.mu.RLock()
	defer r.mu.RUnlock()
	list := make([]*stack, 0, len(r.byName))
	for _, s := range r.byName {
		list = append(list, s)
	}
	slices.SortFunc(list, func(a, b *stack) int { return strings.Compare(a.name, b.name) })
	return list
}

// shown lists the cameras to show: the default one only when it has
// footage or is the only one, so a root of named cameras shows no empty
// default camera.
func (r *cameras) shown() []*stack {
	all := r.all()
	if len(all) > 1 && all[0].name == camera.Default && !all[0].hasFootage() {
		return all[1:]
	}
	return all
}

// watchSilence checks the cameras every interval until ctx ends: a camera
// goes silent when its newest segment is older than after, and is
// reported once when it does and once when it comes back.
func watchSilence(ctx context.Context, cams *cameras, after, every time.Duration, now func() time.Time, log *slog.Logger) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		checkSilence(cams.shown(), after, now(), log)
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func checkSilence(list []*stack, after time.Duration, now time.Time, log *slog.Logger) {
	for _, s := range list {
		if s.scanning() {
			continue // its newest segment may not be known yet: no false alarm at start-up
		}
		last := s.lastSegment()
		silent := now.Sub(last) > after
		if s.silent.Swap(silent) == silent {
			continue
		}
		l := log.With("camera", s.name)
		switch {
		case silent && last.IsZero():
			l.Warn("camera silent: no segment from it yet", "after", after)
		case silent:
			l.Warn("camera silent: no segment for longer than the threshold", "last_segment", last, "for", now.Sub(last).Round(time.Second), "after", after)
		default:
			l.Info("camera sending again", "last_segment", last)
		}
	}
}
