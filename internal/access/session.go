package access

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Session lifetimes: a session unused for IdleTimeout ends, and every
// session ends MaxAge after the login, used or not.
const (
	IdleTimeout = 12 * time.Hour
	MaxAge      = 7 * 24 * time.Hour
	// refreshAfter is how stale a cookie's last-seen time may be before
	// it is written again: the idle timeout is this precise, and a page
	// of segment requests does not rewrite the cookie each time.
	refreshAfter = 5 * time.Minute
)

// CookieName is the session cookie's name.
const CookieName = "cctvd_session"

// session is what a session cookie says. It is signed, not encrypted:
// it holds nothing secret, and the key stays in the state folder, so a
// restart keeps everyone logged in.
type session struct {
	User string
	// Fingerprint is the user's password hash's at login; a new password
	// or a deleted user ends the session.
	Fingerprint string
	Issued      time.Time // the login
	Seen        time.Time // the last use the cookie was refreshed at
}

// cookieVersion starts every cookie's payload, so that a later format
// can tell old cookies from new ones.
const cookieVersion = "v1"

var b64 = base64.RawURLEncoding

// Errors of parseSession; none says more than that the cookie is no good.
var (
	errMalformed = errors.New("malformed session")
	errSignature = errors.New("bad session signature")
)

// sign encodes s as a cookie value: payload "." HMAC-SHA256(key, payload),
// both base64url.
func (s session) sign(key []byte) string {
	payload := strings.Join([]string{cookieVersion, s.User, s.Fingerprint,
		strconv.FormatInt(s.Issued.Unix(), 10), strconv.FormatInt(s.Seen.Unix(), 10)}, "|")
	p := b64.EncodeToString([]byte(payload))
	return p + "." + b64.EncodeToString(mac(key, p))
}

func mac(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

// parseSession checks a cookie value's signature and reads it; it does
// not decide whether the session has expired (valid does).
func parseSession(key []byte, value string) (session, error) {
	p, sig, ok := strings.Cut(value, ".")
	if !ok || len(value) > 512 {
		return session{}, errMalformed
	}
	got, err := b64.DecodeString(sig)
	if err != nil {
		return session{}, errMalformed
	}
	if !hmac.Equal(got, mac(key, p)) {
		return session{}, errSignature
	}
	raw, err := b64.DecodeString(p)
	if err != nil {
		return session{}, errMalformed
	}
	f := strings.Split(string(raw), "|")
	if len(f) != 5 || f[0] != cookieVersion || CheckName(f[1]) != nil || f[2] == "" {
		return session{}, errMalformed
	}
	issued, err1 := strconv.ParseInt(f[3], 10, 64)
	seen, err2 := strconv.ParseInt(f[4], 10, 64)
	if err1 != nil || err2 != nil {
		return session{}, errMalformed
	}
	return session{User: f[1], Fingerprint: f[2], Issued: time.Unix(issued, 0), Seen: time.Unix(seen, 0)}, nil
}

// valid reports whether s is still a session at now: neither idle too
// long nor too old, and not from the future (a clock set back).
func (s session) valid(now time.Time) bool {
	return !s.Issued.After(now.Add(time.Minute)) && !s.Seen.Before(s.Issued) &&
		now.Sub(s.Issued) < MaxAge && now.Sub(s.Seen) < IdleTimeout
}

// KeyFile is the session key's file in the state folder.
const KeyFile = "session.key"

// loadKey reads the session key from STATE/session.key, making it (32
// random bytes, mode 0600) at first start.
func loadKey(stateDir string) ([]byte, error) {
	path := filepath.Join(stateDir, KeyFile)
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, fmt.Errorf("session key %s: %d bytes, want 32: delete it to make a new one (everyone logs in again)", path, len(key))
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("session key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := io.ReadFull(rand.Reader, key); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	// O_EXCL: two starts at once must not each write a different key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return loadKey(stateDir)
	}
	if err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("session key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return nil, fmt.Errorf("session key: %w", err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("session key: %w", err)
	}
	return key, nil
}
