package main

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/cctvd/cctvd/internal/day"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// scrubArchives is how many archives -scrub-mib is split into.
const scrubArchives = 4

// layScrub writes mib MiB of archives (random bytes, each with its
// checksum file) into days long before the bench's own, for a scrub to
// read during the window. The random bytes are made once and kept in the
// cache folder; the run's root gets hard links.
func layScrub(cacheDir, root string, today day.Date, mib int) error {
	src := filepath.Join(cacheDir, "scrub", fmt.Sprintf("%dMiB", mib))
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	size := int64(mib) << 20 / scrubArchives
	for i := range scrubArchives {
		name := filepath.Join(src, fmt.Sprintf("video%d.mp4", i))
		if fi, err := os.Stat(name + day.ChecksumSuffix); err != nil || fi.Size() == 0 {
			if err := writeRandom(name, size); err != nil {
				return err
			}
		}
		dir := filepath.Join(root, today.AddDays(-100-i).String())
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.Link(name, filepath.Join(dir, "video.mp4")); err != nil {
			return err
		}
		if err := os.Link(name+day.ChecksumSuffix, filepath.Join(dir, "video.mp4"+day.ChecksumSuffix)); err != nil {
			return err
		}
	}
	return nil
}

func writeRandom(name string, size int64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	h := sha512.New()
	if _, err := io.CopyN(io.MultiWriter(f, h), rand.Reader, size); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	line := hex.EncodeToString(h.Sum(nil)) + "  video.mp4\n"
	return os.WriteFile(name+day.ChecksumSuffix, []byte(line), 0o644)
}

// scrubber runs `cctvctl scrub --all` over and over until ctx ends and
// counts the bytes re-hashed.
type scrubber struct {
	bytes  atomic.Int64
	passes atomic.Int64
	err    error
	done   chan struct{}
}

func startScrub(ctx context.Context, sock string) (*scrubber, error) {
	conn, err := grpc.NewClient("unix://"+sock, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("control api: %w", err)
	}
	s := &scrubber{done: make(chan struct{})}
	api := cctvv1.NewCctvServiceClient(conn)
	go func() {
		defer close(s.done)
		defer conn.Close()
		for ctx.Err() == nil {
			if err := s.pass(ctx, api); err != nil && ctx.Err() == nil {
				s.err = err
				return
			}
		}
	}()
	return s, nil
}

func (s *scrubber) pass(ctx context.Context, api cctvv1.CctvServiceClient) error {
	stream, err := api.ScrubDay(ctx, &cctvv1.ScrubDayRequest{All: true})
	if err != nil {
		return err
	}
	var counted int64
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if m.GetDone() {
			s.passes.Add(1)
			for _, a := range m.GetArchives() {
				if a.GetResult() != cctvv1.ScrubResult_SCRUB_RESULT_OK {
					return fmt.Errorf("scrub: %s/%s: %v", a.GetDate(), a.GetFile(), a.GetResult())
				}
			}
			continue
		}
		// bytes_done counts over the pass: add what it grew by.
		if d := m.GetBytesDone() - counted; d > 0 {
			s.bytes.Add(d)
			counted = m.GetBytesDone()
		}
	}
}

// report says what the scrub read during the window.
func (s *scrubber) report(elapsed time.Duration) string {
	<-s.done
	mib := float64(s.bytes.Load()) / (1 << 20)
	out := fmt.Sprintf("scrub: %.0f MiB re-hashed during the window (%.1f MiB/s, %d passes done)", mib, mib/elapsed.Seconds(), s.passes.Load())
	if s.err != nil {
		out += fmt.Sprintf("; ERROR: %v", s.err)
	}
	return out
}
