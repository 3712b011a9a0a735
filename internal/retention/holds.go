package retention

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// HoldsName is the holds' file in the state folder.
const HoldsName = "holds.json"

// ErrNotHeld reports a release of a day that has no hold.
var ErrNotHeld = errors.New("day is not held")

// ErrNoReason reports a hold without a reason: a hold is evidence, and
// says what of.
var ErrNoReason = errors.New("a hold needs a reason")

// Key names one camera's day.
type Key struct {
	Camera string
	Date   day.Date
}

// Hold keeps a day from retention until it is released.
type Hold struct {
	Camera string    `json:"camera"`
	Day    string    `json:"day"`
	Reason string    `json:"reason"`
	Who    string    `json:"who"`
	Time   time.Time `json:"time"`
}

type holdsFile struct {
	Holds []Hold `json:"holds"`
}

// readHolds reads the holds file; a missing one holds nothing. A file that
// cannot be read stops start-up: running without the holds could delete a
// held day.
func readHolds(path string) (map[Key]Hold, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return map[Key]Hold{}, nil
	}
	var f holdsFile
	if err == nil {
		err = json.Unmarshal(b, &f)
	}
	if err != nil {
		return nil, fmt.Errorf("holds %s: %w", path, err)
	}
	out := make(map[Key]Hold, len(f.Holds))
	for _, h := range f.Holds {
		d, err := day.Parse(h.Day)
		if err != nil {
			return nil, fmt.Errorf("holds %s: %w", path, err)
		}
		out[Key{h.Camera, d}] = h
	}
	return out, nil
}

// writeHolds replaces the holds file whole: temp file, fsync, rename,
// fsync folder, so a crash leaves the old file or the new one.
func writeHolds(path string, holds map[Key]Hold) error {
	list := make([]Hold, 0, len(holds))
	for _, h := range holds {
		list = append(list, h)
	}
	slices.SortFunc(list, func(a, b Hold) int { return cmp.Or(cmp.Compare(a.Day, b.Day), cmp.Compare(a.Camera, b.Camera)) })
	b, err := json.MarshalIndent(holdsFile{Holds: list}, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o640)
	if err != nil {
		return fmt.Errorf("holds: %w", err)
	}
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err == nil {
		err = syncDir(filepath.Dir(path))
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("holds %s: %w", path, err)
	}
	return nil
}

// Hold holds camera's day d: retention never deletes it until released.
// The holds file is written first, so that the day is protected even if
// the ledger cannot take the record (that is logged); holding a day held
// already replaces its reason.
func (r *Retention) Hold(camera string, d day.Date, reason, who string) (Hold, error) {
	if reason == "" {
		return Hold{}, ErrNoReason
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	h := Hold{Camera: camera, Day: d.String(), Reason: reason, Who: who, Time: r.cfg.Now()}
	next := maps.Clone(r.holds)
	next[Key{camera, d}] = h
	if err := writeHolds(filepath.Join(r.cfg.State, HoldsName), next); err != nil {
		return Hold{}, err
	}
	r.holds = next
	if err := r.led.append(Entry{Time: h.Time, Event: EventHold, Camera: camera, Day: h.Day, Reason: reason, Who: who}); err != nil {
		r.log.Error("day held but the hold not recorded in the ledger", "camera", camera, "day", h.Day, "err", err)
	}
	r.log.Info("day held", "camera", camera, "day", h.Day, "reason", reason, "who", who)
	return h, nil
}

// Release ends the hold of camera's day d and returns it. The ledger
// records the release first: a release that cannot be recorded is refused.
func (r *Retention) Release(camera string, d day.Date, who string) (Hold, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.holds[Key{camera, d}]
	if !ok {
		return Hold{}, fmt.Errorf("%s: %w", dayName(camera, d), ErrNotHeld)
	}
	if err := r.led.append(Entry{Time: r.cfg.Now(), Event: EventRelease, Camera: camera, Day: h.Day, Reason: h.Reason, Who: who}); err != nil {
		return Hold{}, err
	}
	next := maps.Clone(r.holds)
	delete(next, Key{camera, d})
	if err := writeHolds(filepath.Join(r.cfg.State, HoldsName), next); err != nil {
		return Hold{}, err
	}
	r.holds = next
	r.log.Info("day released", "camera", camera, "day", h.Day, "was_held_for", h.Reason, "who", who)
	r.Kick() // the day may go now, even while retention is blocked
	return h, nil
}

// Held is the hold of camera's day d, if it has one.
func (r *Retention) Held(camera string, d day.Date) (Hold, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	h, ok := r.holds[Key{camera, d}]
	return h, ok
}

// HeldDays are camera's held days with each one's reason.
func (r *Retention) HeldDays(camera string) map[day.Date]string {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[day.Date]string{}
	for k, h := range r.holds {
		if k.Camera == camera {
			out[k.Date] = h.Reason
		}
	}
	return out
}
