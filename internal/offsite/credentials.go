package offsite

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Credentials are an S3 access key. String hides the secret, so that a
// Credentials logged or put into an error by mistake does not leak it.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
}

func (c Credentials) String() string { return "access key " + c.AccessKeyID }

// GoString hides the secret from %#v too.
func (c Credentials) GoString() string { return c.String() }

// Errors of ReadCredentials, wrapped with the file's name.
var (
	ErrCredentialsOpen   = errors.New("may be read by the group or other users")
	ErrCredentialsFormat = errors.New("want two lines: access_key_id = ID and secret_access_key = SECRET")
)

// ReadCredentials reads a credentials file of two lines:
//
//	access_key_id = AKIA…
//	secret_access_key = …
//
// Blank lines and lines starting with # are ignored; the white space
// around = is optional. The file must be the owner's alone (mode 0600 or
// 0400): a secret that others on the machine can read protects nothing.
// No error names the secret or quotes a line of the file.
func ReadCredentials(path string) (Credentials, error) {
	f, err := os.Open(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("off-site credentials: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return Credentials{}, fmt.Errorf("off-site credentials: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return Credentials{}, fmt.Errorf("off-site credentials %s %w (mode %04o): chmod go-rwx it", path, ErrCredentialsOpen, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, 64<<10))
	if err != nil {
		return Credentials{}, fmt.Errorf("off-site credentials %s: %w", path, err)
	}
	var c Credentials
	for i, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var dst *string
		switch k {
		case "access_key_id":
			dst = &c.AccessKeyID
		case "secret_access_key":
			dst = &c.SecretAccessKey
		}
		if !ok || dst == nil || *dst != "" || v == "" || strings.ContainsAny(v, " \t") {
			// The line may hold the secret: say only where it is.
			return Credentials{}, fmt.Errorf("off-site credentials %s line %d: %w", path, i+1, ErrCredentialsFormat)
		}
		*dst = v
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return Credentials{}, fmt.Errorf("off-site credentials %s: %w", path, ErrCredentialsFormat)
	}
	return c, nil
}
