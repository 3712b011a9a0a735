package offsite

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// TestResume interrupts an upload of three parts after the first and
// uploads again with a new Bucket, as a restarted cctvd would.
func TestResume(t *testing.T) {
	const date = "2026-11-27"
	for _, tc := range []struct {
		name string
		// between runs, after part 1 is on the server
		between   func(t *testing.T, g *gateway, path string, b *Bucket)
		wantParts []int // sent by the second run
	}{
		{name: "unchanged", wantParts: []int{2, 3}},
		{name: "local file changed", between: func(t *testing.T, g *gateway, path string, b *Bucket) {
			data, _ := os.ReadFile(path)
			data[0] ^= 1
			if err := os.WriteFile(path, data, 0o644); err != nil {
				t.Fatal(err)
			}
		}, wantParts: []int{1, 2, 3}},
		{name: "upload aborted on the server", between: func(t *testing.T, g *gateway, path string, b *Bucket) {
			var st upload
			if err := readJSON(b.state, uploadPath("", date, "video.mp4"), &st); err != nil {
				t.Fatal(err)
			}
			if _, err := g.client(testSecret).AbortMultipartUpload(t.Context(), &s3.AbortMultipartUploadInput{
				Bucket: aws.String(testBucket), Key: aws.String(st.Key), UploadId: aws.String(st.UploadID),
			}); err != nil {
				t.Fatal(err)
			}
		}, wantParts: []int{1, 2, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := startGateway(t, t.TempDir())
			p := newProxy(t, g.endpoint())
			state := stateRoot(t)
			dir := t.TempDir()
			video, _ := localFile(t, dir, "video.mp4", 12<<20)
			sum, _ := localFile(t, dir, "video.mp4.sha512sum", 140)

			b := openTest(t, p.endpoint(), Config{}, state)
			ctx, cancel := context.WithCancel(t.Context())
			b.beforePart = func(key string, part int32) {
				if part == 2 {
					cancel() // part 1 is acknowledged: a kill -9 now
				}
			}
			if _, err := b.Upload(ctx, "", date, []LocalFile{video, sum}); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted Upload: %v", err)
			}
			if _, ok := b.Verified("", date); ok {
				t.Fatal("verified after an interrupted upload")
			}
			if parts, _ := p.sent(); !reflect.DeepEqual(parts, []int{1}) {
				t.Fatalf("first run sent parts %v, want [1]", parts)
			}
			if tc.between != nil {
				tc.between(t, g, filepath.Join(dir, "video.mp4"), b)
			}

			b2 := openTest(t, p.endpoint(), Config{}, state)
			r, err := b2.Upload(t.Context(), "", date, []LocalFile{video, sum})
			if err != nil {
				t.Fatalf("resumed Upload: %v", err)
			}
			parts, n := p.sent()
			if !reflect.DeepEqual(parts, tc.wantParts) {
				t.Errorf("second run sent parts %v, want %v", parts, tc.wantParts)
			}
			partSize := []int64{0, 5 << 20, 5 << 20, 2 << 20}
			var wantN int64
			for _, p := range tc.wantParts {
				wantN += partSize[p]
			}
			if n != wantN {
				t.Errorf("second run sent %d bytes of parts, want %d", n, wantN)
			}
			local, _ := os.ReadFile(filepath.Join(dir, "video.mp4"))
			if !bytes.Equal(serverBytes(t, g, r.Objects[0].Key), local) {
				t.Error("the server's copy differs from the local file")
			}
			if _, ok := b2.Verified("", date); !ok {
				t.Error("not verified")
			}
			ups, err := g.client(testSecret).ListMultipartUploads(t.Context(), &s3.ListMultipartUploadsInput{Bucket: aws.String(testBucket)})
			if err != nil || len(ups.Uploads) != 0 {
				t.Errorf("unfinished uploads left on the server: %v, %v", ups.Uploads, err)
			}
			if _, err := state.Stat(uploadPath("", date, "video.mp4")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("upload state left: %v", err)
			}
		})
	}
}

// TestServerKilled kills the gateway in the middle of an upload and starts
// it again on the same folder: the upload fails with a retryable error and
// the next one completes, without sending again what the server has.
func TestServerKilled(t *testing.T) {
	g := startGateway(t, t.TempDir())
	dir := t.TempDir()
	video, data := localFile(t, dir, "video.mp4", 12<<20)
	state := stateRoot(t)
	b := openTest(t, g.endpoint(), Config{}, state)
	b.beforePart = func(key string, part int32) {
		if part == 2 {
			g.stop()
		}
	}
	_, err := b.Upload(t.Context(), "garage", "2026-11-27", []LocalFile{video})
	if !errors.Is(err, ErrUnreachable) || !Retryable(err) {
		t.Fatalf("Upload with the server down: %v; want %v, retryable", err, ErrUnreachable)
	}
	g.Restart()
	p := newProxy(t, g.endpoint())
	b2 := openTest(t, p.endpoint(), Config{}, state)
	r, err := b2.Upload(t.Context(), "garage", "2026-11-27", []LocalFile{video})
	if err != nil {
		t.Fatalf("Upload after the restart: %v", err)
	}
	if parts, _ := p.sent(); !reflect.DeepEqual(parts, []int{2, 3}) {
		t.Errorf("after the restart sent parts %v, want [2 3]", parts)
	}
	if !bytes.Equal(serverBytes(t, g, r.Objects[0].Key), data) {
		t.Error("the server's copy differs")
	}
}

// TestSpoiledParts sends parts through a proxy that corrupts or cuts them.
func TestSpoiledParts(t *testing.T) {
	g := startGateway(t, t.TempDir())
	for _, tc := range []struct {
		name      string
		spoil     func(part, seen int) spoilage // seen: how often this part came before
		wantErr   error
		wantParts []int
	}{
		{name: "one corrupt byte, once", spoil: func(part, seen int) spoilage {
			if part == 2 && seen == 0 {
				return corrupt
			}
			return pass
		}, wantParts: []int{1, 2, 2, 3}},
		{name: "corrupt every time", spoil: func(part, seen int) spoilage {
			if part == 2 {
				return corrupt
			}
			return pass
		}, wantErr: ErrMismatch, wantParts: []int{1, 2, 2, 2, 2}},
		{name: "connection cut mid-body, once", spoil: func(part, seen int) spoilage {
			if part == 1 && seen == 0 {
				return cut
			}
			return pass
		}, wantParts: []int{1, 1, 2, 3}},
		{name: "no answer, once", spoil: func(part, seen int) spoilage {
			if part == 3 && seen == 0 {
				return stall
			}
			return pass
		}, wantParts: []int{1, 2, 3, 3}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newProxy(t, g.endpoint())
			seen := map[int]int{}
			p.spoil = func(part int) spoilage {
				s := tc.spoil(part, seen[part])
				seen[part]++
				return s
			}
			dir := t.TempDir()
			video, data := localFile(t, dir, "video.mp4", 12<<20)
			b := openTest(t, p.endpoint(), Config{}, nil)
			b.attemptTimeout = time.Second
			date := time.Date(2026, 11, 1+len(tc.name), 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
			r, err := b.Upload(t.Context(), "spoiled", date, []LocalFile{video})
			if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("Upload: %v; want %v", err, tc.wantErr)
			}
			if parts, _ := p.sent(); !reflect.DeepEqual(parts, tc.wantParts) {
				t.Errorf("sent parts %v, want %v", parts, tc.wantParts)
			}
			_, ok := b.Verified("spoiled", date)
			if ok != (err == nil) {
				t.Errorf("verified %v after error %v", ok, err)
			}
			if err == nil && !bytes.Equal(serverBytes(t, g, r.Objects[0].Key), data) {
				t.Error("the server's copy differs")
			}
			if err != nil {
				if _, serr := b.Stat(t.Context(), "spoiled", date, "video.mp4"); !errors.Is(serr, ErrNotFound) {
					t.Errorf("Stat after the failed upload: %v; want %v", serr, ErrNotFound)
				}
			}
		})
	}
}

// TestGatewayVerifiesChecksums shows that the server checks the SHA-256
// sent in x-amz-checksum-sha256 by itself, not only the signed payload
// hash: a part whose checksum header is another body's is refused.
func TestGatewayVerifiesChecksums(t *testing.T) {
	g := startGateway(t, t.TempDir())
	c := g.client(testSecret)
	other := sha256Base64([]byte("other"))
	for _, tc := range []struct {
		name string
		put  func() error
	}{
		{name: "PutObject", put: func() error {
			_, err := c.PutObject(t.Context(), &s3.PutObjectInput{
				Bucket: aws.String(testBucket), Key: aws.String("bad"), Body: bytes.NewReader([]byte("body")),
				ChecksumAlgorithm: "SHA256", ChecksumSHA256: aws.String(other),
			})
			return err
		}},
		{name: "UploadPart", put: func() error {
			up, err := c.CreateMultipartUpload(t.Context(), &s3.CreateMultipartUploadInput{
				Bucket: aws.String(testBucket), Key: aws.String("bad"), ChecksumAlgorithm: "SHA256",
			})
			if err != nil {
				t.Fatal(err)
			}
			_, err = c.UploadPart(t.Context(), &s3.UploadPartInput{
				Bucket: aws.String(testBucket), Key: aws.String("bad"), UploadId: up.UploadId, PartNumber: aws.Int32(1),
				Body: bytes.NewReader([]byte("body")), ChecksumAlgorithm: "SHA256", ChecksumSHA256: aws.String(other),
			})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.put()
			if class, _ := classify(err); class != ErrMismatch {
				t.Fatalf("a wrong checksum: %v (class %v); want %v", err, class, ErrMismatch)
			}
			t.Log(err)
		})
	}
}
