package daemon

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/token"
)

// Check does what start-up checks before it binds or writes anything: the
// log settings, the footage root and ffmpeg with libx265. ParseFlags has
// already read the file and checked every key and value. It writes what it
// checked to w, so that an install script or an operator editing the file
// sees what a start would use, without stopping a running cctvd.
func (c Config) Check(ctx context.Context, w io.Writer) error {
	if c.View != "" {
		return c.checkView(ctx, w)
	}
	if _, err := c.Logger(io.Discard); err != nil {
		return err
	}
	st, err := os.Stat(c.Root)
	if err != nil {
		return fmt.Errorf("--root: %w", err)
	}
	if !st.IsDir() {
		return fmt.Errorf("--root: %s is not a folder", c.Root)
	}
	if err := encode.Check(ctx, encode.Settings{FFmpeg: c.FFmpeg, FFprobe: c.FFprobe, Preset: c.Preset,
		CRF: c.CRF, X265Params: c.X265Params, Nice: c.Nice}); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(c.Cameras)) {
		if f := c.Cameras[name].UploadTokenFile; f != "" {
			if _, err := token.Read(f); err != nil {
				return fmt.Errorf("[cameras.%s] upload-token-file: %w", name, err)
			}
		}
	}
	from := "the command line"
	if c.ConfigFile != "" {
		from = c.ConfigFile + " and the command line"
	}
	http := c.HTTP
	if http == "" {
		http = "off"
	}
	_, err = fmt.Fprintf(w, `configuration from %s: every key known, every value valid
root    %s: a folder
state   %s
http    %s
grpc    %s
ffmpeg  %s: runs, has libx265 (preset %s, crf %d); ffprobe %s: runs
log     %s, %s
`, from, c.Root, c.StateDir, http, c.GRPC, c.FFmpeg, c.Preset, c.CRF, c.FFprobe, c.LogFormat, c.LogLevel)
	if err != nil {
		return err
	}
	if err := c.checkAccessFiles(w); err != nil {
		return err
	}
	if err := c.checkOffsiteBucket(ctx, w); err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(c.Cameras)) {
		cc := c.Cameras[name]
		var notes []string
		if cc.Title != "" {
			notes = append(notes, fmt.Sprintf("title %q", cc.Title))
		}
		if cc.UploadTokenFile != "" {
			notes = append(notes, "own upload token")
		}
		if cc.Settle.Duration != 0 || cc.Preset != "" || cc.CRF != 0 || cc.X265Params != "" {
			notes = append(notes, "own archive settings")
		}
		if _, err = fmt.Fprintf(w, "camera  %s: %s\n", name, strings.Join(append(notes, "folder "+filepath.Join(c.Root, name)), ", ")); err != nil {
			return err
		}
	}
	return nil
}
