// Package token reads the bearer tokens of cctvd and cctvctl from files.
//
// The upload token (cctvd --upload-token-file), the control plane's token
// (cctvd --grpc-token-file) and cctvctl's (--token-file) are read the same
// way and pass the same checks, the strictest any of them had:
//
//   - the token is the file's content without the white space around it;
//   - it is not empty and is one word (no white space inside): a second
//     line is a mistake, not part of the token;
//   - other users have no access to the file (mode o-rwx): a token that
//     any user of the machine can read protects nothing, so the file is
//     refused, not merely warned about. The owner and the group may read
//     it, so that cctvd and its operators' cctvctl can share one file.
package token

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
)

// Errors of Read, each wrapped with the file's name.
var (
	// ErrEmpty is a file that holds no token.
	ErrEmpty = errors.New("is empty")
	// ErrNotOneWord is a file whose token has white space inside.
	ErrNotOneWord = errors.New("holds more than one word: want one token on one line")
	// ErrOpenToOthers is a file that other users may read or change.
	ErrOpenToOthers = errors.New("is open to every user of the machine")
)

// othersBits are the permission bits of users who are neither the owner
// nor in the group.
const othersBits = 0o007

// Read returns the token in the file at path, or why it cannot be used.
func Read(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	// The open file's mode, not the path's: the two cannot differ.
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if perm := fi.Mode().Perm(); perm&othersBits != 0 {
		return "", fmt.Errorf("%s %w (mode %04o): chmod o-rwx it", path, ErrOpenToOthers, perm)
	}
	b, err := io.ReadAll(f)
	if err != nil {
		return "", err
	}
	tok := strings.TrimSpace(string(b))
	switch {
	case tok == "":
		return "", fmt.Errorf("%s %w", path, ErrEmpty)
	case strings.ContainsFunc(tok, unicode.IsSpace):
		return "", fmt.Errorf("%s %w", path, ErrNotOneWord)
	}
	return tok, nil
}
