package ctl

import (
	"encoding/json"
	"runtime"
	"testing"
)

func TestVersion(t *testing.T) {
	// No daemon: version needs none.
	c, _, _ := cli("unix:///nonexistent/cctvd.sock")
	res := run(t, c, "version")
	want := "cctvctl v1.2.3 (" + runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH + ")\n"
	if res.code != 0 || res.stdout != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want %q", res.code, res.stdout, res.stderr, want)
	}

	c, _, _ = cli("")
	res = run(t, c, "version", "--json")
	var v struct{ Version, Go string }
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil || v.Version != "v1.2.3" || v.Go != runtime.Version() {
		t.Errorf("stdout %q (%v)", res.stdout, err)
	}

	// Without a link-time version, the build info's.
	c, _, _ = cli("")
	c.Version = ""
	if res := run(t, c, "version"); res.code != 0 || res.stdout == "" {
		t.Errorf("exit %d, stdout %q", res.code, res.stdout)
	}
}
