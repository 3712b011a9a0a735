package daemon

import "runtime/debug"

// version is stamped at link time by scripts/package.sh:
// -ldflags "-X github.com/cctvd/cctvd/internal/daemon.version=1.2.3".
var version string

// Version is cctvd's version: the one stamped at link time, else the module
// version, or the VCS revision of a development build.
func Version() string {
	if version != "" {
		return version
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	rev, dirty := "", false
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			dirty = s.Value == "true"
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev == "" {
		return "devel"
	}
	if dirty {
		rev += "-dirty"
	}
	return "devel-" + rev
}
