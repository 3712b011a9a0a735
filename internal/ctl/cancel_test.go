package ctl

import (
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

func TestCancel(t *testing.T) {
	tests := []struct {
		name    string
		daemon  *fakeDaemon
		args    []string
		noReq   bool
		wantOut string
		wantErr string
		code    int
	}{
		{
			name: "running conversion",
			daemon: &fakeDaemon{cancel: &cctvv1.CancelConversionResponse{
				Date: "2026-11-18", Phase: cctvv1.ConversionPhase_CONVERSION_PHASE_ENCODING, RemovedFiles: 3,
			}},
			args:    []string{"cancel", "2026-11-18"},
			wantOut: "2026-11-18: conversion cancelled (it was encoding), 3 temporary files removed; segments untouched\n",
		},
		{
			name:    "json",
			daemon:  &fakeDaemon{cancel: &cctvv1.CancelConversionResponse{Date: "2026-11-18", Phase: cctvv1.ConversionPhase_CONVERSION_PHASE_QUEUED}},
			args:    []string{"cancel", "--json", "2026-11-18"},
			wantOut: "{\n  \"date\": \"2026-11-18\",\n  \"phase\": \"CONVERSION_PHASE_QUEUED\"\n}\n",
		},
		{
			name:    "nothing to cancel",
			daemon:  &fakeDaemon{err: status.Error(codes.FailedPrecondition, "2026-11-18 is not being converted")},
			args:    []string{"cancel", "2026-11-18"},
			wantErr: "cctvctl: cancel 2026-11-18: 2026-11-18 is not being converted\n",
			code:    2,
		},
		{
			name:    "malformed date",
			daemon:  &fakeDaemon{},
			args:    []string{"cancel", "2026-02-30"},
			noReq:   true,
			wantErr: "cctvctl: cancel: \"2026-02-30\": not a date (want YYYY-MM-DD)\n",
			code:    2,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			if res.code != tt.code || res.stdout != tt.wantOut || res.stderr != tt.wantErr {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr, tt.code, tt.wantOut, tt.wantErr)
			}
			if tt.noReq {
				checkRequests(t, tt.daemon, "", nil)
			} else {
				checkRequests(t, tt.daemon, "CancelConversion", &cctvv1.CancelConversionRequest{Date: "2026-11-18"})
			}
		})
	}
}
