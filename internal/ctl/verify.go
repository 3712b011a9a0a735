package ctl

import (
	"context"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/cctvd/cctvd/internal/bytesize"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func verifyCmd() *command {
	var cam cameraValue
	return &command{
		name:    "verify",
		args:    "[CAMERA/]DATE",
		summary: "Check a day now and report its problems",
		doc: "For a day of segments, scans every file: gaps, camera restarts, overlaps and\n" +
			"duplicates, corrupt or truncated segments, junk. For an archived day, re-hashes\n" +
			"video.mp4 against video.mp4.sha512sum and probes it. Each finding names its\n" +
			"files. Exits 0 if the day is clean, 1 if there are findings, 2 on error. DATE\n" +
			"alone is the default camera's day; CAMERA/DATE or --camera CAMERA names another\n" +
			"camera's.",
		// Re-hashing a day's archive takes a while on a small server.
		timeout: 10 * time.Minute,
		flags:   func(fs *flag.FlagSet) { cam.register(fs, cameraUsage) },
		run:     func(ctx context.Context, r *runner, args []string) error { return runVerify(ctx, r, args, cam) },
	}
}

func runVerify(ctx context.Context, r *runner, args []string, cam cameraValue) error {
	ref, err := r.dayArg(args, cam)
	if err != nil {
		return err
	}
	resp, err := call(ctx, r, "verify "+ref.String(), func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.VerifyDayResponse, error) {
		if err := knowsCameras(ctx, api, ref.camera); err != nil {
			return nil, err
		}
		return api.VerifyDay(ctx, &cctvv1.VerifyDayRequest{Camera: ref.camera, Date: ref.date})
	})
	if err != nil {
		return err
	}
	p := r.printer()
	if r.opts.json {
		if err := p.protoJSON(resp); err != nil {
			return err
		}
	} else {
		p.printVerify(resp)
	}
	if n := len(resp.GetFindings()); n > 0 {
		return answerErr(fmt.Errorf("%s: %s", ref, plural(n, "finding")))
	}
	return nil
}

func (p *printer) printVerify(v *cctvv1.VerifyDayResponse) {
	verdict := "clean"
	if n := len(v.GetFindings()); n > 0 {
		verdict = plural(n, "finding")
	}
	var scanned []string
	if v.GetSegmentCount() > 0 || len(v.GetArchives()) == 0 {
		scanned = append(scanned, fmt.Sprintf("%s (%s)", plural(int(v.GetSegmentCount()), "segment"), bytesize.Format(v.GetBytes())))
	}
	for _, a := range v.GetArchives() {
		scanned = append(scanned, a.GetFile())
	}
	p.linef("%s (%s): %s in %s", refText(v.GetCamera(), v.GetDate()), stateText(v.GetState()), verdict, strings.Join(scanned, " and "))
	for _, a := range v.GetArchives() {
		p.linef("  %s: %s", a.GetFile(), archiveText(a))
	}
	if len(v.GetFindings()) > 0 {
		p.linef("")
		p.findings(v.GetFindings())
	}
}

func archiveText(a *cctvv1.ArchiveCheck) string {
	parts := []string{bytesize.Format(a.GetBytes())}
	if a.GetCodec() != "" {
		parts = append(parts, a.GetCodec())
	}
	if a.GetFrames() > 0 {
		parts = append(parts, fmt.Sprintf("%d frames", a.GetFrames()))
	}
	if a.GetDuration() != nil {
		parts = append(parts, durText(a.GetDuration()))
	}
	parts = append(parts, "checksum "+checksumText(a.GetChecksumState()))
	return strings.Join(parts, ", ")
}

// findings writes findings as a table, in the order the server gave (day
// order).
func (p *printer) findings(fs []*cctvv1.Finding) {
	rows := make([][]string, 0, len(fs))
	for _, f := range fs {
		length := ""
		if f.GetDuration() != nil {
			length = durText(f.GetDuration())
		}
		rows = append(rows, []string{
			findingText(f.GetKind()),
			p.clockText(f.GetTime()),
			orDash(length),
			orDash(strings.Join(f.GetFiles(), ", ")),
			oneLine(f.GetDetail()),
		})
	}
	p.table([]string{"KIND", "AT", "LENGTH", "FILES", "DETAIL"}, rows)
}

func findingText(k cctvv1.FindingKind) string { return enumText(k.String(), "FINDING_KIND_") }
