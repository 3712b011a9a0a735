// Package ctl is cctvctl, the command line client of cctvd's gRPC control
// plane; cmd/cctvctl only wires it to the process.
package ctl

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// CLI is one cctvctl invocation's environment. Everything it touches is a
// field, so tests run it in-process.
type CLI struct {
	// Stdout receives the command's output; Stderr usage and progress
	// details that are not the output.
	Stdout, Stderr io.Writer
	// Env looks up environment variables (os.Getenv).
	Env func(string) string
	// IsTerminal reports whether Stdout is a terminal: convert --wait then
	// draws a live progress bar instead of plain lines.
	IsTerminal bool
	// Location is the time zone times are printed in; nil means time.Local.
	Location *time.Location
	// Stdin is standard input, for user --password-stdin.
	Stdin io.Reader
	// ReadPassword reads a line from the terminal without echo; nil when
	// standard input is not a terminal.
	ReadPassword func() ([]byte, error)
	// Version is cctvctl's version; empty means the module version from
	// the build info.
	Version string
}

// options are the global flags, accepted anywhere on the line.
type options struct {
	addr      string
	timeout   time.Duration
	json      bool
	tokenFile string
	tlsCA     string
}

const defaultTimeout = 10 * time.Second

func (o *options) register(fs *flag.FlagSet) {
	fs.StringVar(&o.addr, "addr", "", "daemon address: unix:///path/cctvd.sock, /path/cctvd.sock or host:port")
	o.timeout = defaultTimeout
	fs.Var((*durationValue)(&o.timeout), "timeout", "how long to wait for the daemon to answer")
	fs.BoolVar(&o.json, "json", false, "print JSON (snake_case field names) instead of text")
	fs.StringVar(&o.tokenFile, "token-file", "", "file holding the daemon's bearer token")
	fs.StringVar(&o.tlsCA, "tls-ca", "", "PEM file of the CA that signed the daemon's certificate: TLS to a tcp address")
}

// command is one subcommand; each is built by its own constructor in the
// file named after it.
type command struct {
	name    string
	args    string // usage after the name, e.g. "DATE [--force]"
	summary string // one line for the command list
	doc     string // more for "cctvctl help COMMAND"; may be empty
	// timeout replaces --timeout's default for commands whose requests
	// take long (re-hashing an archive); 0 keeps the global default.
	timeout time.Duration
	// flags registers the command's own flags; nil if it has none.
	flags func(fs *flag.FlagSet)
	run   func(ctx context.Context, r *runner, args []string) error
}

// runner is what a command runs with: the CLI and the parsed global flags.
type runner struct {
	*CLI
	opts options
	cmd  *command
	// target is the daemon's address, once newClient resolved it.
	target target
}

func commands() []*command {
	return []*command{
		statusCmd(),
		camerasCmd(),
		daysCmd(),
		verifyCmd(),
		convertCmd(),
		cancelCmd(),
		holdCmd(),
		releaseCmd(),
		retentionCmd(),
		scrubCmd(),
		exportCmd(),
		versionCmd(),
		userCmd(),
	}
}

// Run runs one command line (without the program name). The error, if any,
// is printed by Report; ExitCode gives the exit code.
func (c *CLI) Run(ctx context.Context, args []string) error {
	cmds := commands()
	name, rest, err := splitCommand(args, cmds)
	if err != nil {
		return usageErr(err)
	}
	if name == "" || name == "help" {
		return c.help(name, rest, cmds, args)
	}
	cmd := lookup(cmds, name)
	if cmd == nil {
		return usageErr(fmt.Errorf("unknown command %q (see cctvctl --help)", name))
	}
	r := &runner{CLI: c, cmd: cmd}
	fs := r.flagSet()
	pos, err := parseInterleaved(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		r.commandUsage(c.Stdout, fs)
		return nil
	}
	if err == nil {
		err = r.runCommand(ctx, fs, pos)
	} else {
		err = usageErr(fmt.Errorf("%s: %w", name, err))
	}
	if err != nil && r.opts.json {
		return r.reportJSON(err)
	}
	return err
}

func (r *runner) runCommand(ctx context.Context, fs *flag.FlagSet, pos []string) error {
	if r.cmd.timeout > 0 && !isSet(fs, "timeout") {
		r.opts.timeout = r.cmd.timeout
	}
	if r.opts.timeout <= 0 {
		return usageErr(fmt.Errorf("%s: --timeout must be positive", r.cmd.name))
	}
	return r.cmd.run(ctx, r, pos)
}

// help handles "cctvctl", "cctvctl --help" and "cctvctl help [COMMAND]".
func (c *CLI) help(name string, rest []string, cmds []*command, args []string) error {
	if name == "help" {
		if len(rest) == 1 {
			if cmd := lookup(cmds, rest[0]); cmd != nil {
				r := &runner{CLI: c, cmd: cmd}
				r.commandUsage(c.Stdout, r.flagSet())
				return nil
			}
		}
		c.usage(c.Stdout, cmds)
		return nil
	}
	// No command: fine only if help was asked for.
	if _, err := parseInterleaved(globalFlags(), args); errors.Is(err, flag.ErrHelp) {
		c.usage(c.Stdout, cmds)
		return nil
	}
	c.usage(c.Stderr, cmds)
	return usageErr(errors.New("no command given"))
}

// usageLine is the command with its arguments: "verify DATE".
func (c *command) usageLine() string {
	return strings.TrimSpace(c.name + " " + c.args)
}

// durationValue is a time.Duration flag whose error says what it wants.
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("want a duration such as 30s or 5m")
	}
	*d = durationValue(v)
	return nil
}

func lookup(cmds []*command, name string) *command {
	for _, c := range cmds {
		if c.name == name {
			return c
		}
	}
	return nil
}

// flagSet is the command's flags plus the global ones.
func (r *runner) flagSet() *flag.FlagSet {
	fs := flag.NewFlagSet("cctvctl "+r.cmd.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	r.opts.register(fs)
	if r.cmd.flags != nil {
		r.cmd.flags(fs)
	}
	return fs
}

func (c *CLI) usage(w io.Writer, cmds []*command) {
	fmt.Fprint(w, `Usage: cctvctl [--addr ADDR] [--timeout D] [--json] [--token-file F] [--tls-ca F] COMMAND [ARGS]

cctvctl talks to a running cctvd over its gRPC control plane.

Commands:
`)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	for _, cmd := range cmds {
		fmt.Fprintf(tw, "  %s\t%s\n", cmd.usageLine(), cmd.summary)
	}
	tw.Flush()
	fmt.Fprint(w, globalHelp)
}

const globalHelp = `
Global flags (they may stand anywhere on the line):
  --addr ADDR    the daemon: unix:///path/cctvd.sock, /path/cctvd.sock,
                 tcp://host:port or host:port. Default: $CCTVD_ADDR if set,
                 else unix:///run/cctvd/cctvd.sock if that socket exists,
                 else unix://./.cctvd/cctvd.sock (cctvd's default socket
                 when it runs with the current folder as its root).
  --timeout D    how long to wait for the daemon's answer (default 10s;
                 10m for verify and convert, which may scan a whole day);
                 convert --wait then follows the conversion however long
  --json         print JSON with snake_case field names, for scripts
  --token-file F send the bearer token in file F with every request, for a
                 daemon started with --grpc-token-file (default
                 $CCTVD_TOKEN_FILE); never sent unencrypted beyond loopback
  --tls-ca F     talk TLS to a tcp address, trusting the CA certificates in
                 PEM file F (default $CCTVD_TLS_CA)

Exit codes: 0 success; 1 the answer is "no" (verify found problems, a
conversion failed or was cancelled); 2 error (bad usage, malformed date,
daemon not running, request refused).
`

func (r *runner) commandUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: cctvctl %s\n\n%s.\n", r.cmd.usageLine(), r.cmd.summary)
	if r.cmd.doc != "" {
		fmt.Fprintf(w, "\n%s\n", r.cmd.doc)
	}
	own, global := false, globalFlags()
	fs.VisitAll(func(f *flag.Flag) {
		if global.Lookup(f.Name) == nil {
			if !own {
				fmt.Fprint(w, "\nFlags:\n")
				own = true
			}
			fmt.Fprintf(w, "  --%-10s %s\n", f.Name, f.Usage)
		}
	})
	fmt.Fprint(w, globalHelp)
}

func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// globalFlags is a flag set of the global flags alone.
func globalFlags() *flag.FlagSet {
	var o options
	fs := flag.NewFlagSet("cctvctl", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	o.register(fs)
	return fs
}

// location is where times are printed.
func (c *CLI) location() *time.Location {
	if c.Location != nil {
		return c.Location
	}
	return time.Local
}

// env looks up an environment variable, if the CLI has an environment.
func (c *CLI) env(key string) string {
	if c.Env == nil {
		return ""
	}
	return strings.TrimSpace(c.Env(key))
}

// noArgs refuses positional arguments for commands that take none.
func (r *runner) noArgs(args []string) error {
	if len(args) > 0 {
		return usageErr(fmt.Errorf("%s: unexpected argument %q (usage: cctvctl %s)", r.cmd.name, args[0], r.cmd.usageLine()))
	}
	return nil
}
