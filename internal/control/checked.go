package control

import (
	"sync"

	"github.com/cctvd/cctvd/internal/archive"
	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// checksumStates are the archiver's checksum states as the API names them.
var checksumStates = map[archive.ChecksumState]cctvv1.ChecksumState{
	archive.ChecksumVerified: cctvv1.ChecksumState_CHECKSUM_STATE_VERIFIED,
	archive.ChecksumMismatch: cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH,
	archive.ChecksumMissing:  cctvv1.ChecksumState_CHECKSUM_STATE_MISSING,
	// A checksum file that cannot be read cannot vouch for the archive.
	archive.ChecksumInvalid: cctvv1.ChecksumState_CHECKSUM_STATE_MISMATCH,
}

// checkedArchives remembers what re-hashing each archive found, so that
// ListDays shows an archive just verified as verified rather than as
// unverified. It lives as long as the process: after a restart an archive
// is unverified until it is checked again.
type checkedArchives struct {
	mu   sync.Mutex
	days map[cameraDay]map[string]checkedArchive // by camera and day, then file name
}

// cameraDay is one camera's day.
type cameraDay struct {
	camera string
	date   day.Date
}

type checkedArchive struct {
	bytes int64 // the file's size when it was checked
	state archive.ChecksumState
}

// record remembers a verify report's archives of camera.
func (c *checkedArchives) record(camera string, r *archive.Report) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.days == nil {
		c.days = map[cameraDay]map[string]checkedArchive{}
	}
	m := map[string]checkedArchive{}
	for _, a := range r.Archives {
		if a.Checksum != "" {
			m[a.File] = checkedArchive{bytes: a.Bytes, state: a.Checksum}
		}
	}
	c.days[cameraDay{camera, r.Date}] = m
}

// fill sets the Checked state of camera's day info's archives: what VerifyDay found,
// else verified for the archive that job's conversion wrote (it is
// verified and hashed before it is committed). A file whose size changed
// since is not the one that was checked.
func (c *checkedArchives) fill(camera string, info *DayInfo, job *archive.DayStatus) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for i := range info.Archives {
		a := &info.Archives[i]
		if ch, ok := c.days[cameraDay{camera, info.Date}][a.Name]; ok && ch.bytes == a.Bytes {
			a.Checked = ch.state
			continue
		}
		if job != nil && job.State == archive.StateArchived && job.Progress.Archive == a.Name && job.Progress.ArchiveBytes == a.Bytes && a.Checksum {
			a.Checked = archive.ChecksumVerified
		}
	}
}
