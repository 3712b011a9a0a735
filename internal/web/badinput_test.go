package web

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// raw sends a request exactly as written, so that no client cleans the
// path or escapes the query on the way.
func raw(t *testing.T, base, method, target string, hdr map[string]string, body []byte) (int, http.Header, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: cctvd\r\nConnection: close\r\n", method, target)
	for k, v := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	if body != nil {
		if _, chunked := hdr["Transfer-Encoding"]; chunked {
			b.WriteString("\r\n")
			fmt.Fprintf(&b, "%x\r\n%s\r\n0\r\n\r\n", len(body), body)
		} else {
			fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
			b.Write(body)
		}
	} else {
		b.WriteString("\r\n")
	}
	// The request is written while the response is read: a server that
	// refuses a body early answers and closes without reading it all, and
	// the rest of the write then fails; that is not the test's failure.
	werr := make(chan error, 1)
	go func() {
		_, err := conn.Write(b.Bytes())
		werr <- err
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: method})
	if err != nil {
		conn.Close()
		t.Fatalf("%s %s: %v (writing: %v)", method, target, err, <-werr)
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(rb)
}

// badInput is one request that must be refused. The same table seeds the
// fuzzers of path and query parsing.
type badInput struct {
	name   string
	method string
	target string
	token  string // "" sends no Authorization
	body   []byte
	chunk  bool // send the body chunked, without a length
	want   int
}

const uploadToken = "s3cret-token"

func badInputs(junk, segment, big []byte) []badInput {
	long := strings.Repeat("a", 3000)
	return []badInput{
		{name: "dot-dot in path", target: "/2026-11-20/../../../etc/passwd", want: 400},
		{name: "escaped dot-dot in path", target: "/2026-11-20/%2e%2e/%2e%2e/etc/passwd", want: 400},
		{name: "escaped dot-dot as date", target: "/%2e%2e/%2e%2e/etc/passwd", want: 400},
		{name: "dot-dot name", target: "/2026-11-20/%2e%2e", want: 400},
		{name: "escaped slash in name", target: "/2026-11-20/..%2f..%2fetc%2fpasswd", want: 400},
		{name: "escaped slash after date", target: "/2026-11-20%2fseg1.ts", want: 404},
		{name: "escaped slash in date", target: "/2026%2f11-20/seg1.ts", want: 400},
		{name: "backslashes", target: `/2026-11-20/..\..\etc\passwd.ts`, want: 400},
		{name: "NUL in name", target: "/2026-11-20/seg1.ts%00", want: 400},
		{name: "NUL before extension", target: "/2026-11-20/seg1%00.ts", want: 400},
		{name: "3000-character name", target: "/2026-11-20/" + long + ".ts", want: 400},
		{name: "3000-character path", target: "/" + long, want: 404},
		{name: "symlink to /etc/passwd", target: "/2026-11-20/passwd.ts", want: 404},
		{name: "symlink inside the root", target: "/2026-11-20/inside.ts", want: 404},
		{name: "symlinked day folder", target: "/2026-11-19/seg1.ts", want: 404},
		{name: "not a date", target: "/2024-13-45/seg1.ts", want: 400},
		{name: "date without zeros", target: "/2026-11-2/seg1.ts", want: 400},
		{name: "missing day", target: "/2026-11-30/seg1.ts", want: 404},
		{name: "missing file", target: "/2026-11-20/seg99.ts", want: 404},
		{name: "hidden file", target: "/2026-11-20/.seg12.ts.Xy9k2Q", want: 400},
		{name: "not a served type", target: "/2026-11-20/notes.txt", want: 404},
		{name: "folder listing", target: "/2026-11-20", want: 404},
		{name: "folder listing with slash", target: "/2026-11-20/", want: 400},
		{name: "state folder", target: "/.cctvd/catalog/2026-11-20.gob", want: 400},
		{name: "absolute path", target: "//etc/passwd", want: 400},
		{name: "trailing slash", target: "/2026-11-20/seg1.ts/", want: 400},
		{name: "missing archive", target: "/2026-11-20/video.mp4", want: 404},
		{name: "unknown route", target: "/admin", want: 404},
		{name: "DELETE", method: "DELETE", target: "/2026-11-20/seg1.ts", want: 405},
		{name: "thumbnail dot-dot", target: "/thumb/%2e%2e/%2e%2e/etc/passwd", want: 400},
		{name: "thumbnail of a state file", target: "/thumb/2026-11-20/..%2f..%2fcatalog", want: 400},
		{name: "thumbnail of hour 24", target: "/thumb/2026-11-20/24.jpg", want: 400},
		{name: "thumbnail of no real date", target: "/thumb/2024-13-45/08.jpg", want: 400},
		{name: "missing thumbnail", target: "/thumb/2026-11-20/08.jpg", want: 404},
		{name: "static dot-dot", target: "/static/..%2fweb.go", want: 404},
		{name: "static source file", target: "/static/on_static.go", want: 404},

		{name: "dot-dot date", target: "/playlist.m3u8?date=../2026-11-20", want: 400},
		{name: "escaped dot-dot date", target: "/playlist.m3u8?date=%2e%2e%2f2026-11-20", want: 400},
		{name: "escaped slash in date", target: "/playlist.m3u8?date=2026-11-20%2f..", want: 400},
		{name: "NUL in date", target: "/playlist.m3u8?date=2026-11-20%00", want: 400},
		{name: "NUL in live", target: "/playlist.m3u8?date=2026-11-20&live=%00", want: 400},
		{name: "3000-character date", target: "/playlist.m3u8?date=" + long, want: 400},
		{name: "3000-character key", target: "/playlist.php?" + long + "=1&date=2026-11-20", want: 400},
		{name: "not a real date", target: "/playlist.m3u8?date=2024-13-45", want: 400},
		{name: "30 February", target: "/playlist.php?date=2026-02-30", want: 400},
		{name: "missing day's playlist", target: "/playlist.m3u8?date=2026-11-30", want: 404},
		{name: "semicolon", target: "/playlist.m3u8?date=2026-11-20;live=1", want: 400},
		{name: "bad escape", target: "/playlist.m3u8?date=%zz", want: 400},

		{name: "upload without token", method: "PUT", target: "/2026-11-25/seg1.ts", body: segment, want: 401},
		{name: "upload with a wrong token", method: "PUT", target: "/2026-11-25/seg1.ts", token: "Bearer wrong", body: segment, want: 401},
		{name: "upload with the token as Basic", method: "PUT", target: "/2026-11-25/seg1.ts", token: "Basic " + uploadToken, body: segment, want: 401},
		{name: "upload with a token prefix", method: "PUT", target: "/2026-11-25/seg1.ts", token: "Bearer " + uploadToken[:5], body: segment, want: 401},
		{name: "oversized upload", method: "PUT", target: "/2026-11-25/seg1.ts", token: "Bearer " + uploadToken, body: big, want: 413},
		{name: "oversized chunked upload", method: "PUT", target: "/2026-11-25/seg1.ts", token: "Bearer " + uploadToken, body: big, chunk: true, want: 413},
		{name: "junk upload", method: "PUT", target: "/2026-11-25/seg1.ts", token: "Bearer " + uploadToken, body: junk, want: 422},
		{name: "junk upload to a day", method: "PUT", target: "/2026-11-20/seg99.ts", token: "Bearer " + uploadToken, body: junk, want: 422},
		{name: "empty upload", method: "PUT", target: "/2026-11-25/seg1.ts", token: "Bearer " + uploadToken, body: []byte{}, want: 422},
		{name: "upload name with slash", method: "PUT", target: "/2026-11-25/sub%2fseg1.ts", token: "Bearer " + uploadToken, body: segment, want: 400},
		{name: "upload with dot-dot", method: "PUT", target: "/2026-11-25/../seg1.ts", token: "Bearer " + uploadToken, body: segment, want: 400},
		{name: "upload outside a day folder", method: "PUT", target: "/seg1.ts", token: "Bearer " + uploadToken, body: segment, want: 404},
		{name: "upload into a non-day folder", method: "PUT", target: "/notaday/seg1.ts", token: "Bearer " + uploadToken, body: segment, want: 400},
		{name: "upload to a bad date", method: "PUT", target: "/2024-13-45/seg1.ts", token: "Bearer " + uploadToken, body: segment, want: 400},
		{name: "upload a hidden name", method: "PUT", target: "/2026-11-25/.seg1.ts", token: "Bearer " + uploadToken, body: segment, want: 400},
		{name: "upload an mp4", method: "PUT", target: "/2026-11-25/video.mp4", token: "Bearer " + uploadToken, body: segment, want: 400},
		{name: "upload over a symlink", method: "PUT", target: "/2026-11-20/passwd.ts", token: "Bearer " + uploadToken, body: segment, want: 409},
		{name: "upload into a symlinked day", method: "PUT", target: "/2026-11-19/seg50.ts", token: "Bearer " + uploadToken, body: segment, want: 409},
	}
}

// tree lists every path under root with its size and modification time;
// for folders only their type, as creating and removing a temporary file
// moves a folder's time.
func tree(t *testing.T, root string) map[string]string {
	t.Helper()
	m := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		if d.IsDir() {
			m[p] = info.Mode().String()
		} else {
			m[p] = fmt.Sprintf("%v %d %d", info.Mode(), info.Size(), info.ModTime().UnixNano())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestBadInput(t *testing.T) {
	root := t.TempDir()
	dir := copyDir(t, root, messyDay)
	for link, target := range map[string]string{
		filepath.Join(dir, "passwd.ts"):   "/etc/passwd",
		filepath.Join(dir, "inside.ts"):   "seg1.ts",
		filepath.Join(root, "2026-11-19"): messyDay.String(),
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}
	l := start(t, root, liveOptions{token: uploadToken, max: 100_000})
	segment, err := os.ReadFile(filepath.Join(dir, "seg1.ts"))
	if err != nil {
		t.Fatal(err)
	}
	junk, err := os.ReadFile(filepath.Join(dir, "seg14.ts"))
	if err != nil {
		t.Fatal(err)
	}
	before := tree(t, root)
	passwd, _ := os.ReadFile("/etc/passwd")
	for _, tt := range badInputs(junk[:50_000], segment[:90_000], bytes.Repeat(segment, 2)) {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = "GET"
			}
			hdr := map[string]string{}
			if tt.token != "" {
				hdr["Authorization"] = tt.token
			}
			if tt.chunk {
				hdr["Transfer-Encoding"] = "chunked"
			}
			code, h, body := raw(t, l.url, method, tt.target, hdr, tt.body)
			if code != tt.want {
				t.Errorf("%s %.80s: %d %q, want %d", method, tt.target, code, body, tt.want)
			}
			if code < 400 || code >= 500 {
				t.Errorf("%s %.80s: %d, want 4xx", method, tt.target, code)
			}
			if len(body) > 200 || strings.Contains(body, root) || (len(passwd) > 0 && strings.Contains(body, string(passwd[:20]))) {
				t.Errorf("%s %.80s: body leaks or is long: %.200q", method, tt.target, body)
			}
			if ct := h.Get("Content-Type"); ct != "text/plain; charset=utf-8" {
				t.Errorf("Content-Type %q", ct)
			}
		})
	}
	after := tree(t, root)
	for p, v := range after {
		if before[p] != v {
			t.Errorf("left behind or changed: %s (%s, was %q)", p, v, before[p])
		}
	}
	for p := range before {
		if _, ok := after[p]; !ok {
			t.Errorf("gone: %s", p)
		}
	}
}
