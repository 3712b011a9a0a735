package ctl

import (
	"fmt"
	"io"
	"strings"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// progressView shows a conversion's progress as it streams in: a live bar
// redrawn in place on a terminal, plain lines otherwise (logs, pipes), or
// one JSON object per message with --json.
type progressView struct {
	p    *printer
	json bool
	tty  bool
	// last is the key of the last plain line, so lines are only written
	// when something a reader cares about changed.
	last string
	// drawn reports that a bar is on the terminal's current line.
	drawn bool
}

func (r *runner) progressView() *progressView {
	return &progressView{p: r.printer(), json: r.opts.json, tty: r.IsTerminal && !r.opts.json}
}

const barWidth = 24

func (v *progressView) update(p *cctvv1.ConversionProgress) error {
	switch {
	case v.json:
		return v.p.protoJSONLine(p)
	case v.tty:
		// \r returns to the line start, \x1b[K clears the rest of it.
		_, err := fmt.Fprintf(v.p.w, "\r\x1b[K%s", barLine(p))
		v.drawn = true
		return err
	}
	// Plain lines: one per phase, chunk and whole percent, never more.
	key := fmt.Sprint(p.GetPhase(), p.GetChunk())
	if pct, ok := percent(p); ok {
		key += fmt.Sprint(" ", int(pct))
	}
	if key == v.last {
		return nil
	}
	v.last = key
	_, err := fmt.Fprintf(v.p.w, "%s %s\n", refText(p.GetCamera(), p.GetDate()), progressText(p))
	return err
}

// close ends the bar's line so that what follows starts on a fresh one.
func (v *progressView) close() {
	if v.drawn {
		io.WriteString(v.p.w, "\n")
		v.drawn = false
	}
}

// barLine is one line of the live view:
// "2026-11-18 encoding 3/24 [██████░░░░░░] 45.2%  2.50x  eta 1h2m0s".
func barLine(p *cctvv1.ConversionProgress) string {
	phase := enumText(p.GetPhase().String(), "CONVERSION_PHASE_")
	if ended(p) {
		return refText(p.GetCamera(), p.GetDate()) + " " + progressText(p)
	}
	s := refText(p.GetCamera(), p.GetDate()) + " " + phase
	if p.GetChunkCount() > 0 {
		s += fmt.Sprintf(" %d/%d", p.GetChunk(), p.GetChunkCount())
	}
	if pct, ok := percent(p); ok {
		n := min(max(int(pct/100*barWidth+0.5), 0), barWidth)
		s += fmt.Sprintf(" [%s%s] %5.1f%%", strings.Repeat("█", n), strings.Repeat("░", barWidth-n), pct)
	}
	if p.GetSpeed() > 0 {
		s += "  " + speedText(p.GetSpeed())
	}
	if p.GetEta() != nil {
		s += "  eta " + durText(p.GetEta())
	}
	return s
}
