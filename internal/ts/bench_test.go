package ts

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/asticode/go-astits"
	"github.com/cctvd/cctvd/internal/footage"
)

// Benchmarks run on CCTV-like footage: 720p25 at ~2 Mbit/s. Set
// CCTVD_BENCH_FOOTAGE to a folder to keep it between runs. Compare the
// MB/s of Scan and Concat with BenchmarkRead, the raw read of the same
// files measured in the same run:
//
//	go test ./internal/ts -run '^$' -bench . -benchtime 20x
var benchFootage struct {
	once  sync.Once
	dir   string
	names []string
	bytes int64
	err   error
}

func cctvFootage(b *testing.B) (string, []string, int64) {
	b.Helper()
	f := &benchFootage
	f.once.Do(func() {
		f.dir = os.Getenv("CCTVD_BENCH_FOOTAGE")
		if f.dir == "" {
			f.dir = filepath.Join(os.TempDir(), "cctvd-bench-cctv")
		}
		if err := os.MkdirAll(f.dir, 0o755); err != nil {
			f.err = err
			return
		}
		run := footage.Run{Dir: f.dir, Profile: footage.CCTV, Segments: 6, First: 1}
		f.names = make([]string, run.Segments)
		for i := range f.names {
			f.names[i] = "seg" + itoa(i+1) + ".ts"
		}
		if _, err := os.Stat(filepath.Join(f.dir, f.names[len(f.names)-1])); err != nil {
			_, f.err = footage.Record(context.Background(), run)
		}
		for _, n := range f.names {
			fi, err := os.Stat(filepath.Join(f.dir, n))
			if err != nil {
				f.err = err
				return
			}
			f.bytes += fi.Size()
		}
	})
	if f.err != nil {
		b.Fatal(f.err)
	}
	return f.dir, f.names, f.bytes
}

func eachFile(b *testing.B, fn func(io.Reader) error) {
	dir, names, size := cctvFootage(b)
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		for _, n := range names {
			fh, err := os.Open(filepath.Join(dir, n))
			if err != nil {
				b.Fatal(err)
			}
			err = fn(fh)
			fh.Close()
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkRead is the baseline: reading the bytes and nothing else.
func BenchmarkRead(b *testing.B) {
	buf := make([]byte, walkBuf)
	eachFile(b, func(r io.Reader) error {
		for {
			// A plain Read loop: io.Copy would take os.File's WriteTo path with a smaller buffer.
			if _, err := r.Read(buf); err != nil {
				if errors.Is(err, io.EOF) {
					return nil
				}
				return err
			}
		}
	})
}

// BenchmarkAstitsNextPacket is go-astits alone, packet by packet, for reference.
func BenchmarkAstitsNextPacket(b *testing.B) {
	eachFile(b, func(r io.Reader) error {
		dmx := astits.NewDemuxer(context.Background(), bufio.NewReaderSize(r, walkBuf), astits.DemuxerOptPacketSize(packetSize))
		for {
			_, err := dmx.NextPacket()
			if errors.Is(err, astits.ErrNoMorePackets) {
				return nil
			}
			if err != nil {
				return err
			}
		}
	})
}

func BenchmarkScan(b *testing.B) {
	eachFile(b, func(r io.Reader) error {
		_, err := Scan(r)
		return err
	})
}

func BenchmarkConcat(b *testing.B) {
	dir, _, size := cctvFootage(b)
	root, err := os.OpenRoot(dir)
	if err != nil {
		b.Fatal(err)
	}
	defer root.Close()
	p, err := PlanDir(root, ".")
	if err != nil || len(p.Findings) != 0 {
		b.Fatalf("plan: %v %+v", err, p.Findings)
	}
	open := func(name string) (io.ReadCloser, error) { return root.Open(name) }
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		if _, err := Concat(context.Background(), io.Discard, open, p.Segments); err != nil {
			b.Fatal(err)
		}
	}
}
