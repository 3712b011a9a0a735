package ctl

import (
	"context"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func cancelCmd() *command {
	return &command{
		name:    "cancel",
		args:    "DATE",
		summary: "Stop a day's conversion; its segments stay as they were",
		doc:     "Stops the encoder of a queued or running conversion and removes its temporary\nfiles. The day's segments are not touched.",
		run:     runCancel,
	}
}

func runCancel(ctx context.Context, r *runner, args []string) error {
	date, err := r.dateArg(args)
	if err != nil {
		return err
	}
	resp, err := call(ctx, r, "cancel "+date, func(ctx context.Context, api cctvv1.CctvServiceClient) (*cctvv1.CancelConversionResponse, error) {
		return api.CancelConversion(ctx, &cctvv1.CancelConversionRequest{Date: date})
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
	p.linef("%s: conversion cancelled%s, %s removed; segments untouched", date, was, plural(int(resp.GetRemovedFiles()), "temporary file"))
	return nil
}
