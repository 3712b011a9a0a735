package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func convertCmd() *command {
	var o convertOptions
	return &command{
		name:    "convert",
		args:    "[CAMERA/]DATE [--force] [--dry-run] [--wait]",
		summary: "Convert a day now instead of when it is due",
		doc: "Without --wait, returns once cctvd has queued the day (the conversion goes on in\n" +
			"the daemon). With --wait, follows it to the end and exits 0 only when the archive\n" +
			"is verified and committed, 1 if it failed or was cancelled. Interrupting cctvctl\n" +
			"does not stop the conversion; cctvctl cancel DATE does. A day already archived\n" +
			"in full is said so, with its archives' names, and exits 0. DATE alone is the\n" +
			"default camera's day; CAMERA/DATE or --camera CAMERA names another camera's.",
		// A dry run scans the whole day before it answers.
		timeout: 10 * time.Minute,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&o.force, "force", false, "skip the settle time (nothing else: today is never converted, nothing is deleted unverified)")
			fs.BoolVar(&o.dryRun, "dry-run", false, "print the plan (segments in order, kept files, chunks) and change nothing")
			fs.BoolVar(&o.wait, "wait", false, "follow the conversion until it ends: a progress bar on a terminal, plain lines otherwise")
			o.camera.register(fs, cameraUsage)
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			return runConvert(ctx, r, args, o)
		},
	}
}

type convertOptions struct {
	force, dryRun, wait bool
	camera              cameraValue
}

// errNoAnswer cancels a stream whose first message does not come in time.
var errNoAnswer = errors.New("no answer in time")

func runConvert(ctx context.Context, r *runner, args []string, o convertOptions) error {
	ref, err := r.dayArg(args, o.camera)
	if err != nil {
		return err
	}
	c, err := r.newClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	what := "convert " + ref.String()

	// The stream lasts as long as the conversion: --timeout bounds only
	// the wait for its first message.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(r.opts.timeout, func() { cancel(errNoAnswer) })
	if err := knowsCameras(ctx, c.api, ref.camera); err != nil {
		return r.streamError(ctx, what, err)
	}
	stream, err := c.api.ConvertDay(ctx, &cctvv1.ConvertDayRequest{Camera: ref.camera, Date: ref.date, Force: o.force, DryRun: o.dryRun})
	if err != nil {
		return r.streamError(ctx, what, err)
	}
	first, err := stream.Recv()
	timer.Stop()
	p := r.printer()
	if status.Code(err) == codes.AlreadyExists {
		return r.alreadyArchived(p, ref, err)
	}
	if err != nil {
		return r.streamError(ctx, what, err)
	}

	if o.dryRun {
		plan := first.GetPlan()
		if plan == nil {
			return fmt.Errorf("%s: cctvd answered a dry run without a plan", what)
		}
		if r.opts.json {
			return p.protoJSON(plan)
		}
		p.printPlan(plan)
		return nil
	}

	prog := first.GetProgress()
	if prog == nil {
		return fmt.Errorf("%s: cctvd sent no progress", what)
	}
	if !o.wait && !ended(prog) {
		if r.opts.json {
			return p.protoJSONLine(prog)
		}
		p.linef("%s: %s (follow it with: cctvctl convert %s --wait)", ref, progressText(prog), ref)
		return nil
	}

	view := r.progressView()
	for {
		if err := view.update(prog); err != nil {
			return err
		}
		if ended(prog) {
			view.close()
			return r.conversionEnd(p, prog)
		}
		msg, err := stream.Recv()
		if err != nil {
			view.close()
			if errors.Is(err, io.EOF) {
				return fmt.Errorf("%s: cctvd ended the stream before the conversion finished (see cctvctl status)", what)
			}
			if ctx.Err() != nil && context.Cause(ctx) != errNoAnswer {
				return &ExitError{Code: exitInterrupted, Err: fmt.Errorf("%s: interrupted; the conversion goes on in cctvd (stop it with: cctvctl cancel %s)", what, ref)}
			}
			return r.rpcError(what, err)
		}
		if prog = msg.GetProgress(); prog == nil {
			return fmt.Errorf("%s: cctvd sent a message without progress", what)
		}
	}
}

// alreadyArchived reports a day whose footage is all archived: what
// convert is for is done, so it is no error (exit 0), and the daemon's
// message names the archives.
func (r *runner) alreadyArchived(p *printer, ref dayRef, err error) error {
	msg := withoutContext(status.Convert(err).Message(), "convert "+ref.String())
	if r.opts.json {
		return p.valueJSON(struct {
			Camera          string `json:"camera,omitempty"`
			Date            string `json:"date"`
			AlreadyArchived bool   `json:"already_archived"`
			Detail          string `json:"detail"`
		}{ref.camera, ref.date, true, msg})
	}
	p.linef("%s: %s; nothing to do", ref, msg)
	return nil
}

// streamError is rpcError, telling a timeout apart from an interrupt.
func (r *runner) streamError(ctx context.Context, what string, err error) error {
	if errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: cctvd closed the stream without an answer", what)
	}
	if context.Cause(ctx) == errNoAnswer {
		return fmt.Errorf("%s: no answer from cctvd within %v (see --timeout)", what, r.opts.timeout)
	}
	return r.rpcError(what, err)
}

func ended(p *cctvv1.ConversionProgress) bool {
	switch p.GetPhase() {
	case cctvv1.ConversionPhase_CONVERSION_PHASE_DONE,
		cctvv1.ConversionPhase_CONVERSION_PHASE_FAILED,
		cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED:
		return true
	}
	return false
}

// conversionEnd reports how a conversion ended: nil only for DONE.
func (r *runner) conversionEnd(p *printer, prog *cctvv1.ConversionProgress) error {
	date := refText(prog.GetCamera(), prog.GetDate())
	switch prog.GetPhase() {
	case cctvv1.ConversionPhase_CONVERSION_PHASE_DONE:
		if !r.opts.json {
			sum := prog.GetSha512()
			if len(sum) > 16 {
				sum = sum[:16] + "…"
			}
			p.linef("%s: archived to %s (%s), verified, sha512 %s", date, orDash(prog.GetArchiveFile()), sizeText(prog.GetArchiveBytes()), orDash(sum))
		}
		return nil
	case cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED:
		return answerErr(fmt.Errorf("conversion of %s was cancelled%s; its segments are untouched", date, colonMsg(prog.GetError())))
	default:
		// With --json the tail is in the progress line already.
		if tail := prog.GetStderrTail(); len(tail) > 0 && !r.opts.json {
			fmt.Fprintf(r.Stderr, "last lines from the encoder:\n")
			for _, l := range tail {
				fmt.Fprintf(r.Stderr, "  %s\n", l)
			}
		}
		return answerErr(fmt.Errorf("conversion of %s failed%s; its segments are untouched", date, colonMsg(prog.GetError())))
	}
}

func colonMsg(s string) string {
	if s = oneLine(s); s != "" {
		return ": " + s
	}
	return ""
}

// progressText is a conversion's state in a few words, for status lines:
// "encoding chunk 3/24: 45% (12000/26000 frames) at 2.50x, eta 1h2m0s".
func progressText(p *cctvv1.ConversionProgress) string {
	s := enumText(p.GetPhase().String(), "CONVERSION_PHASE_")
	switch p.GetPhase() {
	case cctvv1.ConversionPhase_CONVERSION_PHASE_DONE:
		if p.GetArchiveFile() != "" {
			s += ": " + p.GetArchiveFile()
		}
		return s
	case cctvv1.ConversionPhase_CONVERSION_PHASE_FAILED, cctvv1.ConversionPhase_CONVERSION_PHASE_CANCELLED:
		return s + colonMsg(p.GetError())
	}
	if p.GetChunkCount() > 0 && p.GetPhase() == cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING {
		s += fmt.Sprintf(" chunk %d/%d", p.GetChunk(), p.GetChunkCount())
	}
	var parts []string
	if pct, ok := percent(p); ok {
		part := fmt.Sprintf("%d%%", int(pct))
		if p.GetTotalFrames() > 0 {
			part += fmt.Sprintf(" (%d/%d frames)", p.GetFrames(), p.GetTotalFrames())
		}
		parts = append(parts, part)
	}
	var rate []string
	if p.GetSpeed() > 0 {
		rate = append(rate, "at "+speedText(p.GetSpeed()))
	}
	if p.GetEta() != nil {
		rate = append(rate, "eta "+durText(p.GetEta()))
	}
	if len(rate) > 0 {
		parts = append(parts, strings.Join(rate, ", "))
	}
	if len(parts) > 0 {
		s += ": " + strings.Join(parts, " ")
	}
	return s
}

// percent is how far the conversion is, by frames or else by footage time.
func percent(p *cctvv1.ConversionProgress) (float64, bool) {
	switch {
	case p.GetTotalFrames() > 0:
		return 100 * float64(p.GetFrames()) / float64(p.GetTotalFrames()), true
	case p.GetTotalTime().AsDuration() > 0:
		return 100 * float64(p.GetOutTime().AsDuration()) / float64(p.GetTotalTime().AsDuration()), true
	}
	return 0, false
}

func speedText(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) + "x" }
