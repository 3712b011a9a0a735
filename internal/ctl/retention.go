package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/cctvd/cctvd/internal/bytesize"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func retentionCmd() *command {
	var dryRun bool
	return &command{
		name:    "retention",
		args:    "--dry-run",
		summary: "Show what retention would delete now and why every other day stays",
		doc: "Lists the days retention would delete now, oldest first, with why (keep-free:\n" +
			"free space is under --keep-free; max-age: older than --max-age; keep-local:\n" +
			"verified off-site and older than --keep-local, its local archives only), then\n" +
			"every other day with why it stays (held, today, settling, not archived, archive\n" +
			"without checksum, damaged, newest archive, not verified off-site, limit already\n" +
			"met). It deletes nothing.",
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&dryRun, "dry-run", false, "show the plan, delete nothing (required: retention runs in cctvd)")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			if err := r.noArgs(args); err != nil {
				return err
			}
			if !dryRun {
				return usageErr(errors.New("retention: only --dry-run is offered: cctvd itself deletes, as --keep-free and --max-age say"))
			}
			resp, err := call(ctx, r, "retention", func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.PlanRetentionResponse, error) {
				return api.PlanRetention(ctx, &cctvv1.PlanRetentionRequest{})
			})
			if err != nil {
				return err
			}
			p := r.printer()
			if r.opts.json {
				return p.protoJSON(resp)
			}
			return p.printRetention(resp)
		},
	}
}

func (p *printer) printRetention(resp *cctvv1.PlanRetentionResponse) error {
	var n int
	var freed int64
	rows := make([][]string, 0, len(resp.GetDays()))
	for _, d := range resp.GetDays() {
		what := "keep"
		if d.GetDelete() {
			what = "DELETE"
			n++
			freed += d.GetArchiveBytes()
		}
		rows = append(rows, []string{cameraText(d.GetCamera()), d.GetDate(), what, sizeText(d.GetArchiveBytes()), d.GetReason()})
	}
	p.linef("free %s, --keep-free %s; ages counted from %s", bytesize.Format(resp.GetFreeBytes()), bytesize.Format(resp.GetKeepFreeBytes()), orDash(resp.GetReferenceDate()))
	switch {
	case n == 0 && resp.GetShort():
		p.linef("would delete nothing, and free space stays short: retention is blocked (every byte is kept)")
	case n == 0:
		p.linef("would delete nothing")
	case resp.GetShort():
		p.linef("would delete %s (%s), and free space would still be short", plural(n, "day"), bytesize.Format(freed))
	default:
		p.linef("would delete %s (%s)", plural(n, "day"), bytesize.Format(freed))
	}
	if len(rows) == 0 {
		return nil
	}
	return p.table([]string{"CAMERA", "DATE", "ACTION", "ARCHIVE", "WHY"}, rows)
}

// retentionText is retention at a glance, for status.
func retentionText(rt *cctvv1.RetentionStatus) string {
	line := fmt.Sprintf("free %s, keep free %s; deleted %s (%s) since start",
		bytesize.Format(rt.GetFreeBytes()), bytesize.Format(rt.GetKeepFreeBytes()),
		plural(int(rt.GetDeletedDays()), "day"), bytesize.Format(rt.GetDeletedBytes()))
	if rt.GetBlocked() {
		line = "BLOCKED: disk short of space and no day may be deleted (every byte kept); " + line
	}
	if e := rt.GetError(); e != "" {
		line += "; stopped: " + oneLine(e)
	}
	return line
}
