package control

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	"github.com/cctvd/cctvd/internal/day"
	"github.com/cctvd/cctvd/internal/disk"
	"github.com/cctvd/cctvd/internal/token"
	cctvv1 "github.com/cctvd/cctvd/proto/cctv/v1"
)

// DefaultShutdownTimeout is how long Serve lets calls finish at shutdown
// before it cuts them off.
const DefaultShutdownTimeout = 5 * time.Second

// Config configures a Server.
type Config struct {
	// Addr is where to listen: unix:///path/cctvd.sock or tcp://host:port.
	Addr string
	// TLSCert and TLSKey are PEM files. TCP on an address other than
	// loopback needs them; on loopback they are optional; a unix socket
	// takes neither.
	TLSCert, TLSKey string
	// TokenFile holds the bearer token every call must carry
	// ("authorization: Bearer TOKEN"). TCP on an address other than
	// loopback needs it; elsewhere it is optional.
	TokenFile string

	// Version is cctvd's version, as GetStatus reports it.
	Version string
	// Root is the footage root; its file system's space is reported.
	Root string
	// Calendar must be the archiver's: it says when a day ends and when
	// it is due.
	Calendar day.Calendar
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// ShutdownTimeout bounds the graceful stop; 0 means DefaultShutdownTimeout.
	ShutdownTimeout time.Duration
}

// Deps are what the service reads and controls.
type Deps struct {
	// Cameras lists the cameras now (they appear while cctvd runs), the
	// default one first when present; each needs Days and Archiver. It is
	// called on every request, so it must be cheap and safe to call from
	// any goroutine. OneCamera serves a root of the default camera alone.
	Cameras func() []Camera
	// Errors, if set, feeds GetStatus's recent errors.
	Errors RecentErrors
	// Disk measures the file system holding a path; nil means statfs(2).
	Disk func(path string) (disk.Usage, error)
	// Retention keeps the holds and plans deletions; nil: retention is
	// off, and its RPCs answer FAILED_PRECONDITION.
	Retention Retention
	// Scrub, if set, re-hashes archives for ScrubDay and tells ListDays
	// what the last scrubs found; nil: ScrubDay is refused.
	Scrub Scrubber
	// Offsite, if set, tells where the days' off-site copies are; nil:
	// off-site copies are off.
	Offsite Offsite
}

// Server serves the control plane: CctvService, health and reflection.
type Server struct {
	cfg    Config
	log    *slog.Logger
	lis    net.Listener
	addr   address
	gs     *grpc.Server
	health *health.Server
	svc    *service
	closed chan struct{}
}

// New checks the configuration, reads the TLS files and the token, and
// listens, so that every mistake shows at start-up; Serve serves.
func New(cfg Config, deps Deps, log *slog.Logger) (*Server, error) {
	if err := deps.check(); err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	cfg = cfg.withDefaults()
	a, err := parseAddress(cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	log = log.With("component", "control")
	s := &Server{cfg: cfg, log: log, addr: a, health: health.NewServer(), closed: make(chan struct{})}
	// Logging comes first, so that refused calls are logged too.
	opts := []grpc.ServerOption{grpc.ChainUnaryInterceptor(s.logUnary), grpc.ChainStreamInterceptor(s.logStream)}
	sec, err := cfg.security(a)
	if err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	s.gs = grpc.NewServer(append(opts, sec...)...)
	svc := &service{
		listCameras: deps.Cameras, errs: deps.Errors, disk: deps.Disk, ret: deps.Retention,
		cal: cfg.Calendar, now: cfg.Now, root: cfg.Root, vers: cfg.Version, start: cfg.Now(), every: progressEvery,
		closed: s.closed, log: log, scrub: deps.Scrub, offsite: deps.Offsite,
	}
	if svc.disk == nil {
		svc.disk = disk.Measure
	}
	s.svc = svc
	cctvv1.RegisterCctvServiceServer(s.gs, svc)
	healthpb.RegisterHealthServer(s.gs, s.health)
	reflection.Register(s.gs)
	if s.lis, err = Listen(cfg.Addr); err != nil {
		return nil, fmt.Errorf("control: %w", err)
	}
	if a.network == "unix" {
		s.lis = peerListener{s.lis}
	}
	return s, nil
}

// check refuses deps the service cannot work with, at start-up rather
// than on the first request.
func (d Deps) check() error {
	if d.Cameras == nil {
		return errors.New("cameras are required")
	}
	for _, c := range d.Cameras() {
		if c.Days == nil || c.Archiver == nil {
			return fmt.Errorf("camera %q: days and archiver are required", c.Name)
		}
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	return c
}

// security is the server options the address and the files ask for: TLS
// and the token check. TCP beyond loopback without both is refused.
func (c Config) security(a address) ([]grpc.ServerOption, error) {
	withTLS := c.TLSCert != "" || c.TLSKey != ""
	switch {
	case withTLS && (c.TLSCert == "" || c.TLSKey == ""):
		return nil, errors.New("tls needs both a certificate and a key file")
	case withTLS && a.network != "tcp":
		return nil, fmt.Errorf("%s: tls is for tcp addresses; a unix socket is protected by its file mode", a)
	case a.network == "tcp" && !a.loopback() && (!withTLS || c.TokenFile == ""):
		return nil, fmt.Errorf("%s: %w (set the certificate, key and token files, or listen on 127.0.0.1 or a unix socket)", a, errInsecure)
	}
	var opts []grpc.ServerOption
	if withTLS {
		creds, err := loadTLS(c.TLSCert, c.TLSKey)
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.Creds(creds))
	}
	if c.TokenFile != "" {
		tok, err := token.Read(c.TokenFile)
		if err != nil {
			return nil, fmt.Errorf("token file: %w", err)
		}
		auth := newTokenAuth(tok)
		opts = append(opts, grpc.ChainUnaryInterceptor(auth.unary), grpc.ChainStreamInterceptor(auth.stream))
	}
	return opts, nil
}

// Addr is the address the server listens on (with the port TCP chose for :0).
func (s *Server) Addr() net.Addr { return s.lis.Addr() }

// Serve serves until ctx ends, then stops: health turns NOT_SERVING,
// ConvertDay streams end, calls under way get ShutdownTimeout to finish
// and are then cut off. It closes the listener (and removes the socket).
func (s *Server) Serve(ctx context.Context) error {
	s.health.SetServingStatus("", healthpb.HealthCheckResponse_SERVING)
	s.health.SetServingStatus(cctvv1.CctvService_ServiceDesc.ServiceName, healthpb.HealthCheckResponse_SERVING)
	served := make(chan error, 1)
	go func() { served <- s.gs.Serve(s.lis) }()
	// The address listened on, so that a port 0 is logged as the port taken.
	s.log.Info("control plane listening", "addr", address{network: s.addr.network, addr: s.lis.Addr().String()}.String(), "tls", s.cfg.TLSCert != "", "token", s.cfg.TokenFile != "")
	select {
	case err := <-served:
		s.health.Shutdown()
		return fmt.Errorf("control: serve: %w", err)
	case <-ctx.Done():
	}
	s.health.Shutdown()
	close(s.closed)
	s.stop()
	// A stop that comes before the goroutine reached Serve makes Serve
	// return ErrServerStopped: a SIGTERM right after start-up is a clean
	// stop all the same (test/kill9's retention phase met it).
	if err := <-served; err != nil && !errors.Is(err, grpc.ErrServerStopped) {
		return fmt.Errorf("control: serve: %w", err)
	}
	s.log.Info("control plane stopped")
	return nil
}

// stop lets calls under way finish, for ShutdownTimeout at most.
func (s *Server) stop() {
	done := make(chan struct{})
	go func() {
		s.gs.GracefulStop()
		close(done)
	}()
	t := time.NewTimer(s.cfg.ShutdownTimeout)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		s.log.Warn("calls still running at shutdown; cutting them off", "timeout", s.cfg.ShutdownTimeout)
		s.gs.Stop()
		<-done
	}
}

// Close releases the listener of a Server whose Serve was never called.
func (s *Server) Close() error {
	s.gs.Stop()
	return s.lis.Close()
}
