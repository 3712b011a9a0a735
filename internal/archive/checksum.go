package archive

import (
	"bytes"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
)

// checksumLine is sha512sum's output for one file: "<hex>  <name>\n", so
// that `sha512sum -c` passes in the day folder.
func checksumLine(sum, name string) []byte {
	return []byte(sum + "  " + name + "\n")
}

var checksumRE = regexp.MustCompile(`^([0-9a-fA-F]{128}) [ *](.+)\n?$`)

// parseChecksum reads a checksum file that must name exactly file.
func parseChecksum(b []byte, file string) (string, error) {
	m := checksumRE.FindSubmatch(b)
	switch {
	case m == nil:
		return "", errors.New("not a sha512sum line")
	case string(m[2]) != file:
		return "", fmt.Errorf("names %q, want %q", m[2], file)
	}
	return string(bytes.ToLower(m[1])), nil
}

// ParseChecksum reads the content of a checksum file that must name
// exactly file, and returns the SHA-512 it records (lower-case hex).
func ParseChecksum(b []byte, file string) (string, error) { return parseChecksum(b, file) }

// hashRoot is the SHA-512 (hex) and size of a file inside root.
func hashRoot(root *os.Root, name string) (string, int64, error) {
	f, err := root.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha512.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}
