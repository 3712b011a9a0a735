package day

import (
	"cmp"
	"strconv"
	"strings"
)

// The names cctvd gives to what it writes under a footage root. Every
// package that recognises one of them asks here, so that the archiver, the
// catalog and the web server never disagree on what is an archive.
const (
	// StateDir is cctvd's state folder inside the root, by default.
	StateDir = ".cctvd"
	// ChecksumSuffix makes the name of an archive's checksum file
	// (sha512sum -c format): video.mp4.sha512sum.
	ChecksumSuffix = ".sha512sum"
	// PartialSuffix marks a file being written (ffmpeg's output, a join)
	// that is renamed once complete; no one reads it meanwhile.
	PartialSuffix = ".partial"
)

// An archive of a day is video.mp4 (number 1), and the archives of
// segments that came after it video-2.mp4, video-3.mp4, … in the order they
// were written. The number is written in plain decimal: video-02.mp4,
// video-1.mp4, video-+3.mp4 and videos.mp4 are not archives.
const (
	archivePrefix = "video"
	archiveExt    = ".mp4"
)

// ArchiveNumber is the number of the archive named name (video.mp4 is 1,
// video-N.mp4 is N); ok is false for any other name.
func ArchiveNumber(name string) (n int, ok bool) {
	base, found := strings.CutSuffix(name, archiveExt)
	if !found {
		return 0, false
	}
	rest, found := strings.CutPrefix(base, archivePrefix)
	switch {
	case !found:
		return 0, false
	case rest == "":
		return 1, true
	}
	digits, found := strings.CutPrefix(rest, "-")
	if !found || digits == "" || digits[0] < '1' || digits[0] > '9' {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n < 2 || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}

// ArchiveName is the name of archive n: video.mp4 for 1 (or less),
// video-N.mp4 for N ≥ 2.
func ArchiveName(n int) string {
	if n <= 1 {
		return archivePrefix + archiveExt
	}
	return archivePrefix + "-" + strconv.Itoa(n) + archiveExt
}

// IsArchive reports whether name is an archive's name.
func IsArchive(name string) bool {
	_, ok := ArchiveNumber(name)
	return ok
}

// ChecksumName is the name of the checksum file of the archive named name.
func ChecksumName(archive string) string { return archive + ChecksumSuffix }

// IsChecksum reports whether name is an archive's checksum file.
func IsChecksum(name string) bool {
	base, ok := strings.CutSuffix(name, ChecksumSuffix)
	return ok && IsArchive(base)
}

// ArchiveOf is the number of the archive a file is named after: the
// archive itself, its checksum, or a file made from its name by adding a
// suffix (video-2.mp4.partial, video.mp4.unverified). ok is false for a
// name that starts with no archive's name.
func ArchiveOf(name string) (n int, ok bool) {
	i := strings.Index(name, archiveExt)
	if i < 0 {
		return 0, false
	}
	return ArchiveNumber(name[:i+len(archiveExt)])
}

// CompareArchives orders archive names by number (video.mp4, video-2.mp4,
// … video-9.mp4, video-10.mp4); names that are not archives' go after
// them, in byte order.
func CompareArchives(a, b string) int {
	na, oka := ArchiveNumber(a)
	nb, okb := ArchiveNumber(b)
	switch {
	case oka && okb:
		return cmp.Compare(na, nb)
	case oka:
		return -1
	case okb:
		return 1
	}
	return strings.Compare(a, b)
}
