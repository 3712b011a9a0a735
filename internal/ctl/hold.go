package ctl

import (
	"context"
	"errors"
	"flag"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func holdCmd() *command {
	var cam cameraValue
	var reason string
	return &command{
		name:    "hold",
		args:    "[CAMERA/]DATE --reason TEXT",
		summary: "Hold a day: retention never deletes it until it is released",
		doc: "A held day is never deleted by --keep-free or --max-age. The hold (who asked,\n" +
			"the reason, when) is kept in the state folder and recorded in the ledger. A day\n" +
			"not archived yet is archived as usual and its archive is held. DATE alone is the\n" +
			"default camera's day; CAMERA/DATE or --camera CAMERA names another camera's.",
		flags: func(fs *flag.FlagSet) {
			cam.register(fs, cameraUsage)
			fs.StringVar(&reason, "reason", "", "why the day is held, e.g. an incident or police reference (required)")
		},
		run: func(ctx context.Context, r *runner, args []string) error {
			ref, err := r.dayArg(args, cam)
			if err != nil {
				return err
			}
			if reason == "" {
				return usageErr(errors.New("hold: --reason is required"))
			}
			resp, err := call(ctx, r, "hold "+ref.String(), func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.HoldDayResponse, error) {
				if err := knowsCameras(ctx, api, ref.camera); err != nil {
					return nil, err
				}
				return api.HoldDay(ctx, &cctvv1.HoldDayRequest{Camera: ref.camera, Date: ref.date, Reason: reason})
			})
			if err != nil {
				return err
			}
			p := r.printer()
			if r.opts.json {
				return p.protoJSON(resp)
			}
			h := resp.GetHold()
			p.linef("%s: held (%s), by %s at %s", ref, oneLine(h.GetReason()), h.GetWho(), p.timeText(h.GetTime()))
			return nil
		},
	}
}

func releaseCmd() *command {
	var cam cameraValue
	return &command{
		name:    "release",
		args:    "[CAMERA/]DATE",
		summary: "End a day's hold; retention may delete it again",
		doc:     "The release is recorded in the ledger with who asked. DATE alone is the default\ncamera's day; CAMERA/DATE or --camera CAMERA names another camera's.",
		flags:   func(fs *flag.FlagSet) { cam.register(fs, cameraUsage) },
		run: func(ctx context.Context, r *runner, args []string) error {
			ref, err := r.dayArg(args, cam)
			if err != nil {
				return err
			}
			resp, err := call(ctx, r, "release "+ref.String(), func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.ReleaseDayResponse, error) {
				if err := knowsCameras(ctx, api, ref.camera); err != nil {
					return nil, err
				}
				return api.ReleaseDay(ctx, &cctvv1.ReleaseDayRequest{Camera: ref.camera, Date: ref.date})
			})
			if err != nil {
				return err
			}
			p := r.printer()
			if r.opts.json {
				return p.protoJSON(resp)
			}
			p.linef("%s: released (was held: %s)", ref, oneLine(resp.GetHold().GetReason()))
			return nil
		},
	}
}
