package ctl

import (
	"context"
	"runtime"
	"runtime/debug"
)

func versionCmd() *command {
	return &command{
		name:    "version",
		summary: "Print cctvctl's version (cctvd's is in status)",
		run:     runVersion,
	}
}

func runVersion(_ context.Context, r *runner, args []string) error {
	if err := r.noArgs(args); err != nil {
		return err
	}
	v := r.version()
	p := r.printer()
	if r.opts.json {
		return p.valueJSON(struct {
			Version string `json:"version"`
			Go      string `json:"go"`
			Os      string `json:"os"`
			Arch    string `json:"arch"`
		}{v, runtime.Version(), runtime.GOOS, runtime.GOARCH})
	}
	p.linef("cctvctl %s (%s %s/%s)", v, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// version is the version set at link time, else the module's version and
// VCS revision from the build info.
func (r *runner) version() string {
	if r.Version != "" {
		return r.Version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	v := bi.Main.Version
	for _, s := range bi.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			v += " " + s.Value[:12]
		}
		if s.Key == "vcs.modified" && s.Value == "true" {
			v += "+dirty"
		}
	}
	if v == "" {
		return "unknown"
	}
	return v
}
