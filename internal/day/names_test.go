package day

import (
	"slices"
	"strings"
	"testing"
)

// TestArchiveNames is the one rule of archive names, as the archiver
// writes them and the catalog and web server recognise them.
func TestArchiveNames(t *testing.T) {
	tests := []struct {
		name     string
		number   int  // 0: not an archive
		checksum bool // an archive's checksum file
		of       int  // the archive the file is named after; 0: none
	}{
		{name: "video.mp4", number: 1, of: 1},
		{name: "video-2.mp4", number: 2, of: 2},
		{name: "video-9.mp4", number: 9, of: 9},
		{name: "video-10.mp4", number: 10, of: 10},
		{name: "video-123456789.mp4", number: 123456789, of: 123456789},
		{name: "video.mp4.sha512sum", checksum: true, of: 1},
		{name: "video-12.mp4.sha512sum", checksum: true, of: 12},
		{name: "video-2.mp4.partial", of: 2},
		{name: "video.mp4.unverified", of: 1},
		{name: "video-1.mp4"},                    // 1 is video.mp4
		{name: "video-0.mp4"},                    // no archive 0
		{name: "video-02.mp4"},                   // not written with a leading zero
		{name: "video-+3.mp4"},                   // nor a sign
		{name: "video--3.mp4"},                   // nor a minus
		{name: "video-.mp4"},                     // no number
		{name: "video-2a.mp4"},                   // not a number
		{name: "videos.mp4"},                     // the catalog once listed it; web would not serve it
		{name: "video2.mp4"},                     // no dash
		{name: "Video.mp4"},                      // case matters
		{name: "video.MP4"},                      // on both sides
		{name: "video.mp4 ", of: 1},              // trailing space: named after video.mp4
		{name: "video.mkv"},                      // another container
		{name: "video"},                          // no extension
		{name: ".video.mp4"},                     // hidden
		{name: "video-99999999999999999999.mp4"}, // overflows
		{name: "video-2.mp4.sha512sum.sha512sum", of: 2},
		{name: "video.mp4.sha512", of: 1},
		{name: "seg1.ts"},
		{name: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, ok := ArchiveNumber(tt.name)
			if ok != (tt.number > 0) || n != tt.number {
				t.Errorf("ArchiveNumber = %d, %v; want %d, %v", n, ok, tt.number, tt.number > 0)
			}
			if IsArchive(tt.name) != (tt.number > 0) {
				t.Errorf("IsArchive = %v", !(tt.number > 0))
			}
			if tt.number > 0 && ArchiveName(tt.number) != tt.name {
				t.Errorf("ArchiveName(%d) = %q, want the name back", tt.number, ArchiveName(tt.number))
			}
			if IsChecksum(tt.name) != tt.checksum {
				t.Errorf("IsChecksum = %v, want %v", !tt.checksum, tt.checksum)
			}
			if tt.checksum && !IsArchive(strings.TrimSuffix(tt.name, ChecksumSuffix)) {
				t.Errorf("a checksum file of no archive")
			}
			if n, ok := ArchiveOf(tt.name); ok != (tt.of > 0) || n != tt.of {
				t.Errorf("ArchiveOf = %d, %v; want %d", n, ok, tt.of)
			}
		})
	}
}

func TestArchiveNameRoundTrip(t *testing.T) {
	for n := 1; n <= 1000; n++ {
		name := ArchiveName(n)
		if got, ok := ArchiveNumber(name); !ok || got != n {
			t.Fatalf("ArchiveNumber(ArchiveName(%d) = %q) = %d, %v", n, name, got, ok)
		}
		if ChecksumName(name) != name+".sha512sum" || !IsChecksum(ChecksumName(name)) {
			t.Fatalf("ChecksumName(%q) = %q", name, ChecksumName(name))
		}
	}
	if ArchiveName(0) != "video.mp4" {
		t.Errorf("ArchiveName(0) = %q, want video.mp4", ArchiveName(0))
	}
}

// TestCompareArchives orders by number: "-" sorts before "." in bytes,
// which once put a late video-2.mp4 before the day's video.mp4.
func TestCompareArchives(t *testing.T) {
	names := []string{"video-10.mp4", "notes.txt", "video-2.mp4", "video.mp4", "video-9.mp4", "a.mp4", "video-3.mp4"}
	slices.SortFunc(names, CompareArchives)
	want := []string{"video.mp4", "video-2.mp4", "video-3.mp4", "video-9.mp4", "video-10.mp4", "a.mp4", "notes.txt"}
	if !slices.Equal(names, want) {
		t.Errorf("sorted %q, want %q", names, want)
	}
	if !slices.IsSorted([]string{"video-2.mp4", "video.mp4"}) {
		t.Fatal("the byte order this test guards against has changed")
	}
}
