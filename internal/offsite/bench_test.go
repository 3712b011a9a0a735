package offsite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

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
// Every side starts with the file out of the page cache. The sides take
// turns OFFSITE_BENCH_REPEAT times (default 3), so that a change in the
// machine's load hits all of them; each reports its fastest run in MB/s
// and the CPU time it took in this process and in the gateway.
// bench/offsite.sh runs it; with -cpuprofile, the profile's samples carry
// a label side=read|plain|cctvd.
func BenchmarkOffsite(b *testing.B) {
	mb, repeat := 200, 3
	if s := os.Getenv("OFFSITE_BENCH_MB"); s != "" {
		mb, _ = strconv.Atoi(s)
	}
	if s := os.Getenv("OFFSITE_BENCH_REPEAT"); s != "" {
		repeat, _ = strconv.Atoi(s)
	}
	size := mb << 20
	g := startGateway(b, b.TempDir())
	lf, _ := localFile(b, b.TempDir(), "video.mp4", size)
	uncached := func() *os.File {
		f, err := lf.Open()
		if err != nil {
			b.Fatal(err)
		}
		f.Sync()
		scrub.DropCache(f)
		return f
	}
	c := g.client(testSecret)
	cfg := testConfig(b, g.endpoint())
	cfg.PartSize = DefaultPartSize
	// Labelled, as each side's run below, so that a CPU profile tells the
	// sides apart (pprof -tagfocus side=cctvd): goroutines inherit labels,
	// the HTTP connections' ones too, and Open makes cctvd's first.
	var bk *Bucket
	pprof.Do(b.Context(), pprof.Labels("side", "cctvd"), func(context.Context) { bk = openTest(b, "", cfg, nil) })
	buf := make([]byte, DefaultPartSize)
	run := 0

	sides := []struct {
		name string
		do   func(f *os.File) error
	}{
		{name: "read", do: func(f *os.File) error {
			_, err := io.CopyBuffer(io.Discard, f, buf)
			return err
		}},
		{name: "plain", do: func(f *os.File) error { return plainUpload(b, c, fmt.Sprintf("plain/%d/video.mp4", run), f, buf) }},
		{name: "cctvd", do: func(*os.File) error {
			// A new day each time: the same one would only be verified.
			_, err := bk.Upload(context.Background(), "bench", fmt.Sprintf("2026-%02d-%02d", run/28%12+1, run%28+1), []LocalFile{lf})
			return err
		}},
	}
	best := make([]time.Duration, len(sides))
	cpu := make([][2]time.Duration, len(sides)) // this process, the gateway; of the fastest run
	for range b.N {
		for range repeat {
			run++
			for i, side := range sides {
				f := uncached()
				c0, g0 := selfCPU(b), procCPU(b, g.Pid())
				start := time.Now()
				var err error
				pprof.Do(b.Context(), pprof.Labels("side", side.name), func(context.Context) { err = side.do(f) })
				if err != nil {
					b.Fatal(err)
				}
				took := time.Since(start)
				f.Close()
				if best[i] == 0 || took < best[i] {
					best[i] = took
					cpu[i] = [2]time.Duration{selfCPU(b) - c0, procCPU(b, g.Pid()) - g0}
				}
			}
		}
	}
	for i, side := range sides {
		b.ReportMetric(float64(size)/1e6/best[i].Seconds(), side.name+"-MB/s")
		b.ReportMetric(cpu[i][0].Seconds(), side.name+"-cpu-s")
		b.ReportMetric(cpu[i][1].Seconds(), side.name+"-gw-cpu-s")
	}
	b.ReportMetric(best[1].Seconds()/best[2].Seconds(), "cctvd/plain-speed")
}

// plainUpload is a multipart upload without checksums.
func plainUpload(b *testing.B, c *s3.Client, key string, f *os.File, buf []byte) error {
	unsigned := func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
		o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	}
	up, err := c.CreateMultipartUpload(b.Context(), &s3.CreateMultipartUploadInput{Bucket: aws.String(testBucket), Key: aws.String(key)})
	if err != nil {
		return err
	}
	var parts []types.CompletedPart
	for pn := int32(1); ; pn++ {
		n, rerr := io.ReadFull(f, buf)
		if n == 0 {
			break
		}
		out, err := c.UploadPart(b.Context(), &s3.UploadPartInput{
			Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: up.UploadId, PartNumber: aws.Int32(pn),
			Body: bytes.NewReader(buf[:n]), ContentLength: aws.Int64(int64(n)),
		}, unsigned)
		if err != nil {
			return err
		}
		parts = append(parts, types.CompletedPart{PartNumber: aws.Int32(pn), ETag: out.ETag})
		if rerr != nil {
			break
		}
	}
	_, err = c.CompleteMultipartUpload(b.Context(), &s3.CompleteMultipartUploadInput{
		Bucket: aws.String(testBucket), Key: aws.String(key), UploadId: up.UploadId,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	return err
}

// selfCPU is the CPU time this process has used.
func selfCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the CPU time process pid has used (linux: /proc/PID/stat).
func procCPU(b *testing.B, pid int) time.Duration {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatal(err)
	}
	// After the command's name in parentheses: utime and stime are the
	// 12th and 13th fields, in clock ticks (100 a second on linux).
	f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}
