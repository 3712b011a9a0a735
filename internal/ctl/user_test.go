package ctl

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/cctvd/cctvd/internal/access"
)

// TestUser edits a users file through cctvctl user as an owner would:
// each step's exit code, output, and the file it leaves.
func TestUser(t *testing.T) {
	file := filepath.Join(t.TempDir(), "users")
	for _, tc := range []struct {
		name      string
		args      []string
		stdin     string
		terminal  []string // what the terminal answers, one line a prompt; nil: not a terminal
		wantCode  int
		wantOut   string            // in stdout (code 0) or in stderr
		wantUsers map[string]string // name → role:password afterwards
	}{
		{name: "add from stdin", args: []string{"user", "add", "alice", "--password-stdin"}, stdin: "pass word\n",
			wantOut: "added alice (viewer)", wantUsers: map[string]string{"alice": "viewer:pass word"}},
		{name: "add from the terminal", args: []string{"user", "add", "olga", "--role", "operator"}, terminal: []string{"t0p", "t0p"},
			wantOut: "added olga (operator)", wantUsers: map[string]string{"alice": "viewer:pass word", "olga": "operator:t0p"}},
		{name: "twice", args: []string{"user", "add", "alice", "--password-stdin"}, stdin: "x\n", wantCode: 1,
			wantOut: "user alice is there already", wantUsers: map[string]string{"alice": "viewer:pass word", "olga": "operator:t0p"}},
		{name: "typed twice differently", args: []string{"user", "passwd", "alice"}, terminal: []string{"a", "b"}, wantCode: 2,
			wantOut: "the passwords differ", wantUsers: map[string]string{"alice": "viewer:pass word", "olga": "operator:t0p"}},
		{name: "no terminal, no --password-stdin", args: []string{"user", "add", "bob"}, wantCode: 2, wantOut: "pass --password-stdin"},
		{name: "passwd keeps the role", args: []string{"user", "passwd", "olga", "--password-stdin"}, stdin: "new\n",
			wantOut: "changed olga's password", wantUsers: map[string]string{"alice": "viewer:pass word", "olga": "operator:new"}},
		{name: "passwd with a role", args: []string{"user", "passwd", "alice", "--role", "operator", "--password-stdin"}, stdin: "pw2\n",
			wantUsers: map[string]string{"alice": "operator:pw2", "olga": "operator:new"}},
		{name: "del", args: []string{"user", "del", "olga"}, wantOut: "deleted olga", wantUsers: map[string]string{"alice": "operator:pw2"}},
		{name: "del unknown", args: []string{"user", "del", "olga"}, wantCode: 1, wantOut: "no user olga"},
		{name: "bad name", args: []string{"user", "add", "a b", "--password-stdin"}, stdin: "x\n", wantCode: 2, wantOut: "user name"},
		{name: "bad role", args: []string{"user", "add", "bob", "--role", "admin", "--password-stdin"}, stdin: "x\n", wantCode: 2, wantOut: `role "admin"`},
		{name: "empty password", args: []string{"user", "add", "bob", "--password-stdin"}, stdin: "\n", wantCode: 2, wantOut: "empty password"},
		{name: "unknown action", args: []string{"user", "rename", "bob"}, wantCode: 2, wantOut: "unknown action"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			c := &CLI{Stdout: &stdout, Stderr: &stderr, Env: func(string) string { return "" }, Stdin: strings.NewReader(tc.stdin)}
			if tc.terminal != nil {
				answers := tc.terminal
				c.ReadPassword = func() ([]byte, error) {
					if len(answers) == 0 {
						return nil, errors.New("no more input")
					}
					a := answers[0]
					answers = answers[1:]
					return []byte(a), nil
				}
			}
			err := c.Run(context.Background(), append(tc.args, "--users-file", file))
			if code := ExitCode(err); code != tc.wantCode {
				t.Fatalf("exit %d (%v), want %d", code, err, tc.wantCode)
			}
			out := stdout.String()
			if err != nil {
				out = err.Error()
			}
			if !strings.Contains(out, tc.wantOut) {
				t.Errorf("said %q, want %q in it", out, tc.wantOut)
			}
			for _, secret := range []string{"pass word", "t0p", "pw2"} {
				if strings.Contains(stdout.String()+stderr.String(), secret) {
					t.Errorf("printed the password %q", secret)
				}
			}
			if tc.wantUsers == nil {
				return
			}
			users, err := access.ReadUsersFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, u := range users {
				_, pw, _ := strings.Cut(tc.wantUsers[u.Name], ":")
				if bcrypt.CompareHashAndPassword([]byte(u.Hash), []byte(pw)) != nil {
					pw = "(another password)"
				}
				got[u.Name] = u.Role.String() + ":" + pw
			}
			if len(got) != len(tc.wantUsers) {
				t.Errorf("users %v, want %v", got, tc.wantUsers)
			}
			for n, w := range tc.wantUsers {
				if got[n] != w {
					t.Errorf("user %s: %s, want %s", n, got[n], w)
				}
			}
			if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != access.UsersFileMode {
				t.Errorf("users file mode %v (%v), want %v", fi.Mode().Perm(), err, os.FileMode(access.UsersFileMode))
			}
		})
	}
}
