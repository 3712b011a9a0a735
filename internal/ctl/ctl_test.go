package ctl

import (
	"strings"
	"testing"

	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// TestFlagsAnywhere runs command lines as people type them: global and
// command flags before, between and after the arguments.
func TestFlagsAnywhere(t *testing.T) {
	tests := []struct {
		name     string
		args     []string // ADDR is replaced by the daemon's address
		noEnv    bool     // CCTVD_ADDR unset: the line must carry --addr
		wantReq  *cctvv1.ConvertDayRequest
		wantJSON bool
	}{
		{name: "after the date", args: []string{"convert", "2026-11-20", "--force", "--wait"}, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20", Force: true}},
		{name: "before the command", args: []string{"--force", "convert", "2026-11-20"}, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20", Force: true}},
		{name: "between", args: []string{"convert", "--dry-run=true", "2026-11-20", "--force"}, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20", Force: true, DryRun: true}},
		{name: "single dash", args: []string{"-json", "convert", "-dry-run", "2026-11-20"}, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20", DryRun: true}, wantJSON: true},
		{name: "value flag before the command", args: []string{"--timeout", "1m", "convert", "2026-11-20", "--wait"}, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20"}},
		{name: "addr before", args: []string{"--addr", "ADDR", "convert", "2026-11-20"}, noEnv: true, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20"}},
		{name: "addr= after", args: []string{"convert", "2026-11-20", "--addr=ADDR", "--json", "--dry-run"}, noEnv: true, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20", DryRun: true}, wantJSON: true},
		{name: "double dash", args: []string{"convert", "--force", "--", "2026-11-20"}, wantReq: &cctvv1.ConvertDayRequest{Date: "2026-11-20", Force: true}},
		{name: "days --json", args: []string{"days", "--json"}, wantJSON: true},
		{name: "--json days", args: []string{"--json", "days"}, wantJSON: true},
		{name: "days --addr", args: []string{"days", "--addr", "ADDR", "--timeout=5s"}, noEnv: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeDaemon{days: fakeDays()}
			if tt.wantReq != nil && tt.wantReq.DryRun {
				f.stream = []*cctvv1.ConvertDayResponse{fakePlan()}
			} else {
				f.stream = fullRun()
			}
			addr := startDaemon(t, f)
			env := addr
			if tt.noEnv {
				env = ""
			}
			c, _, _ := cli(env)
			args := make([]string, len(tt.args))
			for i, a := range tt.args {
				args[i] = strings.ReplaceAll(a, "ADDR", addr)
			}
			res := run(t, c, args...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			if isJSON := strings.HasPrefix(res.stdout, "{"); isJSON != tt.wantJSON {
				t.Errorf("JSON output %v, want %v:\n%s", isJSON, tt.wantJSON, res.stdout)
			}
			if tt.wantReq != nil {
				checkRequests(t, f, "ConvertDay", tt.wantReq)
			} else {
				checkRequests(t, f, "ListDays", &cctvv1.ListDaysRequest{})
			}
		})
	}
}

func TestUsage(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		code    int
		wantOut string // in stdout
		wantErr string // in stderr
	}{
		{name: "no command", args: nil, code: 2, wantErr: "Usage: cctvctl"},
		{name: "no command, only flags", args: []string{"--json"}, code: 2, wantErr: "cctvctl: no command given"},
		{name: "--help", args: []string{"--help"}, wantOut: "$CCTVD_ADDR"},
		{name: "-h", args: []string{"-h"}, wantOut: "Commands:"},
		{name: "help", args: []string{"help"}, wantOut: "convert [CAMERA/]DATE [--force] [--dry-run] [--wait]"},
		{name: "help verify", args: []string{"help", "verify"}, wantOut: "Usage: cctvctl verify [CAMERA/]DATE"},
		{name: "convert --help", args: []string{"convert", "--help"}, wantOut: "--dry-run"},
		{name: "unknown command", args: []string{"archive"}, code: 2, wantErr: "cctvctl: unknown command \"archive\" (see cctvctl --help)"},
		{name: "flag of another command", args: []string{"days", "--force"}, code: 2, wantErr: "cctvctl: days: flag provided but not defined: -force"},
		{name: "bad timeout", args: []string{"days", "--timeout", "5"}, code: 2, wantErr: "want a duration such as 30s or 5m"},
		{name: "zero timeout", args: []string{"status", "--timeout=0s"}, code: 2, wantErr: "cctvctl: status: --timeout must be positive"},
		{name: "argument to status", args: []string{"status", "now"}, code: 2, wantErr: "cctvctl: status: unexpected argument \"now\" (usage: cctvctl status)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeDaemon{}
			c, _, _ := cli(startDaemon(t, f))
			res := run(t, c, tt.args...)
			if res.code != tt.code || !strings.Contains(res.stdout, tt.wantOut) || !strings.Contains(res.stderr, tt.wantErr) {
				t.Errorf("exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, %q in stdout, %q in stderr", res.code, res.stdout, res.stderr, tt.code, tt.wantOut, tt.wantErr)
			}
			checkRequests(t, f, "", nil)
		})
	}
}
