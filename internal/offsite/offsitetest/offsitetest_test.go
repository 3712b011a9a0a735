package offsitetest_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/cctvd/cctvd/internal/offsite"
	"github.com/cctvd/cctvd/internal/offsite/offsitetest"
)

// The proxy counts what passes and tells of each part the server took.
func TestProxyCountsParts(t *testing.T) {
	s := offsitetest.Start(t)
	p := offsitetest.NewProxy(t, s.Endpoint)
	dir := t.TempDir()
	f := filepath.Join(dir, "video.mp4")
	if err := os.WriteFile(f, make([]byte, 6<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	state, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer state.Close()
	b, err := offsite.Open(context.Background(), offsite.Target{Bucket: offsitetest.Bucket, Prefix: "p"},
		offsite.Config{Endpoint: p.URL, PathStyle: true, CredentialsFile: offsitetest.CredFile(t, offsitetest.Secret), PartSize: offsite.MinPartSize},
		state, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Upload(context.Background(), "", "2026-11-20", []offsite.LocalFile{{Name: "video.mp4", Open: func() (*os.File, error) { return os.Open(f) }}}); err != nil {
		t.Fatal(err)
	}
	var parts []int
	for len(parts) < 2 {
		parts = append(parts, <-p.Parts())
	}
	if parts[0]+parts[1] != 3 || p.Sent() < 6<<20 {
		t.Errorf("parts %v, %d bytes sent", parts, p.Sent())
	}
	if got := s.Objects(t, "p/")["p/default/2026-11-20/video.mp4"]; got != 6<<20 {
		t.Errorf("object of %d bytes", got)
	}
}
