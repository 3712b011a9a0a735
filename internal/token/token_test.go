package token

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		want    string
		wantErr error  // matched with errors.Is
		wantMsg string // in the error, after the file's name
	}{
		{name: "one line", content: "s3cret\n", mode: 0o600, want: "s3cret"},
		{name: "no newline", content: "s3cret", mode: 0o600, want: "s3cret"},
		{name: "white space around", content: " \t s3cret \r\n\n", mode: 0o600, want: "s3cret"},
		{name: "group may read", content: "s3cret\n", mode: 0o640, want: "s3cret"},
		{name: "owner only, read-only", content: "s3cret\n", mode: 0o400, want: "s3cret"},
		{name: "empty", content: "", mode: 0o600, wantErr: ErrEmpty, wantMsg: " is empty"},
		{name: "only white space", content: " \n\t\n", mode: 0o600, wantErr: ErrEmpty, wantMsg: " is empty"},
		{name: "two words", content: "s3cret token\n", mode: 0o600, wantErr: ErrNotOneWord, wantMsg: " holds more than one word"},
		{name: "two lines", content: "s3cret\nother\n", mode: 0o600, wantErr: ErrNotOneWord, wantMsg: " holds more than one word"},
		{name: "no-break space inside", content: "s3\u00a0cret\n", mode: 0o600, wantErr: ErrNotOneWord, wantMsg: " holds more than one word"},
		{name: "every user may read", content: "s3cret\n", mode: 0o644, wantErr: ErrOpenToOthers, wantMsg: " is open to every user of the machine (mode 0644): chmod o-rwx it"},
		{name: "every user may write", content: "s3cret\n", mode: 0o602, wantErr: ErrOpenToOthers, wantMsg: "(mode 0602)"},
		{name: "open to others and empty", content: "", mode: 0o604, wantErr: ErrOpenToOthers, wantMsg: "(mode 0604)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "token")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil { // past the umask
				t.Fatal(err)
			}
			got, err := Read(path)
			if got != tc.want || !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) {
				t.Fatalf("Read = %q, %v; want %q, %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && (!strings.HasPrefix(err.Error(), path) || !strings.Contains(err.Error(), tc.wantMsg)) {
				t.Errorf("error %q: want the file's name, then %q", err, tc.wantMsg)
			}
		})
	}
}

func TestReadMissing(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		path string
		want error
	}{
		{name: "no such file", path: filepath.Join(dir, "missing"), want: fs.ErrNotExist},
		{name: "a folder", path: dir, want: nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Read(tc.path)
			if err == nil || got != "" || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Read = %q, %v; want an error (%v)", got, err, tc.want)
			}
			if err != nil && !strings.Contains(err.Error(), tc.path) {
				t.Errorf("error %q does not name %s", err, tc.path)
			}
		})
	}
}
