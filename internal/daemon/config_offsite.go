package daemon

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cctvd/cctvd/internal/offsite"
)

// OffsiteConfig is the [offsite] table of a config file: how to reach the
// bucket --offsite names. The secret is in CredentialsFile, never here.
type OffsiteConfig struct {
	// Target is --offsite in a config file (a table and a key of the same
	// name cannot both be in one TOML file); the flag wins.
	Target          string `toml:"target,omitempty"`
	Endpoint        string `toml:"endpoint,omitempty"`
	Region          string `toml:"region,omitempty"`
	PathStyle       bool   `toml:"path-style,omitempty"`
	CredentialsFile string `toml:"credentials-file,omitempty"`
	// PartSize is a size such as 16MiB; "": offsite.DefaultPartSize.
	PartSize string `toml:"part-size,omitempty"`
}

func (c *Config) offsiteFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.Offsite, "offsite", "", "copy archived days to this S3 bucket, s3://BUCKET/PREFIX; the config file's [offsite] table says how to reach it (empty: off)")
	fs.Var(&c.OffsiteRate, "offsite-rate", "bytes a second off-site uploads send at most: 2MiB, 512KiB, 0 for no limit")
	fs.IntVar(&c.KeepLocal, "keep-local", 0, "delete the local archives of days verified off-site and older than this many days (0: keep them as always)")
}

// readOffsite reads a config file's [offsite] table, if it has one.
func readOffsite(path string) (OffsiteConfig, bool, error) {
	var file struct {
		Offsite toml.Primitive `toml:"offsite"`
	}
	md, err := toml.DecodeFile(path, &file)
	if err != nil {
		return OffsiteConfig{}, false, fmt.Errorf("config %s: %w", path, err)
	}
	if !md.IsDefined("offsite") || md.Type("offsite") != "Hash" {
		return OffsiteConfig{}, false, nil
	}
	var oc OffsiteConfig
	if err := md.PrimitiveDecode(file.Offsite, &oc); err != nil {
		return OffsiteConfig{}, false, fmt.Errorf("config %s: [offsite]: %w", path, err)
	}
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] == "offsite" {
			return OffsiteConfig{}, false, fmt.Errorf("config %s: unknown key %q (off-site takes target, endpoint, region, path-style, credentials-file, part-size)", path, k.String())
		}
	}
	return oc, true, nil
}

// reach is how to reach the bucket, as the uploader and view mode open it.
func (oc OffsiteConfig) reach() offsite.Config {
	return offsite.Config{Endpoint: oc.Endpoint, Region: oc.Region, PathStyle: oc.PathStyle, CredentialsFile: oc.CredentialsFile}
}

// checkOffsite checks the off-site settings' values; Check opens the bucket.
func (c *Config) checkOffsite() error {
	if c.KeepLocal < 0 {
		return fmt.Errorf("--keep-local: %d is negative", c.KeepLocal)
	}
	if c.Offsite == "" {
		if c.KeepLocal > 0 {
			return errors.New("--keep-local deletes only days verified off-site: it needs --offsite")
		}
		return nil
	}
	_, _, err := c.offsiteSettings()
	return err
}

// offsiteSettings are the target and the offsite package's Config.
func (c *Config) offsiteSettings() (offsite.Target, offsite.Config, error) {
	t, err := offsite.ParseTarget(c.Offsite)
	if err != nil {
		return t, offsite.Config{}, fmt.Errorf("--offsite: %w", err)
	}
	oc := c.OffsiteTable
	cfg := oc.reach()
	cfg.Rate = int64(c.OffsiteRate)
	if oc.Endpoint == "" {
		return t, cfg, errors.New("--offsite: the config file's [offsite] table needs endpoint = \"https://HOST\"")
	}
	if oc.CredentialsFile == "" {
		return t, cfg, errors.New("--offsite: the config file's [offsite] table needs credentials-file (access_key_id = … and secret_access_key = …, mode 0600)")
	}
	if oc.PartSize != "" {
		var r rateFlag
		if err := r.Set(oc.PartSize); err != nil {
			return t, cfg, fmt.Errorf("[offsite] part-size: %w", err)
		}
		cfg.PartSize = int64(r)
		if cfg.PartSize < offsite.MinPartSize {
			return t, cfg, fmt.Errorf("[offsite] part-size %s: want at least 5MiB (S3's smallest part)", oc.PartSize)
		}
	}
	return t, cfg, nil
}

// checkOffsiteBucket opens the bucket, read-only, as a start would: the
// credentials file, the server, the bucket.
func (c Config) checkOffsiteBucket(ctx context.Context, w io.Writer) error {
	if c.Offsite == "" {
		_, err := fmt.Fprintln(w, "offsite off")
		return err
	}
	t, cfg, err := c.offsiteSettings()
	if err != nil {
		return err
	}
	// The bucket's own retries take minutes for a server that does not
	// answer: a check says so sooner.
	ctx, cancel := context.WithTimeout(ctx, checkOffsiteTimeout)
	defer cancel()
	if _, err := offsite.Open(ctx, t, cfg, nil, slog.New(slog.DiscardHandler)); err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return fmt.Errorf("--offsite %s: %w: no answer from %s within %v", t, offsite.ErrUnreachable, cfg.Endpoint, checkOffsiteTimeout)
		}
		return fmt.Errorf("--offsite %s: %w", t, err)
	}
	keep := "local archives kept"
	if c.KeepLocal > 0 {
		keep = fmt.Sprintf("local archives of days verified off-site deleted after %d days", c.KeepLocal)
	}
	rate := "no limit"
	if c.OffsiteRate > 0 {
		rate = c.OffsiteRate.String() + "/s"
	}
	_, err = fmt.Fprintf(w, "offsite %s at %s: bucket reachable, credentials accepted (%s); rate %s; %s\n",
		t, cfg.Endpoint, cfg.CredentialsFile, rate, keep)
	return err
}

const checkOffsiteTimeout = 20 * time.Second

// offsiteState opens STATE/offsite, the receipts and unfinished uploads.
func offsiteState(stateDir string) (*os.Root, error) {
	dir := stateDir + string(os.PathSeparator) + "offsite"
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("off-site state folder: %w", err)
	}
	return os.OpenRoot(dir)
}
