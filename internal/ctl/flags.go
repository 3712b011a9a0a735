package ctl

import (
	"flag"
	"strings"
)

// splitCommand finds the command name in a command line whose flags may
// stand before it ("cctvctl --json days"): the first argument that is not a
// flag or a flag's value. rest is the line without it.
func splitCommand(args []string, cmds []*command) (name string, rest []string, err error) {
	takesValue := valueFlags(cmds)
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			if i+1 == len(args) {
				return "", args, nil
			}
			rest = append(append(append([]string{}, args[:i]...), "--"), args[i+2:]...)
			return args[i+1], rest, nil
		case len(a) > 1 && a[0] == '-':
			n := strings.TrimLeft(a, "-")
			if !strings.Contains(n, "=") && takesValue[n] {
				i++ // skip the flag's value
			}
		default:
			rest = append(append([]string{}, args[:i]...), args[i+1:]...)
			return a, rest, nil
		}
	}
	return "", args, nil
}

// valueFlags names the flags, global or of any command, that take a value.
func valueFlags(cmds []*command) map[string]bool {
	m := map[string]bool{}
	add := func(fs *flag.FlagSet) {
		fs.VisitAll(func(f *flag.Flag) {
			if b, ok := f.Value.(interface{ IsBoolFlag() bool }); !ok || !b.IsBoolFlag() {
				m[f.Name] = true
			}
		})
	}
	add(globalFlags())
	for _, c := range cmds {
		if c.flags != nil {
			fs := flag.NewFlagSet("", flag.ContinueOnError)
			c.flags(fs)
			add(fs)
		}
	}
	return m
}

// parseInterleaved parses flags that may stand between positional
// arguments ("convert 2026-11-20 --force --wait") and returns the
// positional ones in order. Everything after "--" is positional.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rem := fs.Args()
		if used := len(args) - len(rem); used > 0 && args[used-1] == "--" {
			return append(pos, rem...), nil
		}
		if len(rem) == 0 {
			return pos, nil
		}
		pos = append(pos, rem[0])
		args = rem[1:]
	}
}
