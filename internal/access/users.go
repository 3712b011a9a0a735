package access

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// Role is what a user may do.
type Role int

// Roles, each allowed what the one before is.
const (
	// NoRole is nobody's: an anonymous request, or a camera's upload
	// token, which never grants watching.
	NoRole Role = iota
	// Viewer watches: the pages, playlists, segments, archives, thumbnails.
	Viewer
	// Operator also changes state: every request that is not a GET or
	// HEAD (hold, release, convert, cancel, as they are added), and /metrics.
	Operator
)

func (r Role) String() string {
	switch r {
	case Viewer:
		return "viewer"
	case Operator:
		return "operator"
	}
	return "none"
}

// ParseRole reads a role's name.
func ParseRole(s string) (Role, error) {
	switch s {
	case "viewer":
		return Viewer, nil
	case "operator":
		return Operator, nil
	}
	return NoRole, fmt.Errorf("role %q: want viewer or operator", s)
}

// User is one line of a users file.
type User struct {
	Name string
	Role Role
	// Hash is the password's bcrypt hash.
	Hash string
}

// fingerprint changes whenever the password does (bcrypt salts every
// hash): a session carries it, so a new password ends old sessions.
func (u User) fingerprint() string {
	sum := sha256.Sum256([]byte(u.Hash))
	return hex.EncodeToString(sum[:8])
}

// HashCost is bcrypt's cost for new passwords: about 50 ms on a Pi 4,
// paid at login only (sessions and the basic-auth cache spare the rest).
const HashCost = 10

// HashPassword hashes a new password.
func HashPassword(password string) (string, error) {
	if password == "" {
		return "", errors.New("empty password")
	}
	if len(password) > 72 {
		// bcrypt reads 72 bytes: a longer one would pass with its start alone.
		return "", errors.New("password longer than 72 bytes")
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), HashCost)
	return string(h), err
}

// CheckName checks a user's name: 1 to 64 letters, digits, '.', '_', '-'
// or '@', not starting with '.' or '-'. Names go in cookies and in a
// space-separated file, so they hold nothing else.
func CheckName(name string) error {
	if name == "" || len(name) > 64 {
		return fmt.Errorf("user name %q: want 1 to 64 characters", name)
	}
	if name[0] == '.' || name[0] == '-' {
		return fmt.Errorf("user name %q: starts with %q", name, name[0])
	}
	for _, c := range []byte(name) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '.', c == '_', c == '-', c == '@':
		default:
			return fmt.Errorf("user name %q: want letters, digits, . _ - @ only", name)
		}
	}
	return nil
}

// ParseUsers reads a users file: one user a line, "NAME ROLE HASH";
// blank lines and lines starting with # are skipped.
func ParseUsers(r io.Reader) ([]User, error) {
	var users []User
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 3 {
			return nil, fmt.Errorf("line %d: want NAME ROLE BCRYPT-HASH", n)
		}
		if err := CheckName(f[0]); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		role, err := ParseRole(f[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if _, err := bcrypt.Cost([]byte(f[2])); err != nil {
			return nil, fmt.Errorf("line %d: user %s: not a bcrypt hash: %w", n, f[0], err)
		}
		if seen[f[0]] {
			return nil, fmt.Errorf("line %d: user %s is there twice", n, f[0])
		}
		seen[f[0]] = true
		users = append(users, User{Name: f[0], Role: role, Hash: f[2]})
	}
	return users, sc.Err()
}

// FormatUsers writes users in the form ParseUsers reads.
func FormatUsers(w io.Writer, users []User) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "# cctvd users: NAME ROLE BCRYPT-HASH; edit with cctvctl user add|passwd|del")
	for _, u := range users {
		fmt.Fprintf(bw, "%s %s %s\n", u.Name, u.Role, u.Hash)
	}
	return bw.Flush()
}

// othersBits are the permission bits of users who are neither the owner
// nor in the group: a users file open to them is refused, as token files
// are, for its hashes can be cracked offline.
const othersBits = 0o007

// ReadUsersFile reads and checks the users file at path.
func ReadUsersFile(path string) ([]User, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("users file: %w", err)
	}
	if perm := fi.Mode().Perm(); perm&othersBits != 0 {
		return nil, fmt.Errorf("users file %s is open to every user of the machine (mode %04o): chmod o-rwx it", path, perm)
	}
	users, err := ParseUsers(f)
	if err != nil {
		return nil, fmt.Errorf("users file %s: %w", path, err)
	}
	return users, nil
}

// usersFile is a users file as the gate reads it: read again when it
// changes (cctvctl user replaces it), so a new user or password counts
// at once and a deleted user's sessions end without a restart.
type usersFile struct {
	path string
	log  func(msg string, args ...any)

	mu    sync.Mutex
	stamp fileStamp
	users map[string]User
}

// fileStamp tells one version of a file from the next: cctvctl renames
// a new file into place, so the inode changes even within an mtime tick.
type fileStamp struct {
	ino   uint64
	size  int64
	mtime time.Time
}

func stampOf(fi os.FileInfo) fileStamp {
	s := fileStamp{size: fi.Size(), mtime: fi.ModTime()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.ino = uint64(st.Ino)
	}
	return s
}

func openUsersFile(path string, log func(string, ...any)) (*usersFile, error) {
	f := &usersFile{path: path, log: log}
	if err := f.load(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *usersFile) load() error {
	fi, err := os.Stat(f.path)
	if err != nil {
		return fmt.Errorf("users file: %w", err)
	}
	users, err := ReadUsersFile(f.path)
	if err != nil {
		return err
	}
	m := make(map[string]User, len(users))
	for _, u := range users {
		m[u.Name] = u
	}
	f.users, f.stamp = m, stampOf(fi)
	return nil
}

// lookup finds a user, reading the file again if it changed. A file that
// became unreadable or wrong keeps the users last read, and says so.
func (f *usersFile) lookup(name string) (User, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if fi, err := os.Stat(f.path); err == nil && stampOf(fi) != f.stamp {
		if err := f.load(); err != nil {
			f.stamp = stampOf(fi) // said once per change, not per request
			f.log("users file changed but cannot be read; the users read before stay", "err", err)
		}
	}
	u, ok := f.users[name]
	return u, ok
}

// count is how many users there are.
func (f *usersFile) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.users)
}
