package footage

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
)

// The mess of real uploads. Each helper breaks one thing in a folder of
// segments the way a flaky network, a camera or a person does.

// Truncate cuts a segment off mid-packet, keeping about frac of it.
func Truncate(dir, name string, frac float64) error {
	path := filepath.Join(dir, name)
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("truncate footage: %w", err)
	}
	keep := int64(float64(fi.Size())*frac)/188*188 + 100 // 100 bytes into a packet
	return keepTimes(path, fi, func() error { return os.Truncate(path, keep) })
}

// ZeroByte writes an empty file.
func ZeroByte(dir, name string) error {
	return os.WriteFile(filepath.Join(dir, name), nil, 0o644)
}

// Junk writes n random bytes, reproducible from seed.
func Junk(dir, name string, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	return os.WriteFile(filepath.Join(dir, name), b, 0o644)
}

// Duplicate copies a segment byte for byte under another name.
func Duplicate(dir, name, as string) error {
	return copyFile(filepath.Join(dir, name), filepath.Join(dir, as), -1)
}

// InFlight leaves what rsync leaves while it uploads name: a hidden temp
// file (.seg15.ts.Xy9k2Q) holding the first half of the segment.
func InFlight(dir, name string) (string, error) {
	src := filepath.Join(dir, name)
	fi, err := os.Stat(src)
	if err != nil {
		return "", fmt.Errorf("in-flight footage: %w", err)
	}
	tmp := "." + name + ".Xy9k2Q"
	return tmp, copyFile(src, filepath.Join(dir, tmp), fi.Size()/2)
}

// Notes writes a text file that is not a segment at all.
func Notes(dir string) error {
	return os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("camera 2 lens cleaned at 14:00\n"), 0o644)
}

func copyFile(src, dst string, n int64) error {
	in, err := os.Open(src)
	if err != nil {
		return fmt.Errorf("copy footage: %w", err)
	}
	defer in.Close()
	fi, err := in.Stat()
	if err != nil {
		return fmt.Errorf("copy footage: %w", err)
	}
	out, err := os.Create(dst)
	if err != nil {
		return fmt.Errorf("copy footage: %w", err)
	}
	var r io.Reader = in
	if n >= 0 {
		r = io.LimitReader(in, n)
	}
	if _, err := io.Copy(out, r); err != nil {
		out.Close()
		return fmt.Errorf("copy footage: %w", err)
	}
	if err := out.Close(); err != nil {
		return fmt.Errorf("copy footage: %w", err)
	}
	return os.Chtimes(dst, fi.ModTime(), fi.ModTime())
}

func keepTimes(path string, fi os.FileInfo, f func() error) error {
	if err := f(); err != nil {
		return err
	}
	return os.Chtimes(path, fi.ModTime(), fi.ModTime())
}

// videoPID is where ffmpeg's MPEG-TS muxer puts the first stream.
const videoPID = 0x100

// Scramble overwrites coded video inside a segment the way a failing SD
// card does: in about frac of the video packets, 20 bytes of coded video
// get random values. Packet and PES headers, continuity counters and
// timestamps stay intact, so the file scans clean; it is the decoder that
// finds the damage, and drops frames it cannot rebuild.
func Scramble(dir, name string, frac float64, seed uint64) error {
	path := filepath.Join(dir, name)
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("scramble footage: %w", err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("scramble footage: %w", err)
	}
	rng := rand.New(rand.NewPCG(seed, seed))
	for off := 0; off+188 <= len(b); off += 188 {
		p := b[off : off+188]
		pid := int(p[1]&0x1F)<<8 | int(p[2])
		if pid != videoPID || rng.Float64() >= frac {
			continue
		}
		from := 4 // past the header, the adaptation field and a PES header
		if p[3]&0x20 != 0 {
			from += 1 + int(p[4])
		}
		if p[1]&0x40 != 0 && from+9 <= len(p) {
			from += 9 + int(p[from+8])
		}
		if from+4 >= len(p) {
			continue
		}
		for range 20 {
			p[from+rng.IntN(len(p)-from)] = byte(rng.UintN(256))
		}
	}
	return keepTimes(path, fi, func() error { return os.WriteFile(path, b, fi.Mode()) })
}
