package access

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestParseUsers(t *testing.T) {
	h := hashFast(t, "pw")
	for _, tc := range []struct {
		name    string
		in      string
		want    []User
		wantErr string
	}{
		{name: "two users, comments", in: "# users\n\nalice viewer " + h + "\n  olga operator " + h + "  \n",
			want: []User{{Name: "alice", Role: Viewer, Hash: h}, {Name: "olga", Role: Operator, Hash: h}}},
		{name: "empty", in: "", want: nil},
		{name: "missing hash", in: "alice viewer\n", wantErr: "line 1: want NAME ROLE BCRYPT-HASH"},
		{name: "unknown role", in: "alice admin " + h + "\n", wantErr: `line 1: role "admin"`},
		{name: "not bcrypt", in: "alice viewer sha256:abc\n", wantErr: "not a bcrypt hash"},
		{name: "twice", in: "alice viewer " + h + "\nalice operator " + h + "\n", wantErr: "line 2: user alice is there twice"},
		{name: "bad name", in: "al|ice viewer " + h + "\n", wantErr: "want letters, digits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseUsers(strings.NewReader(tc.in))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

// TestEditUsersFileConcurrently: edits at once each keep the others'
// (the lock), and the file is always whole for a reader.
func TestEditUsersFileConcurrently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	h := hashFast(t, "pw")
	var wg sync.WaitGroup
	const n = 20
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- EditUsersFile(path, func(us []User) ([]User, error) {
				return append(us, User{Name: fmt.Sprintf("u%02d", i), Role: Viewer, Hash: h}), nil
			})
		})
	}
	stop := make(chan struct{})
	readerDone := make(chan error, 1)
	go func() {
		for {
			select {
			case <-stop:
				readerDone <- nil
				return
			default:
			}
			if _, err := ReadUsersFile(path); err != nil && !os.IsNotExist(err) && !strings.Contains(err.Error(), "no such file") {
				readerDone <- err
				return
			}
		}
	}()
	wg.Wait()
	close(stop)
	if err := <-readerDone; err != nil {
		t.Errorf("a reader saw a broken file: %v", err)
	}
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	users, err := ReadUsersFile(path)
	if err != nil || len(users) != n {
		t.Fatalf("%d users (%v), want %d: an edit was lost", len(users), err, n)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != UsersFileMode {
		t.Errorf("mode %v, want 0640", fi.Mode().Perm())
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".users.*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestUsersFileBroken: a users file that turns unreadable or wrong keeps
// the users read before (and says so once), rather than locking everyone out.
func TestUsersFileBroken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "users")
	writeUsers(t, path, User{Name: "alice", Role: Viewer, Hash: hashFast(t, "pw")})
	var logged []string
	f, err := openUsersFile(path, func(msg string, _ ...any) { logged = append(logged, msg) })
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("alice viewer\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, ok := f.lookup("alice"); !ok {
			t.Fatal("alice lost to a broken file")
		}
	}
	if len(logged) != 1 {
		t.Errorf("logged %q, want one line", logged)
	}
	writeUsers(t, path, User{Name: "bob", Role: Viewer, Hash: hashFast(t, "pw")})
	if _, ok := f.lookup("alice"); ok {
		t.Error("alice is still there after the file was fixed without her")
	}
	if _, ok := f.lookup("bob"); !ok {
		t.Error("bob not read")
	}
}
