package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func scrubCmd() *command {
	var o scrubOptions
	return &command{
		name:    "scrub",
		args:    "[CAMERA/]DATE | --all",
		summary: "Re-hash archives against their checksum files now",
		doc: "Re-hashes a day's archives (video.mp4, video-N.mp4), or with --all every archive,\n" +
			"against their .sha512sum files now, within cctvd's --scrub-rate, with a progress\n" +
			"bar on a terminal. cctvd does this on its own once every --scrub-every. A damaged\n" +
			"archive (mismatch, missing or bad checksum, unreadable) is never repaired or\n" +
			"deleted: its day is marked damaged and kept. Exits 0 if every archive is sound,\n" +
			"1 if one is damaged, 2 on error. --all scrubs every camera's archives, or with\n" +
			"--camera one camera's; DATE alone is the default camera's day.",
		// --timeout bounds the wait for the first message; the scrub
		// itself takes as long as the disk and the rate limit say.
		timeout: time.Minute,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&o.all, "all", false, "scrub every archive (of every camera, or of --camera)")
			o.camera.register(fs, cameraUsage)
		},
		run: func(ctx context.Context, r *runner, args []string) error { return runScrub(ctx, r, args, o) },
	}
}

type scrubOptions struct {
	all    bool
	camera cameraValue
}

func runScrub(ctx context.Context, r *runner, args []string, o scrubOptions) error {
	req := &cctvv1.ScrubDayRequest{All: o.all}
	what := "scrub --all"
	var camera string
	switch {
	case o.all && len(args) > 0:
		return usageErr(fmt.Errorf("scrub: give DATE or --all, not both (usage: cctvctl %s)", r.cmd.usageLine()))
	case o.all:
		if o.camera.set {
			req.Camera, camera = &o.camera.name, o.camera.name
			what += " --camera " + cameraText(camera)
		}
	default:
		ref, err := r.dayArg(args, o.camera)
		if err != nil {
			return err
		}
		req.Date, req.Camera, camera = ref.date, &ref.camera, ref.camera
		what = "scrub " + ref.String()
	}
	c, err := r.newClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(r.opts.timeout, func() { cancel(errNoAnswer) })
	if err := knowsCameras(ctx, c.api, camera); err != nil {
		return r.streamError(ctx, what, err)
	}
	stream, err := c.api.ScrubDay(ctx, req)
	if err != nil {
		return r.streamError(ctx, what, err)
	}
	view := &scrubView{p: r.printer(), json: r.opts.json, tty: r.IsTerminal && !r.opts.json, start: time.Now()}
	for {
		msg, err := stream.Recv()
		timer.Stop()
		if err != nil {
			view.close()
			switch {
			case errors.Is(err, io.EOF):
				return fmt.Errorf("%s: cctvd ended the stream before the scrub finished", what)
			case ctx.Err() != nil && context.Cause(ctx) != errNoAnswer:
				return &ExitError{Code: exitInterrupted, Err: fmt.Errorf("%s: interrupted; the archives read so far keep their new results", what)}
			}
			return r.streamError(ctx, what, err)
		}
		if err := view.update(msg); err != nil {
			return err
		}
		if msg.GetDone() {
			view.close()
			return view.end(what, msg)
		}
	}
}

// scrubView shows a scrub as it streams in, like convert --wait: a bar on
// a terminal, a line per archive otherwise, JSON lines with --json.
type scrubView struct {
	p         *printer
	json, tty bool
	drawn     bool
	last      string
	start     time.Time
}

func (v *scrubView) update(m *cctvv1.ScrubDayResponse) error {
	switch {
	case v.json:
		return v.p.protoJSONLine(m)
	case m.GetDone():
		return nil
	case v.tty:
		_, err := fmt.Fprintf(v.p.w, "\r\x1b[K%s", v.bar(m))
		v.drawn = true
		return err
	}
	key := refText(m.GetCamera(), m.GetDate()) + " " + m.GetFile()
	if key == v.last {
		return nil
	}
	v.last = key
	_, err := fmt.Fprintf(v.p.w, "scrubbing %s (%d/%d)\n", key, m.GetFilesDone()+1, m.GetFileCount())
	return err
}

// bar is "garage/2026-11-18 video.mp4 3/20 [██████░░░░] 45.2%  19.8 MiB/s".
func (v *scrubView) bar(m *cctvv1.ScrubDayResponse) string {
	s := fmt.Sprintf("%s %s %d/%d", refText(m.GetCamera(), m.GetDate()), m.GetFile(), m.GetFilesDone()+1, m.GetFileCount())
	if t := m.GetBytesTotal(); t > 0 {
		pct := min(100*float64(m.GetBytesDone())/float64(t), 100)
		n := min(max(int(pct/100*barWidth+0.5), 0), barWidth)
		s += fmt.Sprintf(" [%s%s] %5.1f%%", strings.Repeat("█", n), strings.Repeat("░", barWidth-n), pct)
	}
	if el := time.Since(v.start).Seconds(); el > 0.5 {
		s += "  " + sizeText(int64(float64(m.GetBytesDone())/el)) + "/s"
	}
	return s
}

func (v *scrubView) close() {
	if v.drawn {
		io.WriteString(v.p.w, "\n")
		v.drawn = false
	}
}

// end prints the results and says how the scrub went: an error (exit 1)
// when an archive is damaged.
func (v *scrubView) end(what string, m *cctvv1.ScrubDayResponse) error {
	var damaged []string
	rows := make([][]string, 0, len(m.GetArchives()))
	for _, a := range m.GetArchives() {
		res := scrubText(a.GetResult())
		if a.GetResult() != cctvv1.ScrubResult_SCRUB_RESULT_OK {
			damaged = append(damaged, refText(a.GetCamera(), a.GetDate())+"/"+a.GetFile())
			res = "DAMAGED: " + res
		}
		rows = append(rows, []string{refText(a.GetCamera(), a.GetDate()), a.GetFile(), sizeText(a.GetBytes()), res, orDash(oneLine(a.GetDetail()))})
	}
	if !v.json {
		if len(rows) > 0 {
			if err := v.p.table([]string{"DAY", "FILE", "SIZE", "RESULT", "DETAIL"}, rows); err != nil {
				return err
			}
		}
		verdict := "clean"
		if len(damaged) > 0 {
			verdict = plural(len(damaged), "damaged archive") + ", kept as they are"
		}
		v.p.linef("%s: %s (%s) re-hashed: %s", what, plural(len(rows), "archive"), sizeText(m.GetBytesDone()), verdict)
	}
	if len(damaged) > 0 {
		return answerErr(fmt.Errorf("%s: damaged: %s", what, strings.Join(damaged, ", ")))
	}
	return nil
}

func scrubText(r cctvv1.ScrubResult) string {
	if r == cctvv1.ScrubResult_SCRUB_RESULT_UNSPECIFIED {
		return "not scrubbed"
	}
	return enumText(r.String(), "SCRUB_RESULT_")
}

// scrubNote is a day's scrub in a few words for cctvctl days; "" when
// none is known.
func (p *printer) scrubNote(d *cctvv1.Day) string {
	switch r := d.GetScrubResult(); {
	case len(d.GetScrubs()) == 0:
		return ""
	case r == cctvv1.ScrubResult_SCRUB_RESULT_OK:
		return "scrubbed ok " + p.timeText(d.GetLastScrubTime())
	case r == cctvv1.ScrubResult_SCRUB_RESULT_UNSPECIFIED:
		return ""
	}
	var bad []string
	for _, a := range d.GetScrubs() {
		if a.GetResult() != cctvv1.ScrubResult_SCRUB_RESULT_OK && a.GetResult() != cctvv1.ScrubResult_SCRUB_RESULT_UNSPECIFIED {
			bad = append(bad, a.GetFile()+" "+scrubText(a.GetResult()))
		}
	}
	return "DAMAGED: " + strings.Join(bad, ", ")
}

// printScrub is status's scrub lines: the oldest scrub and every damaged
// archive; nothing from a daemon that reports no scrubs.
func (p *printer) printScrub(s *cctvv1.GetStatusResponse) {
	if s.GetOldestScrubTime() != nil {
		p.linef("scrub:   oldest %s", p.timeText(s.GetOldestScrubTime()))
	}
	for _, a := range s.GetDamagedArchives() {
		p.linef("DAMAGED %s/%s: %s%s (kept; restore it from a copy)", refText(a.GetCamera(), a.GetDate()), a.GetFile(),
			scrubText(a.GetResult()), colonMsg(a.GetDetail()))
	}
}
