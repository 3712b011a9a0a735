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
	video, videoData := localFile(t, dir, "video.mp4", 6<<20) // two parts of 5 MiB at most
	sum, sumData := localFile(t, dir, "video.mp4.sha512sum", 140)
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
		{name: "multipart file", date: "2026-11-20", file: "video.mp4", want: videoData},
		{name: "file of one PUT", date: "2026-11-20", file: "video.mp4.sha512sum", want: sumData},
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
	if o, _ := b.Verified("garage", "2026-11-20"); o.Objects[0].Parts != 2 || o.Objects[1].Parts != 0 {
		t.Fatalf("receipt %+v: want video.mp4 in two parts, its sum in one PUT", o)
	}
	for _, name := range []string{"video.mp4", "video.mp4.sha512sum"} {
		t.Run("Fetch of a copy changed behind cctvd's back: "+name, func(t *testing.T) {
			key := b.Target().Key("garage", "2026-11-20", name)
			bad := serverBytes(t, g, key)
			bad[len(bad)-3] ^= 1
			if _, err := g.client(testSecret).PutObject(t.Context(), &s3.PutObjectInput{Bucket: aws.String(testBucket), Key: aws.String(key),
				Body: bytes.NewReader(bad)}); err != nil {
				t.Fatal(err)
			}
			if _, err := b.Fetch(t.Context(), "garage", "2026-11-20", name, io.Discard); !errors.Is(err, ErrMismatch) {
				t.Errorf("Fetch = %v, want ErrMismatch", err)
			}
		})
	}
}
