package offsite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/cctvd/cctvd/internal/scrub"
)

// BenchmarkOffsite compares, on one file (OFFSITE_BENCH_MB, default 200
// MiB) and one gateway: reading the file, a plain multipart upload of it
// (16 MiB parts, no checksums, unsigned payload: what `aws s3 cp` does at
// least) and Upload (SHA-256 per part, checked by the server, read back).
// Every side starts with the file out of the page cache. bench/offsite.sh
// runs it and prints the ratios.
func BenchmarkOffsite(b *testing.B) {
	mb := 200
	if s := os.Getenv("OFFSITE_BENCH_MB"); s != "" {
		mb, _ = strconv.Atoi(s)
	}
	size := mb << 20
	g := startGateway(b, b.TempDir())
	lf, _ := localFile(b, b.TempDir(), "video.mp4", size)
	uncached := func(b *testing.B) *os.File {
		f, err := lf.Open()
		if err != nil {
			b.Fatal(err)
		}
		f.Sync()
		scrub.DropCache(f)
		return f
	}

	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(size))
		buf := make([]byte, 1<<20)
		for range b.N {
			b.StopTimer()
			f := uncached(b)
			b.StartTimer()
			if _, err := io.CopyBuffer(io.Discard, f, buf); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})

	day := 0 // -count runs a sub-benchmark again on the same gateway
	b.Run("plain-multipart", func(b *testing.B) {
		b.SetBytes(int64(size))
		c := g.client(testSecret)
		unsigned := func(o *s3.Options) {
			o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
			o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
		}
		buf := make([]byte, DefaultPartSize)
		for range b.N {
			b.StopTimer()
			f := uncached(b)
			b.StartTimer()
			day++
			key := fmt.Sprintf("plain/%d/video.mp4", day)
			up, err := c.CreateMultipartUpload(b.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
			if err != nil {
				b.Fatal(err)
			}
			var parts []types.CompletedPart
			for pn := int32(1); ; pn++ {
				n, err := io.ReadFull(f, buf)
				if n == 0 {
					break
				}
				out, perr := c.UploadPart(b.Context(), &s3.UploadPartInput{
					Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(pn),
					Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
				}, unsigned)
				if perr != nil {
					b.Fatal(perr)
				}
				parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(pn), ETag: out.ETag})
				if err != nil {
					break
				}
			}
			if _, err := c.CompleteMultipartUpload(b.Context(), &s3.CompleteMultipartUploadInput{
				Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: up.UploadId,
				MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
			}); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})

	b.Run("cctvd-upload", func(b *testing.B) {
		b.SetBytes(int64(size))
		cfg := testConfig(b, g.endpoint())
		cfg.PartSize = DefaultPartSize
		bk := openTest(b, "", cfg, nil)
		for range b.N {
			b.StopTimer()
			uncached(b).Close()
			b.StartTimer()
			// A new day each time: the same one would only be verified.
			day++
			if _, err := bk.Upload(context.Background(), "bench", fmt.Sprintf("2026-%02d-%02d", day/28%12+1, day%28+1), []LocalFile{lf}); err != nil {
				b.Fatal(err)
			}
		}
	})
}
