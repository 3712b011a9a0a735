package daemon

import (
	"path/filepath"

	"github.com/cctvd/cctvd/internal/encode"
	"github.com/cctvd/cctvd/internal/export"
)

// newExporter makes camera s's exporter: its work folder is in the
// camera's state folder (on the root's file system), every camera's
// exports share one pool, and segments in a range with archives are
// encoded with the camera's archive settings.
func (c *components) newExporter(s *stack, root, state string, settings encode.Settings) (*export.Exporter, error) {
	log := c.log
	if s.name != "" {
		log = log.With("camera", s.name)
	}
	return export.New(export.Config{Camera: s.name, Root: root, Dir: filepath.Join(state, "export"), Days: s.cat,
		Pool: c.exports, ArchiveRuns: s.archiveRuns(), Offsite: s.exportOffsite(), Encode: settings, Max: c.cfg.ExportMax, FFmpeg: c.cfg.FFmpeg, FFprobe: c.cfg.FFprobe, Version: Version()}, log)
}
