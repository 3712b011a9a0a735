package daemon

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is cctvd's configuration. Every field is a flag; a TOML file
// (--config) may set the same keys, and flags given on the command line win.
type Config struct {
	Root      string
	StateDir  string
	Demo      bool
	LogFormat string
	LogLevel  string

	ConfigFile  string
	PrintConfig bool
}

// ErrHelp is returned when the user asked for the usage text.
var ErrHelp = flag.ErrHelp

func (c *Config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Root, "root", "", "footage root: one folder per day, YYYY-MM-DD")
	fs.StringVar(&c.StateDir, "state", "", "state folder for caches, work files and the socket (default ROOT/.cctvd)")
	fs.BoolVar(&c.Demo, "demo", false, "fill the root with generated demo footage and keep a demo camera filming")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
}

// ParseFlags reads the command line and, if --config names one, the config file.
func ParseFlags(args []string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("cctvd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	c.flags(fs)
	fs.StringVar(&c.ConfigFile, "config", "", "TOML file with the same keys as these flags (flags win)")
	fs.BoolVar(&c.PrintConfig, "print-config", false, "print the effective configuration as TOML and exit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.ConfigFile != "" {
		if err := applyFile(fs, c.ConfigFile); err != nil {
			return c, err
		}
	}
	if c.StateDir == "" && c.Root != "" {
		c.StateDir = filepath.Join(c.Root, ".cctvd")
	}
	return c, nil
}

// applyFile sets every key of the file that the command line did not set.
func applyFile(fs *flag.FlagSet, path string) error {
	var raw map[string]any
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k == "config" || k == "print-config" || fs.Lookup(k) == nil {
			return fmt.Errorf("config %s: unknown key %q", path, k)
		}
		if given[k] {
			continue
		}
		if err := fs.Set(k, tomlString(raw[k])); err != nil {
			return fmt.Errorf("config %s: key %q: %w", path, k, err)
		}
	}
	return nil
}

func tomlString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case time.Time:
		return v.Format(time.RFC3339)
	default:
		return fmt.Sprint(v)
	}
}

// WriteTOML prints the effective configuration, one key per flag.
func (c Config) WriteTOML(w io.Writer) error {
	fs := flag.NewFlagSet("cctvd", flag.ContinueOnError)
	c.flags(fs)
	var b strings.Builder
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v := f.Value.String()
		if bf, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && bf.IsBoolFlag() {
			fmt.Fprintf(&b, "%s = %s\n", f.Name, v)
			return
		}
		if _, perr := strconv.ParseInt(v, 10, 64); perr == nil {
			fmt.Fprintf(&b, "%s = %s\n", f.Name, v)
			return
		}
		fmt.Fprintf(&b, "%s = %q\n", f.Name, v)
	})
	_, err = io.WriteString(w, b.String())
	return err
}

// Logger builds the daemon's logger from the log flags.
func (c Config) Logger(w io.Writer) (*slog.Logger, error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(c.LogLevel)); err != nil {
		return nil, fmt.Errorf("--log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: level}
	switch c.LogFormat {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log-format: %q is neither text nor json", c.LogFormat)
}
