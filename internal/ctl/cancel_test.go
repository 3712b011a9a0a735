package ctl

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestCancel(t *testing.T) {
	runCases(t, "CancelConversion", []cliCase{
		{
			name: "running conversion",
			daemon: &fakeDaemon{cancel: &cctvv1.CancelConversionResponse{
				Date: "2026-11-18", Phase: cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING, RemovedFiles: 3,
			}},
			args:    []string{"cancel", "2026-11-18"},
			wantReq: &cctvv1.CancelConversionRequest{Date: "2026-11-18"},
			wantOut: "2026-11-18: conversion cancelled (it was encoding), 3 temporary files removed; segments untouched\n",
		},
		{
			name:    "json",
			daemon:  &fakeDaemon{cancel: &cctvv1.CancelConversionResponse{Date: "2026-11-18", Phase: cctvv1.ConversionPhase_CONVERSION_PHASE_QUEUED}},
			args:    []string{"cancel", "--json", "2026-11-18"},
			wantReq: &cctvv1.CancelConversionRequest{Date: "2026-11-18"},
			wantOut: "{\n  \"date\": \"2026-11-18\",\n  \"phase\": \"CONVERSION_PHASE_QUEUED\"\n}\n",
		},
		{
			name:    "nothing to cancel",
			daemon:  &fakeDaemon{err: status.Error(codes.FailedPrecondition, "2026-11-18 is not being converted")},
			args:    []string{"cancel", "2026-11-18"},
			wantReq: &cctvv1.CancelConversionRequest{Date: "2026-11-18"},
			wantErr: "cctvctl: cancel 2026-11-18: 2026-11-18 is not being converted\n",
			code:    2,
		},
		{
			name:    "malformed date",
			daemon:  &fakeDaemon{},
			args:    []string{"cancel", "2026-02-30"},
			wantErr: "cctvctl: cancel: \"2026-02-30\": not a date (want YYYY-MM-DD)\n",
			code:    2,
		},
	})
}
