package retention

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/cctvd/cctvd/internal/bytesize"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/disk"
)

// DefaultEvery is how often free space is checked without a kick.
const DefaultEvery = time.Minute

// Config configures a Retention.
type Config struct {
	// Root is the footage root: its file system is measured.
	Root string
	// State is the state folder: the ledger and the holds live there.
	State string
	// KeepFree is --keep-free.
	KeepFree Limit
	// MaxAge is a camera's maximum age in days ("" the default
	// camera's); 0: none. Nil: no maximum age.
	MaxAge func(camera string) int
	// Days lists every camera's days at now, Held and Damaged unset.
	Days func(now time.Time) []Day
	// Folder is a camera's footage folder.
	Folder func(camera string) string
	// Damaged reports a day the scrub found damaged; nil: none is.
	Damaged func(camera string, d day.Date) bool
	// InUse reports a day an export is reading now; nil: none is. It is
	// asked when planning and again just before a day's files go.
	InUse func(camera string, d day.Date) bool
	// KeepLocal is --keep-local (days; 0: off), and Offsite reports that
	// the off-site receipt of a day holds each of archives at its size,
	// with its checksum file; nil: no day is off-site.
	KeepLocal int
	Offsite   func(camera string, d day.Date, archives []Archive) bool
	// Calendar says what today is (its Location).
	Calendar day.Calendar
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	// Disk measures the file system; nil: disk.Measure.
	Disk func(path string) (disk.Usage, error)
	// Every is how often free space is checked; 0: DefaultEvery.
	Every time.Duration
	// OnDelete is told of each day deleted (for the metrics).
	OnDelete func(camera string, files int, bytes int64)
	// OnBlocked is told when retention becomes blocked or free again.
	OnBlocked func(blocked bool)

	// afterIntent, for tests, runs between the intent and the first
	// removal; an error stops there, as kill -9 would.
	afterIntent func() error
}

// Status is retention at a glance.
type Status struct {
	// Blocked: free space is under the limit and nothing may be deleted.
	Blocked bool
	// Since is when it became blocked.
	Since time.Time
	// Free and Need are the last measure's free bytes and --keep-free's bytes.
	Free, Need int64
	// Checked is when free space was last measured.
	Checked time.Time
	// DeletedDays and DeletedBytes count what this process deleted.
	DeletedDays  int
	DeletedBytes int64
	// Err is the last error that stopped deletion; "" when none.
	Err string
}

// Retention deletes days as Config asks and keeps the holds.
type Retention struct {
	cfg  Config
	log  *slog.Logger
	led  ledger
	kick chan struct{}

	mu     sync.Mutex
	holds  map[Key]Hold
	status Status
	// gone are the archives deleted per day, left out of the catalog's
	// days until its view catches up, so that no day is planned twice.
	gone map[Key]map[string]bool
	// refused are days whose files could not be recorded: kept as
	// archives without a checksum until restart.
	refused map[Key]bool
}

// New reads the holds and finishes deletions a crash interrupted.
func New(cfg Config, log *slog.Logger) (*Retention, error) {
	if cfg.Days == nil || cfg.Folder == nil {
		return nil, errors.New("retention: days and folders are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Disk == nil {
		cfg.Disk = disk.Measure
	}
	if cfg.Every <= 0 {
		cfg.Every = DefaultEvery
	}
	if err := os.MkdirAll(cfg.State, 0o750); err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	holds, err := readHolds(filepath.Join(cfg.State, HoldsName))
	if err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	r := &Retention{cfg: cfg, log: log.With("component", "retention"), led: ledger{path: filepath.Join(cfg.State, LedgerName)},
		kick: make(chan struct{}, 1), holds: holds, gone: map[Key]map[string]bool{}, refused: map[Key]bool{}}
	if err := r.recover(); err != nil {
		return nil, fmt.Errorf("retention: %w", err)
	}
	return r, nil
}

// Kick asks for a check now (free space may have dropped).
func (r *Retention) Kick() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Run checks free space and ages at once, then every Config.Every and on
// each Kick, until ctx ends.
func (r *Retention) Run(ctx context.Context) error {
	t := time.NewTicker(r.cfg.Every)
	defer t.Stop()
	// Between checks, free space alone is measured often (one statfs), so
	// that a disk filling fast is answered within seconds.
	low := time.NewTicker(max(r.cfg.Every/12, time.Second))
	defer low.Stop()
	for {
		r.check()
		if !r.wait(ctx, t.C, low.C) {
			return nil
		}
	}
}

// wait waits for the next check: the minute's, a kick, or free space
// found low; false when ctx ended.
func (r *Retention) wait(ctx context.Context, every, low <-chan time.Time) bool {
	for {
		select {
		case <-ctx.Done():
			return false
		case <-every:
			return true
		case <-r.kick:
			return true
		case <-low:
			if r.low() {
				return true
			}
		}
	}
}

// low reports free space under the limit (and not already known to be
// blocked, which the minute's check looks at again).
func (r *Retention) low() bool {
	u, err := r.cfg.Disk(r.cfg.Root)
	if err != nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return !r.status.Blocked && int64(u.Free) < r.cfg.KeepFree.Need(u.Total)
}

// Status is retention now.
func (r *Retention) Status() Status {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.status
}

// DryRun is what a check would do now, and changes nothing.
func (r *Retention) DryRun() (Plan, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, _, err := r.plan()
	return p, err
}

// plan measures and plans; r.mu is held.
func (r *Retention) plan() (Plan, Facts, error) {
	now := r.cfg.Now()
	u, err := r.cfg.Disk(r.cfg.Root)
	if err != nil {
		return Plan{}, Facts{}, fmt.Errorf("measure free space: %w", err)
	}
	f := Facts{Today: r.cfg.Calendar.Today(now), Free: int64(u.Free), Need: r.cfg.KeepFree.Need(u.Total), MaxAge: map[string]int{},
		KeepLocal: r.cfg.KeepLocal}
	r.status.Free, r.status.Need, r.status.Checked = f.Free, f.Need, now
	days := r.cfg.Days(now)
	for i := range days {
		d := &days[i]
		if _, ok := f.MaxAge[d.Camera]; !ok && r.cfg.MaxAge != nil {
			f.MaxAge[d.Camera] = r.cfg.MaxAge(d.Camera)
		}
		k := Key{d.Camera, d.Date}
		_, d.Held = r.holds[k]
		d.Damaged = r.cfg.Damaged != nil && r.cfg.Damaged(d.Camera, d.Date)
		d.Exporting = r.cfg.InUse != nil && r.cfg.InUse(d.Camera, d.Date)
		if r.refused[k] {
			d.Archives = slices.Clone(d.Archives)
			for i := range d.Archives {
				d.Archives[i].Checksum = false
			}
		}
		if g := r.gone[k]; g != nil {
			d.Archives = slices.DeleteFunc(slices.Clone(d.Archives), func(a Archive) bool { return g[a.Name] })
		}
		d.Offsite = r.cfg.Offsite != nil && len(d.Archives) > 0 && r.cfg.Offsite(d.Camera, d.Date, d.Archives)
	}
	r.forgetGone(days)
	return NewPlan(days, f), f, nil
}

// forgetGone drops the deleted archives the catalog no longer lists.
func (r *Retention) forgetGone(days []Day) {
	listed := map[Key]bool{}
	for _, d := range days {
		listed[Key{d.Camera, d.Date}] = true
	}
	for k := range r.gone {
		if !listed[k] {
			delete(r.gone, k)
		}
	}
}

// check deletes days, one at a time and measuring again after each, until
// the plan has none left.
func (r *Retention) check() {
	for {
		more, err := r.step()
		if err != nil {
			r.mu.Lock()
			first := r.status.Err != err.Error()
			r.status.Err = err.Error()
			r.mu.Unlock()
			if first {
				r.log.Error("retention stopped: nothing deleted until this is fixed", "err", err)
			}
			return
		}
		if !more {
			return
		}
	}
}

// step plans and deletes the first day of the plan; more reports there
// may be another.
func (r *Retention) step() (more bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	p, f, err := r.plan()
	if err != nil {
		return false, err
	}
	if len(p.Delete) == 0 {
		r.setBlocked(p, f)
		return false, nil
	}
	it := p.Delete[0]
	n, err := r.delete(it, f)
	if errors.Is(err, errExporting) {
		// Planned again at once: it stays while the export runs.
		r.log.Info("day kept while an export reads it", "camera", it.Day.Camera, "day", it.Day.Date.String())
		return true, nil
	}
	if refused := (*refusedError)(nil); errors.As(err, &refused) {
		r.refused[Key{it.Day.Camera, it.Day.Date}] = true
		r.log.Error("day kept: its archives cannot be recorded in the ledger", "camera", it.Day.Camera, "day", it.Day.Date.String(), "err", err)
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("delete %s: %w", dayName(it.Day.Camera, it.Day.Date), err)
	}
	r.status.Err = ""
	r.status.DeletedDays++
	r.status.DeletedBytes += n
	return true, nil
}

// setBlocked reports, once per episode, a disk short of space with nothing to delete.
func (r *Retention) setBlocked(p Plan, f Facts) {
	blocked := f.Free < f.Need
	if blocked == r.status.Blocked {
		return
	}
	r.status.Blocked = blocked
	if blocked {
		r.status.Since = r.cfg.Now()
		counts := map[Reason]int{}
		for _, it := range p.Kept {
			counts[it.Reason]++
		}
		r.log.Error("disk short of space and retention may delete nothing: every byte is kept; hold fewer days, free space or add disk",
			"free_bytes", f.Free, "keep_free_bytes", f.Need, "held", counts[KeptHeld], "not_archived", counts[KeptNotArchived],
			"newest", counts[KeptNewest], "damaged", counts[KeptDamaged], "settling", counts[KeptSettling]+counts[KeptToday])
	} else {
		r.status.Since = time.Time{}
		r.log.Info("disk has room again: retention no longer blocked", "free_bytes", f.Free, "keep_free_bytes", f.Need)
	}
	if r.cfg.OnBlocked != nil {
		r.cfg.OnBlocked(blocked)
	}
}

func dayName(camera string, d day.Date) string {
	if camera == "" {
		return d.String()
	}
	return camera + "/" + d.String()
}

// Blocked says why retention is blocked, for a page's banner; "" when it
// is not.
func (r *Retention) Blocked() string {
	st := r.Status()
	if !st.Blocked {
		return ""
	}
	return fmt.Sprintf("%s free, --keep-free asks for %s, and no day may be deleted (held, not archived, newest or damaged): every byte is kept. `cctvctl retention --dry-run` says why each day stays.",
		bytesize.Format(st.Free), bytesize.Format(st.Need))
}
