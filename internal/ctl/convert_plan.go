package ctl

import (
	"strconv"
	"strings"

	"github.com/cctvd/cctvd/internal/bytesize"
	"google.golang.org/protobuf/types/known/timestamppb"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// atTime is " (at 2026-11-20 00:00:00)", or nothing for an unknown time.
func (p *printer) atTime(t *timestamppb.Timestamp) string {
	if t == nil {
		return ""
	}
	return " (at " + p.timeText(t) + ")"
}

// printPlan writes a dry run's plan: what goes in and in which order, what
// stays, and how the day is cut into chunks.
func (p *printer) printPlan(pl *cctvv1.Plan) {
	p.linef("plan for %s: %s (%s, %d frames, %s) into %s in %s",
		refText(pl.GetCamera(), pl.GetDate()), plural(len(pl.GetSegments()), "segment"), bytesize.Format(pl.GetBytes()),
		pl.GetFrames(), durText(pl.GetDuration()), orDash(pl.GetOutput()), plural(len(pl.GetChunks()), "chunk"))
	switch {
	case pl.GetRecording():
		// --force would be refused: only time makes today convertible.
		p.linef("still being recorded: converted once it is due%s", p.atTime(pl.GetDueTime()))
	case !pl.GetDue():
		p.linef("not due yet%s: converting it now needs --force", p.atTime(pl.GetDueTime()))
	}

	if len(pl.GetSegments()) > 0 {
		p.linef("\nsegments, in order:")
		rows := make([][]string, 0, len(pl.GetSegments()))
		for i, s := range pl.GetSegments() {
			note := ""
			if s.GetRestart() {
				note = "camera restart: re-timed"
			}
			rows = append(rows, []string{
				"  " + strconv.Itoa(i+1), s.GetName(), bytesize.Format(s.GetBytes()),
				strconv.FormatInt(s.GetFrames(), 10), durText(s.GetDuration()), p.clockText(s.GetStartTime()), note,
			})
		}
		p.table([]string{"  #", "NAME", "SIZE", "FRAMES", "LENGTH", "START", "NOTE"}, rows)
	}

	if len(pl.GetChunks()) > 0 {
		p.linef("\nchunks:")
		rows := make([][]string, 0, len(pl.GetChunks()))
		for _, c := range pl.GetChunks() {
			done := ""
			if c.GetDone() {
				done = "already encoded"
			}
			rows = append(rows, []string{
				"  " + strconv.Itoa(int(c.GetIndex())), c.GetFirstSegment() + " … " + c.GetLastSegment(),
				plural(int(c.GetSegmentCount()), "segment"), strconv.FormatInt(c.GetFrames(), 10) + " frames",
				durText(c.GetDuration()), done,
			})
		}
		p.table(nil, rows)
	}

	if len(pl.GetKept()) > 0 {
		p.linef("\nkept in the folder, never deleted:")
		rows := make([][]string, 0, len(pl.GetKept()))
		for _, k := range pl.GetKept() {
			rows = append(rows, []string{"  " + k.GetName(), bytesize.Format(k.GetBytes()), findingText(k.GetReason()), oneLine(k.GetDetail())})
		}
		p.table(nil, rows)
	}

	if len(pl.GetFindings()) > 0 {
		p.linef("\nfindings:")
		p.findings(pl.GetFindings())
	}

	if args := pl.GetEncoderArgs(); len(args) > 0 {
		p.linef("\nencoder: %s", strings.Join(args, " "))
	}
	p.linef("\ndry run: nothing was changed")
}
