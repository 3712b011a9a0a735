package ctl

import (
	"context"
	"crypto/sha512"
	"encoding/hex"
	"flag"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func exportCmd() *command {
	var o exportOptions
	return &command{
		name:    "export",
		args:    "[CAMERA] START END|DURATION [-o clip.mp4]",
		summary: "Cut a time range of a camera's footage into one checked mp4",
		doc: "START and END are RFC 3339 times (2026-11-20T10:32:00+01:00) or the daemon's local\n" +
			"times (2026-11-20T10:32:00[.fff]); END may be a duration after START (15m, 1h30m).\n" +
			"Writes the clip, CLIP.sha512sum (sha512sum -c checks it) and the manifest CLIP.json\n" +
			"(without .mp4), which names every source file with its SHA-512. The clip is a\n" +
			"stream copy; it starts at the first frame of the range and keeps gaps as gaps.\n" +
			"A progress bar on a terminal. Nothing is left behind when it fails.",
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&o.out, "o", "", "the clip's path (default: the name cctvd gives it, in the current folder)")
			o.camera.register(fs, cameraUsage)
		},
		run: func(ctx context.Context, r *runner, args []string) error { return runExport(ctx, r, args, o) },
	}
}

type exportOptions struct {
	out    string
	camera cameraValue
}

func runExport(ctx context.Context, r *runner, args []string, o exportOptions) error {
	cam := o.camera.name
	switch len(args) {
	case 3:
		if o.camera.set {
			return usageErr(fmt.Errorf("export: a CAMERA argument and --camera"))
		}
		if err := checkCameraName(args[0]); err != nil {
			return usageErr(fmt.Errorf("export: camera %q: %w", args[0], err))
		}
		cam, args = args[0], args[1:]
	case 2:
	default:
		return usageErr(fmt.Errorf("export: want [CAMERA] START END|DURATION (usage: cctvctl %s)", r.cmd.usageLine()))
	}
	c, err := r.newClient(ctx)
	if err != nil {
		return err
	}
	defer c.Close()
	what := "export " + strings.Join(args, " ")
	// The stream lasts as long as the export: --timeout bounds only the
	// wait for its first message.
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	timer := time.AfterFunc(r.opts.timeout, func() { cancel(errNoAnswer) })
	defer timer.Stop()
	if err := knowsCameras(ctx, c.api, cam); err != nil {
		return r.streamError(ctx, what, err)
	}
	stream, err := c.api.ExportRange(ctx, &cctvv1.ExportRangeRequest{Camera: cam, Start: args[0], End: args[1]})
	if err != nil {
		return r.streamError(ctx, what, err)
	}
	w := &clipWriter{out: o.out}
	defer w.abort()
	bar := &exportBar{w: r.Stderr, tty: r.IsTerminal}
	defer bar.close()
	for {
		msg, err := stream.Recv()
		timer.Stop()
		if err != nil {
			bar.close()
			return r.streamError(ctx, what, err)
		}
		switch ev := msg.GetEvent().(type) {
		case *cctvv1.ExportRangeResponse_Progress:
			bar.update(ev.Progress.GetDoneBytes(), ev.Progress.GetTotalBytes())
		case *cctvv1.ExportRangeResponse_Clip:
			bar.close()
			if err := w.begin(ev.Clip); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		case *cctvv1.ExportRangeResponse_Data:
			if err := w.write(ev.Data); err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
		case *cctvv1.ExportRangeResponse_ManifestJson:
			paths, err := w.finish(ev.ManifestJson)
			if err != nil {
				return fmt.Errorf("%s: %w", what, err)
			}
			for _, p := range paths {
				fmt.Fprintln(r.Stdout, p)
			}
			return nil
		}
	}
}

// clipWriter writes a clip to a hidden temp file beside its path, checks
// it against the sum the daemon sent, and only then puts it and its
// .sha512sum and manifest in place.
type clipWriter struct {
	out  string
	clip *cctvv1.ExportClip
	f    *os.File
	h    hash.Hash
	n    int64
}

func (w *clipWriter) begin(c *cctvv1.ExportClip) error {
	if w.out == "" {
		w.out = filepath.Base(c.GetName())
	}
	w.clip, w.h = c, sha512.New()
	f, err := os.CreateTemp(filepath.Dir(w.out), "."+filepath.Base(w.out)+".*")
	if err != nil {
		return err
	}
	w.f = f
	return nil
}

func (w *clipWriter) write(b []byte) error {
	if w.f == nil {
		return fmt.Errorf("clip bytes before the clip")
	}
	w.h.Write(b)
	w.n += int64(len(b))
	_, err := w.f.Write(b)
	return err
}

func (w *clipWriter) finish(manifest string) ([]string, error) {
	if w.f == nil {
		return nil, fmt.Errorf("no clip in the answer")
	}
	sum := hex.EncodeToString(w.h.Sum(nil))
	if w.n != w.clip.GetSize() || sum != w.clip.GetSha512() {
		return nil, fmt.Errorf("the clip arrived damaged: %d bytes with SHA-512 %s, cctvd sent %d with %s", w.n, sum, w.clip.GetSize(), w.clip.GetSha512())
	}
	if err := w.f.Sync(); err != nil {
		return nil, err
	}
	if err := w.f.Close(); err != nil {
		return nil, err
	}
	base := filepath.Base(w.out)
	sumPath := w.out + ".sha512sum"
	jsonPath := strings.TrimSuffix(w.out, filepath.Ext(w.out)) + ".json"
	if err := os.WriteFile(sumPath, []byte(sum+"  "+base+"\n"), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(jsonPath, []byte(manifest), 0o644); err != nil {
		return nil, err
	}
	if err := os.Rename(w.f.Name(), w.out); err != nil {
		return nil, err
	}
	w.f = nil
	return []string{w.out, sumPath, jsonPath}, nil
}

// abort removes the temp file of a clip that did not arrive whole.
func (w *clipWriter) abort() {
	if w.f != nil {
		w.f.Close()
		os.Remove(w.f.Name())
	}
}

// exportBar shows an export's progress on a terminal: "export [████░░░░] 45.2%".
type exportBar struct {
	w     io.Writer
	tty   bool
	drawn bool
}

func (b *exportBar) update(done, total int64) {
	if !b.tty || total <= 0 {
		return
	}
	pct := float64(done) / float64(total) * 100
	n := min(max(int(pct/100*barWidth+0.5), 0), barWidth)
	fmt.Fprintf(b.w, "\r\x1b[Kexport [%s%s] %5.1f%%", strings.Repeat("█", n), strings.Repeat("░", barWidth-n), pct)
	b.drawn = true
}

func (b *exportBar) close() {
	if b.drawn {
		io.WriteString(b.w, "\n")
		b.drawn = false
	}
}
