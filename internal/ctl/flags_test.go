package ctl

import (
	"flag"
	"slices"
	"strings"
	"testing"
)

// A command's help lists its own flags under "Flags:", and the global
// ones only in the global part.
func TestCommandUsageFlags(t *testing.T) {
	for _, cmd := range commands() {
		t.Run(cmd.name, func(t *testing.T) {
			var want []string
			if cmd.flags != nil {
				fs := flag.NewFlagSet("", flag.ContinueOnError)
				cmd.flags(fs)
				fs.VisitAll(func(f *flag.Flag) { want = append(want, f.Name) })
			}
			c, _, _ := cli("unix:///nonexistent.sock")
			res := run(t, c, "help", cmd.name)
			own, _, _ := strings.Cut(res.stdout, "\nGlobal flags")
			var got []string
			if _, list, ok := strings.Cut(own, "\nFlags:\n"); ok {
				for _, l := range strings.Split(strings.TrimSpace(list), "\n") {
					name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(l), "--"), " ")
					got = append(got, name)
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("flags listed %q, want %q in\n%s", got, want, res.stdout)
			}
		})
	}
}
