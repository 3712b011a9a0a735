package scrub

import (
	"context"
	"crypto/rand"
	"crypto/sha512"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/fakeclock"
)

// t0 has a fraction of a second, as real cameras' times do.
var t0 = time.Date(2026, 11, 3, 4, 5, 6, 153192286, time.UTC)

// writeArchive writes a day's archive of size random bytes and, unless
// noSum, its checksum file as the archiver writes it.
func writeArchive(t *testing.T, root string, d day.Date, file string, size int, noSum bool) string {
	t.Helper()
	dir := filepath.Join(root, d.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	b := make([]byte, size)
	io.ReadFull(rand.Reader, b)
	p := filepath.Join(dir, file)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	if !noSum {
		sum := sha512.Sum512(b)
		line := hex.EncodeToString(sum[:]) + "  " + file + "\n"
		if err := os.WriteFile(p+day.ChecksumSuffix, []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	mt := t0.Add(-48 * time.Hour)
	if err := os.Chtimes(p, mt, mt); err != nil {
		t.Fatal(err)
	}
	return p
}

// flip flips one byte of the file at off.
func flip(t *testing.T, p string, off int64) {
	t.Helper()
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

// fakeTime is a fake clock whose sleeps move it on, and that records them.
type fakeTime struct {
	*fakeclock.Clock
	mu    sync.Mutex
	slept time.Duration
	// onSleep, if set, runs after each sleep moved the clock.
	onSleep func()
}

func newFakeTime() *fakeTime { return &fakeTime{Clock: fakeclock.New(t0)} }

func (f *fakeTime) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	f.slept += d
	f.mu.Unlock()
	f.Advance(d)
	if f.onSleep != nil {
		f.onSleep()
	}
	return ctx.Err()
}

func quietLog() *slog.Logger { return slog.New(slog.DiscardHandler) }

func date(t *testing.T, s string) day.Date {
	t.Helper()
	d, err := day.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}
