package offsite

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

func TestReceiptsAndFetch(t *testing.T) {
	g := startGateway(t, t.TempDir())
	dir := t.TempDir()
	video, videoData := localFile(t, dir, "video.mp4", 300_000)
	sum, _ := localFile(t, dir, "video.mp4.sha512sum", 140)
	b := openTest(t, g.endpoint(), Config{}, nil)
	rs := b.Receipts("garage")

	all, gen0 := rs.All()
	if len(all) != 0 {
		t.Fatalf("receipts before any upload: %v", all)
	}
	if _, err := b.Upload(t.Context(), "garage", "2026-11-20", []LocalFile{video, sum}); err != nil {
		t.Fatal(err)
	}
	all, gen1 := rs.All()
	if len(all) != 1 || all["2026-11-20"].Date != "2026-11-20" || gen1 == gen0 {
		t.Fatalf("after one upload: %v (gen %d, was %d)", all, gen1, gen0)
	}
	if _, gen := rs.All(); gen != gen1 {
		t.Errorf("nothing changed, yet the generation went from %d to %d", gen1, gen)
	}
	if _, err := b.Upload(t.Context(), "", "2026-11-21", []LocalFile{sum}); err != nil {
		t.Fatal(err)
	}
	if all, _ := rs.All(); len(all) != 1 {
		t.Errorf("another camera's receipt among garage's: %v", all)
	}
	if _, err := b.Upload(t.Context(), "garage", "2026-11-21", []LocalFile{sum}); err != nil {
		t.Fatal(err)
	}
	if all, gen := rs.All(); len(all) != 2 || gen == gen1 {
		t.Errorf("after a second day: %d receipts, generation %d (was %d)", len(all), gen, gen1)
	}

	tests := []struct {
		name, date, file string
		want             []byte
		err              error
	}{
		{name: "verified file", date: "2026-11-20", file: "video.mp4", want: videoData},
		{name: "not in the receipt", date: "2026-11-21", file: "video.mp4", err: ErrNotFound},
		{name: "day not verified", date: "2026-11-19", file: "video.mp4", err: ErrNotFound},
	}
	for _, tc := range tests {
		t.Run("Fetch "+tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			o, err := b.Fetch(t.Context(), "garage", tc.date, tc.file, &buf)
			if !errors.Is(err, tc.err) || (err == nil) != (tc.err == nil) {
				t.Fatalf("Fetch = %v, want %v", err, tc.err)
			}
			if err == nil && (!bytes.Equal(buf.Bytes(), tc.want) || o.Key != b.Target().Key("garage", tc.date, tc.file)) {
				t.Errorf("fetched %d bytes (equal: %v) of %s", buf.Len(), bytes.Equal(buf.Bytes(), tc.want), o.Key)
			}
		})
	}
	t.Run("Fetch of a copy changed behind cctvd's back", func(t *testing.T) {
		bad := append([]byte(nil), videoData...)
		bad[1000] ^= 1
		key := b.Target().Key("garage", "2026-11-20", "video.mp4")
		if _, err := g.client(testSecret).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key),
			Body: bytes.NewReader(bad)}); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Fetch(t.Context(), "garage", "2026-11-20", "video.mp4", io.Discard); !errors.Is(err, ErrMismatch) {
			t.Errorf("Fetch = %v, want ErrMismatch", err)
		}
	})
}
