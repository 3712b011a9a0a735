package daemon

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// Config is cctvd's configuration.
type Config struct {
	Root      string
	Demo      bool
	LogFormat string
	LogLevel  string
}

// ParseFlags reads the command line.
func ParseFlags(args []string, stderr io.Writer) (Config, error) {
	var c Config
	fs := flag.NewFlagSet("cctvd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.Root, "root", "", "footage root: one folder per day, YYYY-MM-DD")
	fs.BoolVar(&c.Demo, "demo", false, "fill the root with generated demo footage and keep a demo camera filming")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	return c, nil
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
