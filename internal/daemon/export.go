package daemon

import (
	"path/filepath"

	"github.com/cctvd/cctvd/internal/export"
)

// newExporter makes camera s's exporter: its work folder is in the
// camera's state folder (on the root's file system), and every camera's
// exports share one pool.
func (c *components) newExporter(s *stack, root, state string) (*export.Exporter, error) {
	log := c.log
	if s.name != "" {
		log = log.With("camera", s.name)
	}
	return export.New(export.Config{Camera: s.name, Root: root, Dir: filepath.Join(state, "export"), Days: s.cat,
		Pool: c.exports, ArchiveRuns: s.archiveRuns(), Offsite: s.exportOffsite(), Max: c.cfg.ExportMax, FFmpeg: c.cfg.FFmpeg, FFprobe: c.cfg.FFprobe, Version: Version()}, log)
}
