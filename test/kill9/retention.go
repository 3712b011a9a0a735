package main

import (
	"bytes"
	"context"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/retention"
)

// The retention phase: cctvd deletes archived days from a small tmpfs
// (an 8 MiB file fills a quarter of it, and --keep-free asks for 90%) and is SIGKILLed at
// random moments of the deletions. After every kill, with cctvd stopped,
// each day must hold its archive and checksum intact (the SHA-512 matches)
// or have a delete intent in the ledger; a held day and each camera's
// newest archive are never touched; an intent left open by a kill is
// closed (deleted, recovered or abandoned) by the next start; and at the
// end of a cycle the ledger's deleted days are exactly the days missing.

const (
	retentionDaysPerCamera = 8
	retentionCameras       = 2
)

// retDay is one archived day of the retention phase.
type retDay struct {
	camera string
	date   day.Date
	held   bool
	newest bool
}

func (d retDay) dir(root string) string { return filepath.Join(root, d.camera, d.date.String()) }
func (d retDay) key() string            { return d.camera + "/" + d.date.String() }
func (d retDay) kept() bool             { return d.held || d.newest }

type retStats struct {
	rounds, cycles, startKills, intentKills int
	// open counts kills that left an intent without its deleted record;
	// half those whose day had lost some of its files but not all.
	open, openIntact, openGone, half int
	recovered, abandoned, closed     int
	deletedDays                      int
}

// retPhase holds the phase's folders and figures.
type retPhase struct {
	h     *harness
	mnt   string
	root  string
	state string
	mp4   []byte
	days  []retDay
	// opened are the intents a kill left open: the next start must close them.
	opened map[string]bool
	st     retStats
}

func (h *harness) retention(ctx context.Context) (err error) {
	began := time.Now()
	p := &retPhase{h: h, mnt: filepath.Join(h.dir, "retention")}
	if err := os.MkdirAll(p.mnt, 0o755); err != nil {
		return err
	}
	if out, err := exec.CommandContext(ctx, "mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", p.mnt).CombinedOutput(); err != nil {
		return fmt.Errorf("mount tmpfs (needs root; -retention=false skips the phase): %v: %s", err, out)
	}
	defer func() {
		if out, uerr := exec.Command("umount", p.mnt).CombinedOutput(); uerr != nil && err == nil {
			err = fmt.Errorf("umount %s: %v: %s", p.mnt, uerr, out)
		}
	}()
	// Outside the camera folders, on the same file system: the space the
	// days cannot give back.
	if err := os.WriteFile(filepath.Join(p.mnt, "filler"), make([]byte, 8<<20), 0o644); err != nil {
		return err
	}
	tmp := filepath.Join(h.dir, "retention.mp4")
	if out, err := exec.CommandContext(ctx, "ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=10", "-t", "2",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", tmp).CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg: %v: %s", err, out)
	}
	if p.mp4, err = os.ReadFile(tmp); err != nil {
		return err
	}
	for n := 1; n <= h.o.retentionRounds; n++ {
		if p.days == nil {
			if err := p.newCycle(); err != nil {
				return err
			}
		}
		if err := p.round(ctx, n); err != nil {
			return fmt.Errorf("retention round %d (seed %d): %w", n, h.o.seed, err)
		}
	}
	if err := p.finish(ctx); err != nil {
		return fmt.Errorf("retention final run (seed %d): %w", h.o.seed, err)
	}
	s := p.st
	fmt.Printf(`retention (tmpfs 32m, --keep-free 90%%, 8 MiB of filler, %d cameras × %d archived days, 1 held and the newest kept per camera)
  kill -9 rounds      %d (%d at a random moment 0-60 ms after start, %d just after a delete intent reached the ledger)
  cycles              %d (the root laid anew once every day that may go was gone)
  open intents        %d kills landed between an intent and its deleted record: the day intact %d, gone %d, half deleted %d
  closed by restart   %d (%d recovered: deleted, %d abandoned: kept)
  days deleted        %d, each with its ledger intent and deleted record; held and newest days intact
  wall time           %s
`, retentionCameras, retentionDaysPerCamera, s.rounds, s.startKills, s.intentKills, s.cycles, s.open, s.openIntact, s.openGone, s.half,
		s.closed, s.recovered, s.abandoned, s.deletedDays, time.Since(began).Round(time.Second))
	return nil
}

// newCycle lays the archived days afresh, with a fresh state folder (so a
// fresh ledger) and a hold on one day of each camera.
func (p *retPhase) newCycle() error {
	p.st.cycles++
	p.root = filepath.Join(p.mnt, fmt.Sprintf("root%d", p.st.cycles))
	p.state = filepath.Join(p.h.dir, fmt.Sprintf("retention-state%d", p.st.cycles))
	if p.st.cycles > 1 {
		os.RemoveAll(filepath.Join(p.mnt, fmt.Sprintf("root%d", p.st.cycles-1)))
	}
	if err := os.MkdirAll(p.state, 0o755); err != nil {
		return err
	}
	today := day.Of(time.Now())
	sum := sha512.Sum512(p.mp4)
	p.days = nil
	p.opened = map[string]bool{}
	var holds struct {
		Holds []retention.Hold `json:"holds"`
	}
	for c := range retentionCameras {
		cam := cameraName(c)
		for i := range retentionDaysPerCamera {
			ago := 3 + retentionDaysPerCamera - i + c // cameras' days interleave
			d := retDay{camera: cam, date: today.AddDays(-ago), held: i == 2+c, newest: i == retentionDaysPerCamera-1}
			p.days = append(p.days, d)
			dir := d.dir(p.root)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			mtime := time.Now().AddDate(0, 0, -ago).Add(153192286)
			for name, b := range map[string][]byte{"video.mp4": p.mp4, "video.mp4.sha512sum": []byte(hex.EncodeToString(sum[:]) + "  video.mp4\n")} {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					return err
				}
				if err := os.Chtimes(filepath.Join(dir, name), mtime, mtime); err != nil {
					return err
				}
			}
			if d.held {
				holds.Holds = append(holds.Holds, retention.Hold{Camera: cam, Day: d.date.String(), Reason: "kill9: never delete", Who: "kill9", Time: time.Now()})
			}
		}
	}
	b, err := json.Marshal(holds)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(p.state, retention.HoldsName), b, 0o640)
}

func (p *retPhase) args() []string {
	return []string{"--root", p.root, "--state", p.state, "--http", "", "--settle", "0s", "--keep-free", "90%",
		"--nice", "0", "--log-format", "json"}
}

func (p *retPhase) ledger() string { return filepath.Join(p.state, retention.LedgerName) }

// round starts cctvd, kills it at a random moment or right after a new
// delete intent, and checks the days.
func (p *retPhase) round(ctx context.Context, n int) error {
	h := p.h
	p.st.rounds++
	before, err := retention.ReadLedger(p.ledger())
	if err != nil {
		return err
	}
	intents := count(before, retention.EventDelete)
	fmt.Fprintf(h.log, "### retention round %d\n", n)
	d, err := startDaemon(h.bin, p.args(), h.log)
	if err != nil {
		return err
	}
	if n%2 == 1 {
		p.st.startKills++
		select {
		case <-time.After(time.Duration(h.rng.Int64N(int64(60 * time.Millisecond)))):
		case <-ctx.Done():
		}
	} else {
		p.st.intentKills++
		waitIntent(ctx, p.ledger(), intents, 10*time.Second)
	}
	if err := d.kill(); err != nil {
		return err
	}
	if err := waitOrphans(p.root); err != nil {
		return err
	}
	after, err := retention.ReadLedger(p.ledger())
	if err != nil {
		return err
	}
	if err := p.closedSince(after); err != nil {
		return err
	}
	if err := p.check(after, false); err != nil {
		return err
	}
	if p.allGone(after) {
		if err := p.finish(ctx); err != nil {
			return err
		}
		p.days = nil
	}
	return nil
}

// waitIntent polls the ledger until it holds more than had delete intents
// (or limit passes: every day that may go is gone).
func waitIntent(ctx context.Context, path string, had int, limit time.Duration) {
	end := time.Now().Add(limit)
	for time.Now().Before(end) && ctx.Err() == nil {
		b, _ := os.ReadFile(path)
		if bytes.Count(b, []byte(`"event":"delete"`)) > had {
			return
		}
		time.Sleep(50 * time.Microsecond)
	}
}

func count(es []retention.Entry, event string) int {
	n := 0
	for _, e := range es {
		if e.Event == event {
			n++
		}
	}
	return n
}

// ledgerState is, per day, its last intent and whether a record closed it.
type ledgerState struct {
	intent, deleted, open bool
	recovered, abandoned  bool
}

func ledgerByDay(es []retention.Entry) map[string]*ledgerState {
	out := map[string]*ledgerState{}
	for _, e := range es {
		k := e.Camera + "/" + e.Day
		s := out[k]
		if s == nil {
			s = &ledgerState{}
			out[k] = s
		}
		switch e.Event {
		case retention.EventDelete:
			s.intent, s.open = true, true
		case retention.EventDeleted:
			s.deleted, s.open, s.recovered = true, false, e.Recovered
		case retention.EventAbandoned:
			s.open, s.abandoned = false, true
		}
	}
	return out
}

// closedSince checks that the intents the last kill left open were closed
// by the start that followed, and counts how.
func (p *retPhase) closedSince(es []retention.Entry) error {
	led := ledgerByDay(es)
	for k := range p.opened {
		s := led[k]
		if s.open {
			// The start may have been killed before its recovery ran: the
			// one after must close it.
			continue
		}
		p.st.closed++
		if s.recovered {
			p.st.recovered++
		}
		if s.abandoned {
			p.st.abandoned++
		}
		delete(p.opened, k)
	}
	return nil
}

// check looks at every day with cctvd stopped. final says a clean stop:
// then no intent may be open and the deleted days are exactly those missing.
func (p *retPhase) check(es []retention.Entry, final bool) error {
	led := ledgerByDay(es)
	sum := sha512.Sum512(p.mp4)
	for _, d := range p.days {
		state, err := p.dayState(d, hex.EncodeToString(sum[:]))
		if err != nil {
			return err
		}
		s := led[d.key()]
		if d.kept() {
			if state != "intact" {
				return fmt.Errorf("%s (held %v, newest %v): %s, want intact", d.key(), d.held, d.newest, state)
			}
			if s != nil && s.intent {
				return fmt.Errorf("%s (held %v, newest %v): a delete intent in the ledger", d.key(), d.held, d.newest)
			}
			continue
		}
		switch {
		case state == "intact":
			if s != nil && s.deleted && !s.open {
				return fmt.Errorf("%s: intact but the ledger says deleted", d.key())
			}
		case s == nil || !s.intent:
			return fmt.Errorf("%s: %s with no delete intent in the ledger", d.key(), state)
		case final && s.open:
			return fmt.Errorf("%s: %s, its intent still open after a clean stop", d.key(), state)
		case state == "gone" && !s.deleted && !s.open:
			return fmt.Errorf("%s: gone but the ledger closed its intent as abandoned", d.key())
		case state != "gone" && !s.open:
			return fmt.Errorf("%s: %s but the ledger closed its intent", d.key(), state)
		}
		if s != nil && s.open && !p.opened[d.key()] {
			p.opened[d.key()] = true
			p.st.open++
			switch state {
			case "intact":
				p.st.openIntact++
			case "gone":
				p.st.openGone++
			default:
				p.st.half++
			}
		}
		if final && state == "gone" {
			p.st.deletedDays++
		}
	}
	return nil
}

// dayState is intact (archive and checksum, the SHA-512 matching), gone
// (no folder or an empty one), or what is left of it.
func (p *retPhase) dayState(d retDay, want string) (string, error) {
	dir := d.dir(p.root)
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "gone", nil
	}
	if err != nil {
		return "", err
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	if len(names) == 0 {
		return "gone", nil
	}
	mp4, err1 := os.ReadFile(filepath.Join(dir, "video.mp4"))
	sumFile, err2 := os.ReadFile(filepath.Join(dir, "video.mp4.sha512sum"))
	if err1 != nil || err2 != nil {
		return "half deleted (" + strings.Join(names, ", ") + ")", nil
	}
	got := sha512.Sum512(mp4)
	if f := strings.Fields(string(sumFile)); len(f) != 2 || f[0] != want || hex.EncodeToString(got[:]) != want {
		return "", fmt.Errorf("%s: sha512sum -c fails", d.key())
	}
	return "intact", nil
}

// allGone says every day that may go has its deleted record.
func (p *retPhase) allGone(es []retention.Entry) bool {
	led := ledgerByDay(es)
	for _, d := range p.days {
		if s := led[d.key()]; !d.kept() && (s == nil || !s.deleted || s.open) {
			return false
		}
	}
	return true
}

// finish runs cctvd until every day that may go is deleted, stops it
// cleanly and checks strictly.
func (p *retPhase) finish(ctx context.Context) error {
	if p.days == nil {
		return nil
	}
	fmt.Fprintf(p.h.log, "### retention: run to the end of cycle %d\n", p.st.cycles)
	d, err := startDaemon(p.h.bin, p.args(), p.h.log)
	if err != nil {
		return err
	}
	end := time.Now().Add(30 * time.Second)
	for {
		es, err := retention.ReadLedger(p.ledger())
		if err != nil {
			d.kill()
			return err
		}
		if p.allGone(es) {
			break
		}
		if time.Now().After(end) || ctx.Err() != nil {
			d.kill()
			return errors.New("days that may go still not deleted 30 s after start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := d.stop(); err != nil {
		return err
	}
	es, err := retention.ReadLedger(p.ledger())
	if err != nil {
		return err
	}
	if err := p.closedSince(es); err != nil {
		return err
	}
	if len(p.opened) > 0 {
		return fmt.Errorf("intents left open by kills never closed: %v", p.opened)
	}
	return p.check(es, true)
}
