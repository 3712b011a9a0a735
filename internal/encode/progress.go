package encode

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Progress is one report of ffmpeg's -progress output.
type Progress struct {
	// Frames is how many frames went into the encoder (or were copied, when joining).
	Frames int64
	// OutTime is the timestamp of the latest packet written, relative to the output's start.
	OutTime time.Duration
	// Speed is OutTime's advance per wall-clock second (2 means twice realtime).
	Speed float64
	// FPS is frames per wall-clock second.
	FPS float64
	// DupFrames and DropFrames count frames ffmpeg repeated or dropped to
	// make the output rate constant; both stay 0 with the flags this package uses.
	DupFrames, DropFrames int64
	// Done is set on the last report, written when ffmpeg finished the output.
	Done bool
}

// advancedFrom reports whether p shows work done since prev.
func (p Progress) advancedFrom(prev Progress) bool {
	return p.Frames > prev.Frames || p.OutTime > prev.OutTime || p.Done
}

// progressParser reads ffmpeg's -progress output, line by line: blocks of
// key=value lines, each closed by progress=continue or progress=end.
type progressParser struct {
	emit func(Progress)
	cur  Progress
}

// line takes one key=value line; unknown keys are ignored.
func (p *progressParser) line(line string) error {
	if line == "" {
		return nil
	}
	key, val, ok := strings.Cut(line, "=")
	if !ok {
		return fmt.Errorf("progress line %q: no '='", line)
	}
	val = strings.TrimSpace(val)
	if val == "N/A" {
		return nil
	}
	var err error
	switch key {
	case "frame":
		p.cur.Frames, err = strconv.ParseInt(val, 10, 64)
	case "fps":
		p.cur.FPS, err = strconv.ParseFloat(val, 64)
	case "out_time_us":
		var us int64
		us, err = strconv.ParseInt(val, 10, 64)
		p.cur.OutTime = time.Duration(us) * time.Microsecond
	case "speed":
		p.cur.Speed, err = strconv.ParseFloat(strings.TrimSuffix(val, "x"), 64)
	case "dup_frames":
		p.cur.DupFrames, err = strconv.ParseInt(val, 10, 64)
	case "drop_frames":
		p.cur.DropFrames, err = strconv.ParseInt(val, 10, 64)
	case "progress":
		switch val {
		case "continue":
		case "end":
			p.cur.Done = true
		default:
			return fmt.Errorf("progress line %q: unknown state", line)
		}
		if p.emit != nil {
			p.emit(p.cur)
		}
	}
	if err != nil {
		return fmt.Errorf("progress line %q: %w", line, err)
	}
	return nil
}

// watchdog calls stall once no kick came for timeout.
type watchdog struct {
	timer   *time.Timer
	timeout time.Duration
}

func startWatchdog(timeout time.Duration, stall func()) *watchdog {
	return &watchdog{timer: time.AfterFunc(timeout, stall), timeout: timeout}
}

func (w *watchdog) kick() { w.timer.Reset(w.timeout) }

func (w *watchdog) stop() { w.timer.Stop() }
