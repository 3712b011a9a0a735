package ctl

import (
	"context"
	"flag"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func cancelCmd() *command {
	var cam cameraValue
	return &command{
		name:    "cancel",
		args:    "[CAMERA/]DATE",
		summary: "Stop a day's conversion; its segments stay as they were",
		doc:     "Stops the encoder of a queued or running conversion and removes its temporary\nfiles. The day's segments are not touched. DATE alone is the default camera's\nday; CAMERA/DATE or --camera CAMERA names another camera's.",
		flags:   func(fs *flag.FlagSet) { cam.register(fs, cameraUsage) },
		run:     func(ctx context.Context, r *runner, args []string) error { return runCancel(ctx, r, args, cam) },
	}
}

func runCancel(ctx context.Context, r *runner, args []string, cam cameraValue) error {
	ref, err := r.dayArg(args, cam)
	if err != nil {
		return err
	}
	resp, err := call(ctx, r, "cancel "+ref.String(), func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.CancelConversionResponse, error) {
		if err := knowsCameras(ctx, api, ref.camera); err != nil {
			return nil, err
		}
		return api.CancelConversion(ctx, &cctvv1.CancelConversionRequest{Camera: ref.camera, Date: ref.date})
	})
	if err != nil {
		return err
	}
	p := r.printer()
	if r.opts.json {
		return p.protoJSON(resp)
	}
	was := ""
	if ph := resp.GetPhase(); ph != cctvv1.ConversionPhase_CONVERSION_PHASE_UNSPECIFIED {
		was = " (it was " + enumText(ph.String(), "CONVERSION_PHASE_") + ")"
	}
	p.linef("%s: conversion cancelled%s, %s removed; segments untouched", ref, was, plural(int(resp.GetRemovedFiles()), "temporary file"))
	return nil
}
