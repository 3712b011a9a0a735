package ctl

import (
	"context"
	"fmt"
	"strings"

	"github.com/cctvd/cctvd/internal/bytesize"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func statusCmd() *command {
	return &command{
		name:    "status",
		summary: "Show what cctvd is doing",
		doc: "Version and uptime, the root and its disk space, days by state (all cameras),\n" +
			"each camera that went silent (sent nothing for longer than cctvd's silence\n" +
			"threshold), the conversion in progress (frames, speed, ETA), unfinished work kept\n" +
			"on disk (resumed at start-up when forced), the most recent errors and footage in\n" +
			"the wrong place under the root (a segment outside any day folder, a folder such\n" +
			"as 2026-11-25.bak). Another camera's day is CAMERA/DATE.",
		run: runStatus,
	}
}

func runStatus(ctx context.Context, r *runner, args []string) error {
	if err := r.noArgs(args); err != nil {
		return err
	}
	resp, err := call(ctx, r, "status", func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.GetStatusResponse, error) {
		return api.GetStatus(ctx, &cctvv1.GetStatusRequest{})
	})
	if err != nil {
		return err
	}
	p := r.printer()
	if r.opts.json {
		return p.protoJSON(resp)
	}
	p.printStatus(resp)
	return nil
}

func (p *printer) printStatus(s *cctvv1.GetStatusResponse) {
	p.linef("cctvd %s, up %s (since %s)", orDash(s.GetVersion()), durText(s.GetUptime()), p.timeText(s.GetStartTime()))
	p.linef("root:    %s", orDash(s.GetRoot()))
	if d := s.GetDisk(); d != nil {
		line := fmt.Sprintf("%s free of %s", bytesize.Format(d.GetFreeBytes()), bytesize.Format(d.GetTotalBytes()))
		if d.GetTotalBytes() > 0 {
			line += fmt.Sprintf(" (%.0f%% used)", 100*float64(d.GetUsedBytes())/float64(d.GetTotalBytes()))
		}
		if d.GetRootBytes() > 0 {
			line += ", footage " + bytesize.Format(d.GetRootBytes())
		}
		p.linef("disk:    %s", line)
	}
	counts := countsText(s.GetDayCounts())
	if counts == "" {
		counts = "none"
	}
	p.linef("days:    %s", counts)
	if rt := s.GetRetention(); rt != nil {
		p.linef("retention: %s", retentionText(rt))
	}
	if o := s.GetOffsite(); o != nil {
		p.printOffsite(o)
	}
	if s.GetSettle() != nil {
		p.linef("settle:  %s", durText(s.GetSettle()))
	}
	p.printSilent(s.GetCameras())
	p.printScrub(s)
	if len(s.GetConversions()) == 0 {
		p.linef("converting: nothing")
	}
	converting := map[string]bool{}
	for _, c := range s.GetConversions() {
		ref := refText(c.GetCamera(), c.GetDate())
		p.linef("converting %s: %s", ref, progressText(c))
		converting[ref] = true
	}
	for _, w := range s.GetPending() {
		if ref := refText(w.GetCamera(), w.GetDate()); !converting[ref] { // its progress line says more
			p.linef("pending %s: %s", ref, pendingText(w))
		}
	}
	if errs := s.GetRecentErrors(); len(errs) > 0 {
		p.linef("recent errors:")
		for _, e := range errs {
			where := e.GetComponent()
			if e.GetDate() != "" {
				where = strings.TrimPrefix(where+" "+e.GetDate(), " ")
			}
			p.linef("  %s  %s: %s", p.timeText(e.GetTime()), orDash(where), oneLine(e.GetMessage()))
		}
	}
	p.printMisplaced(s.GetMisplaced())
}

// pendingText says what unfinished work a day has on disk.
func pendingText(w *cctvv1.PendingConversion) string {
	var parts []string
	if w.GetForced() {
		parts = append(parts, "forced")
	}
	switch {
	case w.GetCommitting():
		parts = append(parts, "archive verified, being committed")
	case w.GetChunkCount() > 0:
		parts = append(parts, fmt.Sprintf("%d/%d chunks done", w.GetChunksDone(), w.GetChunkCount()))
	default:
		parts = append(parts, "not started")
	}
	return strings.Join(parts, ", ")
}

func stateText(s cctvv1.DayState) string { return enumText(s.String(), "DAY_STATE_") }

// printOffsite says where the off-site copies go and how they are doing.
func (p *printer) printOffsite(o *cctvv1.OffsiteStatus) {
	line := fmt.Sprintf("%s: %d days verified, %d to upload", orDash(o.GetTarget()), o.GetVerifiedDays(), o.GetQueueLength())
	if u := o.GetUploading(); u != "" {
		line += ", uploading " + u
	}
	line += ", " + bytesize.Format(o.GetUploadedBytes()) + " sent"
	if o.GetLastVerifiedTime() != nil {
		line += ", last verified " + p.timeText(o.GetLastVerifiedTime())
	}
	if n := o.GetKeepLocalDays(); n > 0 {
		line += fmt.Sprintf("; local archives kept %d days once verified", n)
	}
	p.linef("offsite: %s", line)
	if e := o.GetLastError(); e != "" {
		what := "error"
		if o.GetPermanent() {
			what = "stopped, fix the configuration"
		}
		p.linef("offsite %s (%s): %s", what, p.timeText(o.GetLastErrorTime()), oneLine(e))
	}
}
