package daemon_test

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cctvd/cctvd/internal/daemon"
)

// The .deb's config must be read as installed, and its off-site example,
// once an owner uncomments it as its comments say, must be too: a
// commented example that cctvd refuses is found only on a camera owner's
// machine.
func TestPackagedConfig(t *testing.T) {
	const path = "../../contrib/deb/cctvd.toml"
	shipped, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit func(string) string
		want daemon.OffsiteConfig
		keep int
		rate string
	}{
		{name: "as installed", edit: func(s string) string { return s }, rate: "0"},
		{name: "off-site example uncommented", edit: uncommentOffsite,
			want: daemon.OffsiteConfig{Endpoint: "https://s3.eu-central-1.amazonaws.com", Region: "eu-central-1",
				CredentialsFile: "/etc/cctvd/s3.cred", PartSize: "16MiB"},
			keep: 30, rate: "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "cctvd.toml")
			text := tc.edit(string(shipped))
			if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			c, err := daemon.ParseFlags([]string{"--config", file}, io.Discard)
			if err != nil {
				t.Fatalf("cctvd refuses it: %v\n%s", err, text)
			}
			target := ""
			if tc.want != (daemon.OffsiteConfig{}) {
				target = "s3://cctv-backup/home"
			}
			if c.Offsite != target || c.OffsiteTable != tc.want || c.KeepLocal != tc.keep || c.OffsiteRate.String() != tc.rate {
				t.Errorf("offsite %q %+v, keep-local %d, rate %s; want %q %+v, %d, %s",
					c.Offsite, c.OffsiteTable, c.KeepLocal, c.OffsiteRate.String(), target, tc.want, tc.keep, tc.rate)
			}
		})
	}
}

// uncommentOffsite uncomments the [offsite] table's keys and the
// offsite-rate and keep-local lines, taking keep-local's example (30).
func uncommentOffsite(s string) string {
	key := regexp.MustCompile(`^# [a-z-]+ = `)
	lines := strings.Split(s, "\n")
	table := false
	for i, l := range lines {
		switch {
		case l == "# [offsite]":
			table = true
			lines[i] = "[offsite]"
		case table && key.MatchString(l),
			strings.HasPrefix(l, "# offsite-rate = "):
			lines[i] = strings.TrimPrefix(l, "# ")
		case strings.HasPrefix(l, "# keep-local = 0 "):
			lines[i] = "keep-local = 30"
		}
	}
	return strings.Join(lines, "\n")
}
