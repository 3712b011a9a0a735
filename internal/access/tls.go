package access

import (
	"crypto/tls"
	"fmt"
	"sync/atomic"
)

// Cert is a TLS certificate read from PEM files and read again on Reload:
// a renewed certificate (certbot, a local CA) is served from the next
// handshake on, without a restart and without dropping connections.
type Cert struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// LoadCert reads a certificate and its key.
func LoadCert(certFile, keyFile string) (*Cert, error) {
	c := &Cert{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again; on an error the certificate served so
// far stays, so a half-written renewal does not take the site down.
func (c *Cert) Reload() error {
	cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("http tls: %w", err)
	}
	c.cur.Store(&cert)
	return nil
}

// Leaf is the certificate served now.
func (c *Cert) Leaf() *tls.Certificate { return c.cur.Load() }

// Config is a server TLS config that serves the current certificate.
func (c *Cert) Config() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return c.cur.Load(), nil
		},
		NextProtos: []string{"http/1.1"},
	}
}
