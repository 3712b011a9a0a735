package ctl

import (
	"encoding/json"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// cctvd's messages carry their own context ("convert 2026-11-29: …") for
// its log; cctvctl says what it asked for once, not twice.
func TestErrorContextOnce(t *testing.T) {
	tests := []struct {
		name string
		err  error
		args []string
		want string
	}{
		{
			name: "today refused",
			err:  status.Error(codes.FailedPrecondition, "convert 2026-11-29: day is still being recorded"),
			args: []string{"convert", "2026-11-29"},
			want: "cctvctl: convert 2026-11-29: day is still being recorded\n",
		},
		{
			name: "settling refused",
			err:  status.Error(codes.FailedPrecondition, "convert 2026-11-28: due at 2026-11-30T00:00:00Z: day is still settling"),
			args: []string{"convert", "2026-11-28"},
			want: "cctvctl: convert 2026-11-28: due at 2026-11-30T00:00:00Z: day is still settling\n",
		},
		{
			name: "unknown day, context without the date",
			err:  status.Error(codes.NotFound, "convert: day 2026-11-01: unknown day"),
			args: []string{"convert", "2026-11-01"},
			want: "cctvctl: convert 2026-11-01: not found: day 2026-11-01: unknown day\n",
		},
		{
			name: "cancel",
			err:  status.Error(codes.FailedPrecondition, "cancel 2026-11-18: day is not being converted"),
			args: []string{"cancel", "2026-11-18"},
			want: "cctvctl: cancel 2026-11-18: day is not being converted\n",
		},
		{
			name: "another day's context is kept",
			err:  status.Error(codes.FailedPrecondition, "convert 2026-11-17: busy"),
			args: []string{"convert", "2026-11-18"},
			want: "cctvctl: convert 2026-11-18: convert 2026-11-17: busy\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, &fakeDaemon{err: tt.err}, tt.args...)
			if res.code != exitError || res.stderr != tt.want {
				t.Errorf("exit %d, stderr %q; want exit 2, %q", res.code, res.stderr, tt.want)
			}
		})
	}
}

// With --json a script gets errors as JSON too, one line on stderr, and
// the same exit codes as without.
func TestJSONErrors(t *testing.T) {
	tests := []struct {
		name   string
		daemon *fakeDaemon
		args   []string
		want   jsonError
	}{
		{
			name:   "refused by the daemon",
			daemon: &fakeDaemon{err: status.Error(codes.FailedPrecondition, "convert 2026-11-29: day is still being recorded")},
			args:   []string{"--json", "convert", "2026-11-29"},
			want:   jsonError{Error: "convert 2026-11-29: day is still being recorded", ExitCode: 2, GRPCCode: "FailedPrecondition"},
		},
		{
			name:   "malformed date",
			daemon: &fakeDaemon{},
			args:   []string{"verify", "2026-11-1", "--json"},
			want:   jsonError{Error: `verify: "2026-11-1": not a date (want YYYY-MM-DD)`, ExitCode: 2},
		},
		{
			name:   "unknown flag after --json",
			daemon: &fakeDaemon{},
			args:   []string{"--json", "days", "--bogus"},
			want:   jsonError{Error: "days: flag provided but not defined: -bogus", ExitCode: 2},
		},
		{
			name:   "not found",
			daemon: &fakeDaemon{err: status.Error(codes.NotFound, "cancel: day 2026-11-01: unknown day")},
			args:   []string{"cancel", "--json", "2026-11-01"},
			want:   jsonError{Error: "cancel 2026-11-01: not found: day 2026-11-01: unknown day", ExitCode: 2, GRPCCode: "NotFound"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := runAgainst(t, tt.daemon, tt.args...)
			var got jsonError
			if err := json.Unmarshal([]byte(res.stderr), &got); err != nil {
				t.Fatalf("stderr is not JSON: %v\n%s", err, res.stderr)
			}
			if got != tt.want || res.code != tt.want.ExitCode {
				t.Errorf("exit %d, stderr %+v; want %+v", res.code, got, tt.want)
			}
			if res.stdout != "" {
				t.Errorf("stdout %q, want nothing", res.stdout)
			}
		})
	}
}
