package daemon_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/footage"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cctvd test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool}
}

// issue writes a server certificate for 127.0.0.1 with serial, and its
// key, to certFile and keyFile, each renamed into place as a renewal does.
func (ca *testCA) issue(t *testing.T, serial int64, certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	kb, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	writeRenamed(t, keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}))
	writeRenamed(t, certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

func writeRenamed(t *testing.T, path string, b []byte) {
	t.Helper()
	tmp := path + ".new"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// addUser runs cctvctl user add as README says, the password on stdin.
func addUser(t *testing.T, users, name, role, password string, verb ...string) {
	t.Helper()
	args := []string{"user", "add", name, "--users-file", users, "--password-stdin"}
	if len(verb) > 0 {
		args[1] = verb[0]
	}
	if role != "" {
		args = append(args, "--role", role)
	}
	cmd := exec.Command(filepath.Join(bin, "cctvctl"), args...)
	cmd.Stdin = strings.NewReader(password + "\n")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cctvctl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// TestAccess runs the real cctvd with a users file made by cctvctl user
// and a certificate of a test CA: HTTPS; logins and basic auth; ffmpeg
// plays a protected playlist over HTTPS as README shows; the certificate
// is renewed and read again on SIGHUP (a broken renewal keeps the old
// one); a new password ends a session; no secret reaches the log.
func TestAccess(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds and runs cctvd, and ffmpeg")
	}
	root := t.TempDir()
	// A past day: its playlist ends, so ffmpeg reads it to the end and stops.
	past := day.Of(time.Now()).AddDays(-2)
	dir := filepath.Join(root, past.String())
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := footage.Record(context.Background(), footage.Run{Dir: dir, Segments: 3, First: 1, Start: past.Start(time.Local).Add(9*time.Hour + 153192286)}); err != nil {
		t.Fatal(err)
	}
	etc := t.TempDir()
	users := filepath.Join(etc, "users")
	const alicePW, olgaPW = "hunter2 is weak", "p@ss:w/rd%"
	addUser(t, users, "alice", "", alicePW)
	addUser(t, users, "olga", "operator", olgaPW)
	if fi, err := os.Stat(users); err != nil || fi.Mode().Perm() != 0o640 {
		t.Fatalf("users file: %v, mode %v; want 0640", err, fi.Mode().Perm())
	}
	ca := newTestCA(t)
	certFile, keyFile := filepath.Join(etc, "cert.pem"), filepath.Join(etc, "key.pem")
	ca.issue(t, 100, certFile, keyFile)
	d := start(t, root, "--settle", "10000h", "--users-file", users, "--http-tls-cert", certFile, "--http-tls-key", keyFile)
	base := "https://" + d.HTTP

	// A new transport each time: a new TLS handshake sees the certificate served now.
	client := func() *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.pool}},
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	get := func(path string, set func(*http.Request)) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", base+path, nil)
		if set != nil {
			set(req)
		}
		resp, err := client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	serial := func() int64 { return get("/healthz", nil).TLS.PeerCertificates[0].SerialNumber.Int64() }

	if r := get("/healthz", nil); r.StatusCode != 200 || serial() != 100 {
		t.Fatalf("/healthz over https: %d, serial %d", r.StatusCode, serial())
	}
	if r := get("/", nil); r.StatusCode != 401 {
		t.Errorf("/ without a login: %d, want 401", r.StatusCode)
	}
	resp, err := client().PostForm(base+"/login", url.Values{"user": {"alice"}, "password": {alicePW}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		session = c
	}
	if resp.StatusCode != 303 || session == nil || !session.Secure || !session.HttpOnly {
		t.Fatalf("login over https: %d, cookie %+v: want 303 and a Secure, HttpOnly cookie", resp.StatusCode, session)
	}
	withSession := func(r *http.Request) { r.AddCookie(session) }
	if r := get("/", withSession); r.StatusCode != 200 {
		t.Errorf("/ with the session: %d", r.StatusCode)
	}
	if r := get("/metrics", withSession); r.StatusCode != 403 {
		t.Errorf("/metrics as a viewer: %d, want 403", r.StatusCode)
	}
	if r := get("/metrics", func(r *http.Request) { r.SetBasicAuth("olga", olgaPW) }); r.StatusCode != 200 {
		t.Errorf("/metrics as an operator: %d, want 200", r.StatusCode)
	}

	t.Run("ffmpeg plays a protected playlist", func(t *testing.T) {
		// README's command: the password percent-encoded in the URL.
		src := "https://" + url.UserPassword("olga", olgaPW).String() + "@" + d.HTTP + "/playlist.m3u8?date=" + past.String()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostdin", "-i", src, "-c", "copy", "-f", "null", "-").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "time=00:00:29") {
			t.Fatalf("ffmpeg: %v\n%s", err, out)
		}
	})

	t.Run("SIGHUP reads a renewed certificate", func(t *testing.T) {
		ca.issue(t, 101, certFile, keyFile)
		if serial() != 100 {
			t.Fatal("the new certificate is served before SIGHUP")
		}
		if err := d.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() (string, bool) { return "certificate reloaded", d.Logged("INFO", "certificate reloaded") == 1 })
		if got := serial(); got != 101 {
			t.Errorf("after SIGHUP: serial %d, want 101", got)
		}
		// A broken renewal is logged, and the certificate served stays.
		writeRenamed(t, certFile, []byte("not a certificate\n"))
		if err := d.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		waitFor(t, func() (string, bool) {
			return "certificate not reloaded", d.Logged("ERROR", "certificate not reloaded") == 1
		})
		if got := serial(); got != 101 {
			t.Errorf("after a broken renewal: serial %d, want 101 still", got)
		}
	})

	t.Run("a new password ends the session", func(t *testing.T) {
		addUser(t, users, "alice", "", "a new password", "passwd")
		if r := get("/", withSession); r.StatusCode != 401 {
			t.Errorf("old session after cctvctl user passwd: %d, want 401", r.StatusCode)
		}
		if r := get("/", func(r *http.Request) { r.SetBasicAuth("alice", "a new password") }); r.StatusCode != 200 {
			t.Errorf("the new password: %d, want 200", r.StatusCode)
		}
	})

	d.Stop(t, 10*time.Second)
	log := d.Log()
	for _, secret := range []string{alicePW, olgaPW, url.UserPassword("olga", olgaPW).String(), "a new password", session.Value} {
		if strings.Contains(log, secret) {
			t.Errorf("cctvd's log holds a secret: %q", secret)
		}
	}
	if !strings.Contains(log, `"user":"alice"`) {
		t.Error("the login is not in the log")
	}
}

// TestAccessOffLoopback: off loopback, cctvd wants users and TLS, or the
// explicit anonymous flag; --check-config says which access a start has.
func TestAccessOffLoopback(t *testing.T) {
	root := t.TempDir()
	users := filepath.Join(t.TempDir(), "users")
	addUser(t, users, "alice", "", "pw")
	for _, tc := range []struct {
		name    string
		args    []string
		ok      bool
		want    string // in stdout when ok, in stderr when not
		without string // not in stderr
	}{
		{name: "nothing", args: []string{"--http", "0.0.0.0:8080"},
			want: "--http 0.0.0.0:8080 is reachable from other machines: add --users-file (make one with cctvctl user add NAME --users-file FILE) and --http-tls-cert and --http-tls-key"},
		{name: "users without tls", args: []string{"--http", ":8080", "--users-file", users}, want: "add --http-tls-cert and --http-tls-key;", without: "add --users-file"},
		{name: "the message names the opt-in", args: []string{"--http", "192.0.2.1:80"}, want: "or pass --http-anonymous to let anyone who reaches it watch every camera"},
		{name: "anonymous", args: []string{"--http", "0.0.0.0:8080", "--http-anonymous"}, ok: true,
			want: "access  anonymous (--http-anonymous): anyone who reaches 0.0.0.0:8080 watches every camera; http\n"},
		{name: "loopback", args: []string{"--http", "127.0.0.1:8080"}, ok: true, want: "access  anonymous: loopback only; http\n"},
		{name: "users on loopback", args: []string{"--http", "localhost:8080", "--users-file", users}, ok: true, want: "access  login: users of " + users + "; http (1 users)\n"},
		{name: "users and anonymous", args: []string{"--users-file", users, "--http-anonymous"}, want: "--http-anonymous and --users-file: choose one"},
		{name: "cert without key", args: []string{"--http-tls-cert", "c.pem"}, want: "--http-tls-cert and --http-tls-key go together"},
		{name: "users file open to all", args: []string{"--users-file", users + ".open"}, want: "is open to every user of the machine"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if strings.HasSuffix(tc.name, "open to all") {
				b, _ := os.ReadFile(users)
				os.WriteFile(users+".open", b, 0o644)
				os.Chmod(users+".open", 0o644)
			}
			cmd := exec.Command(filepath.Join(bin, "cctvd"), append([]string{"--root", root, "--check-config"}, tc.args...)...)
			var stdout, stderr strings.Builder
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			switch {
			case tc.ok && err != nil:
				t.Fatalf("%v\n%s", err, stderr.String())
			case !tc.ok && err == nil:
				t.Fatalf("passed:\n%s", stdout.String())
			case tc.ok && !strings.Contains(stdout.String(), tc.want):
				t.Errorf("printed\n%s\nwant %q", stdout.String(), tc.want)
			case !tc.ok && !strings.Contains(stderr.String(), tc.want):
				t.Errorf("said\n%s\nwant %q", stderr.String(), tc.want)
			}
			if tc.without != "" && strings.Contains(stderr.String(), tc.without) {
				t.Errorf("said %q", tc.without)
			}
		})
	}
	// A start, not only the check, refuses.
	out, err := exec.Command(filepath.Join(bin, "cctvd"), "--root", root, "--http", "0.0.0.0:0").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "--http-anonymous") {
		t.Errorf("cctvd on 0.0.0.0 with nothing: %v\n%s", err, out)
	}
}
