package daemon

import (
	"context"
	"crypto/tls"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"github.com/cctvd/cctvd/internal/access"
)

// httpAccess is who may use the HTTP listener: the gate of the users
// file (nil: anonymous) and the TLS certificate (nil: plain HTTP).
type httpAccess struct {
	gate *access.Gate
	cert *access.Cert
}

// buildAccess reads the users file, the session key and the certificate,
// and turns the HTTP listener into a TLS one if asked.
func (c *components) buildAccess() error {
	cfg := c.cfg
	if cfg.HTTPTLSCert != "" {
		cert, err := access.LoadCert(cfg.HTTPTLSCert, cfg.HTTPTLSKey)
		if err != nil {
			return err
		}
		c.access.cert = cert
		if c.httpLn != nil {
			c.httpLn = tls.NewListener(c.httpLn, cert.Config())
		}
	}
	if cfg.UsersFile != "" {
		// The gate guards a handler run builds later; it reads it then.
		g, err := access.New(access.Config{UsersFile: cfg.UsersFile, StateDir: cfg.StateDir}, http.HandlerFunc(c.serveSite), c.log)
		if err != nil {
			return err
		}
		c.access.gate = g
		c.log.Info("http needs a login", "users_file", cfg.UsersFile, "users", g.Users())
	} else if cfg.HTTP != "" && !loopbackHost(cfg.HTTP) {
		c.log.Warn("http is anonymous: anyone who reaches it watches every camera (--http-anonymous); add users with cctvctl user add and --users-file", "addr", cfg.HTTP)
	}
	return nil
}

// guard puts the gate, if any, in front of the site.
func (c *components) guard(site http.Handler) http.Handler {
	c.siteHandler = site
	if c.access.gate == nil {
		return site
	}
	return c.access.gate
}

func (c *components) serveSite(w http.ResponseWriter, r *http.Request) {
	c.siteHandler.ServeHTTP(w, r)
}

// reloadOnHUP reads the certificate again on SIGHUP (systemctl reload
// cctvd), so a renewed one is served without a restart. The users file
// needs no signal: the gate reads it again when it changes.
func (c *components) reloadOnHUP(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	log := c.log.With("component", "http")
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			if c.access.cert == nil {
				log.Info("SIGHUP: nothing to reload (no --http-tls-cert)")
				continue
			}
			if err := c.access.cert.Reload(); err != nil {
				log.Error("SIGHUP: certificate not reloaded; the one before is still served", "err", err)
				continue
			}
			log.Info("SIGHUP: certificate reloaded", "cert", c.cfg.HTTPTLSCert)
		}
	}
}

func closeListeners(lns ...interface{ Close() error }) {
	for _, ln := range lns {
		if ln != nil {
			ln.Close()
		}
	}
}

// logoutURL is the logout page the site's pages link to when viewers log in.
func logoutURL(cfg Config) string {
	if cfg.UsersFile == "" {
		return ""
	}
	return access.LogoutPath
}
