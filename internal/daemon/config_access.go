package daemon

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strings"

	"github.com/cctvd/cctvd/internal/access"
)

func (c *Config) accessFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.UsersFile, "users-file", "", "users who may watch (NAME ROLE BCRYPT-HASH a line; cctvctl user add): the page asks them to log in")
	fs.BoolVar(&c.HTTPAnonymous, "http-anonymous", false, "let anyone who reaches --http watch every camera, off loopback too (a closed LAN)")
	fs.StringVar(&c.HTTPTLSCert, "http-tls-cert", "", "TLS certificate (PEM) for --http: serve HTTPS; read again on SIGHUP")
	fs.StringVar(&c.HTTPTLSKey, "http-tls-key", "", "TLS key (PEM) for --http; read again on SIGHUP")
}

// loopbackHost reports a listen address only this machine can reach, the
// same rule as the control plane's TCP listener.
func loopbackHost(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkAccess applies the rule for --http: off loopback it needs a users
// file and TLS (passwords and cookies must not cross the network in clear
// text), unless the owner opts into anonymous viewing.
func (c *Config) checkAccess() error {
	if (c.HTTPTLSCert == "") != (c.HTTPTLSKey == "") {
		return errors.New("--http-tls-cert and --http-tls-key go together: give both or neither")
	}
	if c.UsersFile != "" && c.HTTPAnonymous {
		return errors.New("--http-anonymous and --users-file: choose one (anonymous viewing needs no users)")
	}
	if c.HTTP == "" || c.HTTPAnonymous || loopbackHost(c.HTTP) {
		return nil
	}
	var add []string
	if c.UsersFile == "" {
		add = append(add, "--users-file (make one with cctvctl user add NAME --users-file FILE)")
	}
	if c.HTTPTLSCert == "" {
		add = append(add, "--http-tls-cert and --http-tls-key")
	}
	if len(add) == 0 {
		return nil
	}
	return fmt.Errorf("--http %s is reachable from other machines: add %s; or listen on 127.0.0.1 (behind a TLS proxy); "+
		"or pass --http-anonymous to let anyone who reaches it watch every camera (a closed LAN only)", c.HTTP, strings.Join(add, " and "))
}

// accessMode says who may watch, for --check-config and the start-up log.
func (c Config) accessMode() string {
	scheme := "http"
	if c.HTTPTLSCert != "" {
		scheme = "https (" + c.HTTPTLSCert + ", read again on SIGHUP)"
	}
	switch {
	case c.HTTP == "":
		return "off"
	case c.UsersFile != "":
		return "login: users of " + c.UsersFile + "; " + scheme
	case c.HTTPAnonymous && !loopbackHost(c.HTTP):
		return "anonymous (--http-anonymous): anyone who reaches " + c.HTTP + " watches every camera; " + scheme
	}
	return "anonymous: loopback only; " + scheme
}

// checkAccessFiles reads the users file and the certificate as a start
// would, and writes the access line.
func (c Config) checkAccessFiles(w io.Writer) error {
	mode := c.accessMode()
	if c.UsersFile != "" {
		users, err := access.ReadUsersFile(c.UsersFile)
		if err != nil {
			return err
		}
		mode += fmt.Sprintf(" (%d users)", len(users))
	}
	if c.HTTPTLSCert != "" {
		if _, err := access.LoadCert(c.HTTPTLSCert, c.HTTPTLSKey); err != nil {
			return err
		}
	}
	_, err := fmt.Fprintf(w, "access  %s\n", mode)
	return err
}
