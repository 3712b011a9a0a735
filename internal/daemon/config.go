package daemon

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/export"
	"github.com/cctvd/cctvd/internal/retention"
	"github.com/cctvd/cctvd/internal/web"
)

// Config is cctvd's configuration. Every field is a flag; a TOML file
// (--config) may set the same keys, and flags given on the command line win.
type Config struct {
	Root     string
	StateDir string
	Demo     bool

	HTTP            string
	Metrics         string
	UploadTokenFile string
	UploadMaxBytes  int64

	UsersFile     string
	HTTPAnonymous bool
	HTTPTLSCert   string
	HTTPTLSKey    string

	GRPC          string
	GRPCTLSCert   string
	GRPCTLSKey    string
	GRPCTokenFile string

	Settle        time.Duration
	SilentAfter   time.Duration
	Jobs          int
	ExportMax     time.Duration
	ExportJobs    int
	ChunkSegments int
	Preset        string
	CRF           int
	X265Params    string
	Nice          int
	FFmpeg        string
	FFprobe       string

	// KeepFree and MaxAge are retention's (internal/retention): the
	// free space to keep on the root's file system, and the age past
	// which an archived day is deleted ("" or "off": none).
	KeepFree string
	MaxAge   string

	ScrubEvery time.Duration
	ScrubRate  rateFlag

	// Offsite is the off-site bucket, s3://BUCKET/PREFIX ("": off);
	// OffsiteTable how to reach it (a config file's [offsite] table,
	// its target moved into Offsite).
	Offsite      string
	OffsiteTable OffsiteConfig
	OffsiteRate  rateFlag
	// KeepLocal is retention's: local archives of days verified off-site
	// and older than this many days are deleted; 0: never.
	KeepLocal int

	LogFormat string
	LogLevel  string

	// Cameras are the named cameras' own settings, by name: a config
	// file's [cameras.NAME] tables. A camera needs none to be served.
	Cameras map[string]CameraConfig

	viewConfig // view mode: view.go

	ConfigFile  string
	PrintConfig bool
	CheckConfig bool
	ShowVersion bool
}

// onlyFlags are the flags that say what to do with a configuration rather
// than being part of one: a config file may not set them.
var onlyFlags = map[string]bool{"config": true, "print-config": true, "check-config": true, "version": true}

func (c *Config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.Root, "root", "", "footage root: one folder per day, YYYY-MM-DD (required)")
	fs.StringVar(&c.StateDir, "state", "", "state folder: scan cache, work files, socket (default ROOT/.cctvd; must be on the root's file system)")
	fs.BoolVar(&c.Demo, "demo", false, "fill the root with generated demo footage and keep a demo camera filming")

	fs.StringVar(&c.HTTP, "http", "127.0.0.1:8080", "HTTP listen address for the index, playlists and files (empty: off)")
	fs.StringVar(&c.Metrics, "metrics", "", "listen address for /metrics on its own (default: on the --http server)")
	fs.StringVar(&c.UploadTokenFile, "upload-token-file", "", "file holding the Bearer token for PUT uploads (default: uploads off)")
	fs.Int64Var(&c.UploadMaxBytes, "upload-max-bytes", web.DefaultUploadMaxBytes, "largest segment upload accepted")
	c.accessFlags(fs)

	fs.StringVar(&c.GRPC, "grpc", "", "control API address: unix:///path.sock or tcp://host:port (default unix://STATE/cctvd.sock)")
	fs.StringVar(&c.GRPCTLSCert, "grpc-tls-cert", "", "TLS certificate (PEM) for --grpc tcp://; required off loopback")
	fs.StringVar(&c.GRPCTLSKey, "grpc-tls-key", "", "TLS key (PEM) for --grpc tcp://; required off loopback")
	fs.StringVar(&c.GRPCTokenFile, "grpc-token-file", "", "file holding the Bearer token every control call needs; required off loopback")

	fs.DurationVar(&c.Settle, "settle", archive.DefaultSettle, "how long after its end a day is archived")
	fs.DurationVar(&c.SilentAfter, "silent-after", DefaultSilentAfter, "a camera that sent nothing for this long is reported silent")
	fs.IntVar(&c.Jobs, "jobs", DefaultJobs(), "days archived at a time, over all cameras")
	fs.DurationVar(&c.ExportMax, "export-max", export.DefaultMax, "the longest range an export takes")
	fs.IntVar(&c.ExportJobs, "export-jobs", export.DefaultJobs, "exports at a time, over all cameras (more are refused with 429)")
	fs.IntVar(&c.ChunkSegments, "chunk-segments", archive.DefaultChunkSegments, "segments per resumable encode chunk")
	fs.StringVar(&c.Preset, "preset", encode.DefaultPreset, "x265 preset")
	fs.IntVar(&c.CRF, "crf", encode.DefaultCRF, "x265 constant rate factor (lower: better and bigger)")
	fs.StringVar(&c.X265Params, "x265-params", "", "extra x265 parameters, key=value:key=value")
	fs.IntVar(&c.Nice, "nice", encode.DefaultNice, "niceness of ffmpeg, so HTTP stays fast")
	fs.StringVar(&c.FFmpeg, "ffmpeg", "ffmpeg", "ffmpeg binary")
	fs.StringVar(&c.FFprobe, "ffprobe", "ffprobe", "ffprobe binary")
	fs.StringVar(&c.KeepFree, "keep-free", retention.DefaultKeepFree, "free space to keep on the root's file system (10% or 50GiB): the oldest archived days are deleted to keep it; 0: never")
	fs.StringVar(&c.MaxAge, "max-age", "off", "archived days older than this (365d) are deleted; off: never")

	c.scrubFlags(fs)
	c.offsiteFlags(fs)
	c.viewFlags(fs)

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
	fs.BoolVar(&c.CheckConfig, "check-config", false, "check the configuration (file, values, root folder), say what was checked and exit")
	fs.BoolVar(&c.ShowVersion, "version", false, "print cctvd's version and exit")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.ShowVersion { // needs no root
		return c, nil
	}
	if c.ConfigFile != "" {
		if err := c.applyFile(fs, c.ConfigFile); err != nil {
			return c, err
		}
	}
	err := c.fill() // before c is returned: "return c, c.fill()" may copy c first
	return c, err
}

// fill checks values and derives the defaults that depend on others.
func (c *Config) fill() error {
	if c.View != "" {
		return c.fillView()
	}
	if c.Root == "" {
		return fmt.Errorf("no footage root: pass --root DIR")
	}
	if c.StateDir == "" {
		c.StateDir = filepath.Join(c.Root, day.StateDir)
	}
	if c.GRPC == "" {
		abs, err := filepath.Abs(filepath.Join(c.StateDir, "cctvd.sock"))
		if err != nil {
			return fmt.Errorf("--state: %w", err)
		}
		c.GRPC = "unix://" + abs
	}
	switch {
	case c.Settle < 0:
		return fmt.Errorf("--settle: %v is negative", c.Settle)
	case c.Jobs < 1:
		return fmt.Errorf("--jobs: %d, want at least 1", c.Jobs)
	case c.ChunkSegments < 1:
		return fmt.Errorf("--chunk-segments: %d, want at least 1", c.ChunkSegments)
	case c.CRF < 1 || c.CRF > 51:
		// The encoder reads 0 as "the default", so 0 would encode at 28.
		return fmt.Errorf("--crf: %d, want 1 to 51", c.CRF)
	case c.UploadMaxBytes < 1:
		return fmt.Errorf("--upload-max-bytes: %d, want at least 1", c.UploadMaxBytes)
	case c.SilentAfter <= 0:
		return fmt.Errorf("--silent-after: %v, want more than 0", c.SilentAfter)
	case c.ScrubEvery < 0:
		return fmt.Errorf("--scrub-every: %v is negative", c.ScrubEvery)
	case c.ExportMax <= 0:
		return fmt.Errorf("--export-max: %v, want more than 0", c.ExportMax)
	case c.ExportJobs < 1:
		return fmt.Errorf("--export-jobs: %d, want at least 1", c.ExportJobs)
	}
	if _, err := retention.ParseLimit(c.KeepFree); err != nil {
		return fmt.Errorf("--keep-free: %w", err)
	}
	if _, err := retention.ParseAge(c.MaxAge); err != nil {
		return fmt.Errorf("--max-age: %w", err)
	}
	if err := c.checkAccess(); err != nil {
		return err
	}
	if err := c.checkOffsite(); err != nil {
		return err
	}
	for name, cc := range c.Cameras {
		if err := cc.check(name); err != nil {
			return err
		}
	}
	return nil
}

// applyFile sets every key of the file that the command line did not set,
// and reads the cameras' tables.
func (c *Config) applyFile(fs *flag.FlagSet, path string) error {
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
		if k == "cameras" {
			continue // tables, not a flag: read below
		}
		if _, table := raw[k].(map[string]any); table && k == "offsite" {
			continue // the [offsite] table: read below (view mode reads it too)
		}
		if onlyFlags[k] || fs.Lookup(k) == nil {
			return fmt.Errorf("config %s: unknown key %q", path, k)
		}
		if given[k] {
			continue
		}
		if err := fs.Set(k, tomlString(raw[k])); err != nil {
			return fmt.Errorf("config %s: key %q: %w", path, k, err)
		}
	}
	cams, err := readCameras(path)
	if err != nil {
		return err
	}
	c.Cameras = cams
	oc, ok, err := readOffsite(path)
	if err != nil {
		return err
	}
	if ok {
		if !given["offsite"] {
			c.Offsite = oc.Target
		}
		oc.Target = ""
		c.OffsiteTable = oc
	}
	return nil
}

func tomlString(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return fmt.Sprint(v)
}

// WriteTOML prints the effective configuration, one key per flag, in a
// form --config reads back.
func (c Config) WriteTOML(w io.Writer) error {
	var bound Config
	fs := flag.NewFlagSet("cctvd", flag.ContinueOnError)
	bound.flags(fs) // binding sets bound's fields to the defaults…
	bound = c       // …and the flags read c's values from them
	keys := map[string]any{}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		v := f.Value.(flag.Getter).Get()
		if s, ok := v.(string); ok && !utf8.ValidString(s) && err == nil {
			err = fmt.Errorf("--%s: %q is not UTF-8, which TOML cannot hold", f.Name, s)
		}
		keys[f.Name] = v
	})
	if err != nil {
		return err
	}
	if len(c.Cameras) > 0 {
		keys["cameras"] = c.Cameras
	}
	if c.OffsiteTable != (OffsiteConfig{}) {
		oc := c.OffsiteTable
		oc.Target = c.Offsite
		keys["offsite"] = oc
	}
	return toml.NewEncoder(w).Encode(keys)
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
