package daemon

import (
	"fmt"
	"runtime"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/cctvd/cctvd/internal/camera"
	"github.com/cctvd/cctvd/internal/retention"
)

// DefaultSilentAfter is how long a camera may send nothing before it is
// reported silent: a few missed 10-second segments, not one late upload.
const DefaultSilentAfter = 2 * time.Minute

// DefaultJobs is how many days are archived at once unless --jobs says:
// two where there are two cores or more. One x265 job left one of two
// cores idle while days were due, two kept both busy and archived 42 %
// more an hour with playlists still fast (README, "Archive jobs"). Each
// 720p job's ffmpeg holds ~190 MB, so a single-core Pi gets one.
func DefaultJobs() int { return min(2, runtime.NumCPU()) }

// CameraConfig is a named camera's own settings (a config file's
// [cameras.NAME] table); what it leaves out is the daemon's.
type CameraConfig struct {
	// Title is shown instead of the name.
	Title string `toml:"title,omitempty"`
	// UploadTokenFile holds the camera's own upload token: it writes this
	// camera's folders only (the daemon's token writes every camera's).
	UploadTokenFile string `toml:"upload-token-file,omitempty"`
	// Settle, Preset, CRF and X265Params override the daemon's.
	Settle     duration `toml:"settle,omitempty"`
	Preset     string   `toml:"preset,omitempty"`
	CRF        int      `toml:"crf,omitempty"`
	X265Params string   `toml:"x265-params,omitempty"`
	// MaxAge overrides --max-age for this camera ("off": none). Free
	// space is one file system's, so --keep-free is the daemon's alone.
	MaxAge string `toml:"max-age,omitempty"`
}

// duration reads "48h" from TOML and writes it back so.
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) (err error) {
	d.Duration, err = time.ParseDuration(string(b))
	return err
}

func (d duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// IsZero lets omitempty leave an unset duration out.
func (d duration) IsZero() bool { return d.Duration == 0 }

// readCameras reads the [cameras.NAME] tables of a config file.
func readCameras(path string) (map[string]CameraConfig, error) {
	var file struct {
		Cameras map[string]CameraConfig `toml:"cameras"`
	}
	md, err := toml.DecodeFile(path, &file)
	if err != nil {
		return nil, fmt.Errorf("config %s: %w", path, err)
	}
	for _, k := range md.Undecoded() {
		if len(k) > 0 && k[0] == "cameras" {
			return nil, fmt.Errorf("config %s: unknown key %q (a camera takes title, upload-token-file, settle, preset, crf, x265-params, max-age)", path, k.String())
		}
	}
	return file.Cameras, nil
}

func (cc CameraConfig) check(name string) error {
	if err := camera.CheckName(name); err != nil {
		return fmt.Errorf("config: [cameras.%s]: %w", name, err)
	}
	switch {
	case cc.Settle.Duration < 0:
		return fmt.Errorf("config: [cameras.%s]: settle %v is negative", name, cc.Settle)
	case cc.CRF < 0 || cc.CRF > 51:
		return fmt.Errorf("config: [cameras.%s]: crf %d, want 1 to 51", name, cc.CRF)
	}
	if _, err := retention.ParseAge(cc.MaxAge); err != nil {
		return fmt.Errorf("config: [cameras.%s]: %w", name, err)
	}
	return nil
}
