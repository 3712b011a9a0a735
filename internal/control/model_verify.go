package control

import (
	"time"

	"github.com/cctvd/cctvd/internal/day"
)

// Report is a day checked by Archiver.Verify.
type Report struct {
	Date day.Date
	// Archives are the day's archive files, checked, in order.
	Archives []ArchiveCheck
	// Plan is what the rest of the folder holds: segments not archived
	// yet, kept files and findings. Never nil.
	Plan *Plan
}

// ChecksumState is what re-hashing an archive found.
type ChecksumState string

// Checksum states.
const (
	ChecksumVerified ChecksumState = "verified" // the archive matches its checksum file
	ChecksumMismatch ChecksumState = "mismatch" // it does not
	ChecksumMissing  ChecksumState = "missing"  // there is no checksum file
	ChecksumInvalid  ChecksumState = "invalid"  // the checksum file cannot be read or parsed
)

// ArchiveCheck is one archive file, re-hashed and probed.
type ArchiveCheck struct {
	File  string
	Bytes int64
	// Checksum compares Actual, the file's SHA-512 now, with Expected,
	// the one in its checksum file; empty when it was not hashed.
	Checksum         ChecksumState
	Expected, Actual string
	// Codec, Frames and Duration are what the probe found.
	Codec    string
	Frames   int64
	Duration time.Duration
	// Broken says why the file cannot be read or does not probe as the
	// expected video; nil when it does. Checksum problems are not in it.
	Broken error
}
