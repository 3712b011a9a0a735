package offsite

import (
	"bytes"
	"errors"
	"path/filepath"
	"testing"

	"github.com/cctvd/cctvd/internal/diskfull"
)

// TestServerFull uploads to a gateway whose disk is full: a clear error,
// no receipt; with room again the upload completes.
func TestServerFull(t *testing.T) {
	if testing.Short() {
		t.Skip("mounts a tmpfs: not under -short")
	}
	for _, tc := range []struct {
		name string
		size int // of the file
		room int64
	}{
		{name: "multipart", size: 12 << 20, room: 3 << 20},
		{name: "one PUT", size: 2 << 20, room: 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fs := diskfull.Mount(t, "64m")
			g := startGateway(t, filepath.Join(fs, "gw"))
			free := diskfull.Fill(t, fs, tc.room)
			video, data := localFile(t, t.TempDir(), "video.mp4", tc.size)
			b := openTest(t, g.endpoint(), Config{}, nil)
			_, err := b.Upload(t.Context(), "", "2026-11-27", []LocalFile{video})
			if !errors.Is(err, ErrFull) || !errors.Is(err, ErrServer) {
				t.Fatalf("Upload to a full server: %v; want %v", err, ErrFull)
			}
			t.Log(err)
			if _, ok := b.Verified("", "2026-11-27"); ok {
				t.Fatal("verified on a full server")
			}
			free()
			r, err := b.Upload(t.Context(), "", "2026-11-27", []LocalFile{video})
			if err != nil {
				t.Fatalf("Upload with room again: %v", err)
			}
			if !bytes.Equal(serverBytes(t, g, r.Objects[0].Key), data) {
				t.Error("the server's copy differs")
			}
		})
	}
}
