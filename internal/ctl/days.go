package ctl

import (
	"context"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func daysCmd() *command {
	var cam cameraValue
	return &command{
		name:    "days",
		args:    "[--camera CAMERA]",
		summary: "List the days, oldest first",
		doc: "One line per day folder: its state, segments, their size and the time they cover,\n" +
			"gaps and other findings, the archive's size and checksum state, and RATIO, the\n" +
			"archive's size as a share of the segments that went in (8% = 92% smaller), and\n" +
			"with --offsite, OFFSITE: ✓ verified in the bucket, pending, uploading or error.\n" +
			"Every camera's days, by camera (a CAMERA column when more than one camera has\n" +
			"days); --camera CAMERA lists one camera's, --camera '' the default camera's.",
		flags: func(fs *flag.FlagSet) {
			cam.register(fs, "list this camera's days alone ('' for the default camera's); default: every camera's")
		},
		run: func(ctx context.Context, r *runner, args []string) error { return runDays(ctx, r, args, cam) },
	}
}

func runDays(ctx context.Context, r *runner, args []string, cam cameraValue) error {
	if err := r.noArgs(args); err != nil {
		return err
	}
	req := &cctvv1.ListDaysRequest{}
	if cam.set {
		req.Camera = &cam.name
	}
	resp, err := call(ctx, r, "days", func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.ListDaysResponse, error) {
		if err := knowsCameras(ctx, api, cam.name); err != nil {
			return nil, err
		}
		return api.ListDays(ctx, req)
	})
	if err != nil {
		return err
	}
	p := r.printer()
	if r.opts.json {
		return p.protoJSON(resp)
	}
	if len(resp.GetDays()) == 0 {
		p.linef("no days yet")
		return nil
	}
	return p.printDays(resp.GetDays())
}

var daysHeader = []string{"DATE", "STATE", "SEGMENTS", "SIZE", "COVERED", "GAPS", "FINDINGS", "ARCHIVE", "CHECKSUM", "RATIO", "NOTE"}

func (p *printer) printDays(days []*cctvv1.Day) error {
	cameras := map[string]bool{}
	for _, d := range days {
		cameras[d.GetCamera()] = true
	}
	header := slices.Clone(daysHeader)
	// The OFFSITE column is there when cctvd copies days off-site.
	offsite := slices.ContainsFunc(days, func(d *cctvv1.Day) bool {
		return d.GetOffsiteState() != cctvv1.OffsiteState_OFFSITE_STATE_UNSPECIFIED
	})
	if offsite {
		header = slices.Insert(header, len(header)-1, "OFFSITE")
	}
	if len(cameras) > 1 {
		header = append([]string{"CAMERA"}, header...)
	}
	rows := make([][]string, 0, len(days))
	for _, d := range days {
		ratio := "-"
		if d.GetReductionRatio() > 0 {
			ratio = fmt.Sprintf("%.1f%%", 100*d.GetReductionRatio())
		}
		row := []string{
			d.GetDate(),
			stateText(d.GetState()),
			strconv.Itoa(int(d.GetSegmentCount())),
			sizeText(d.GetBytes()),
			durText(d.GetCovered()),
			strconv.Itoa(int(d.GetGapCount())),
			strconv.Itoa(int(d.GetFindingCount())),
			sizeText(d.GetArchiveBytes()),
			checksumText(d.GetChecksumState()),
			ratio,
			p.dayNote(d),
		}
		if offsite {
			row = slices.Insert(row, len(row)-1, offsiteText(d.GetOffsiteState()))
		}
		if len(cameras) > 1 {
			row = append([]string{cameraText(d.GetCamera())}, row...)
		}
		rows = append(rows, row)
	}
	return p.table(header, rows)
}

// dayNote is what a person wants to know next about a day, if anything.
func (p *printer) dayNote(d *cctvv1.Day) string {
	var notes []string
	if s := p.scrubNote(d); s != "" {
		notes = append(notes, s)
	}
	if d.GetHeld() {
		notes = append(notes, "held: "+oneLine(d.GetHoldReason()))
	}
	switch d.GetState() {
	case cctvv1.DayState_DAY_STATE_RECORDING, cctvv1.DayState_DAY_STATE_SETTLING:
		if d.GetDueTime() != nil {
			notes = append(notes, "due "+p.timeText(d.GetDueTime()))
		}
	case cctvv1.DayState_DAY_STATE_FAILED:
		if d.GetNextAttemptTime() != nil {
			notes = append(notes, "retry "+p.timeText(d.GetNextAttemptTime()))
		}
	}
	if n := d.GetKeptCount(); n > 0 {
		notes = append(notes, fmt.Sprintf("%d kept", n))
	}
	if e := d.GetLastError(); e != "" {
		notes = append(notes, "error: "+oneLine(e))
	}
	if e := d.GetOffsiteError(); e != "" {
		notes = append(notes, "off-site: "+oneLine(e))
	}
	return strings.Join(notes, "; ")
}

// offsiteText is a day's off-site state in the OFFSITE column.
func offsiteText(s cctvv1.OffsiteState) string {
	switch s {
	case cctvv1.OffsiteState_OFFSITE_STATE_VERIFIED:
		return "✓"
	case cctvv1.OffsiteState_OFFSITE_STATE_NONE, cctvv1.OffsiteState_OFFSITE_STATE_UNSPECIFIED:
		return "-"
	}
	return enumText(s.String(), "OFFSITE_STATE_")
}

func checksumText(s cctvv1.ChecksumState) string {
	if s == cctvv1.ChecksumState_CHECKSUM_STATE_NONE {
		return "-"
	}
	return enumText(s.String(), "CHECKSUM_STATE_")
}
