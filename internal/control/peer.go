package control

import (
	"context"
	"net"
	"os/user"
	"strconv"

	"google.golang.org/grpc/peer"
)

// peerListener tags each unix socket connection with its peer's user, so
// that a hold records who asked: gRPC takes a connection's RemoteAddr as
// the peer's address.
type peerListener struct{ net.Listener }

func (l peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return c, err
	}
	if uid, ok := peerUID(c); ok {
		return &peerConn{Conn: c, addr: peerAddr{Addr: c.RemoteAddr(), uid: uid}}, nil
	}
	return c, nil
}

type peerConn struct {
	net.Conn
	addr peerAddr
}

func (c *peerConn) RemoteAddr() net.Addr { return c.addr }

// peerAddr is a unix socket peer with its user id.
type peerAddr struct {
	net.Addr // may be nil: the client's socket has no name
	uid      uint32
}

func (a peerAddr) Network() string { return "unix" }
func (a peerAddr) String() string  { return "uid " + strconv.FormatUint(uint64(a.uid), 10) }

// who is the user behind a call: the unix user name of a peer on the unix
// socket (its uid when it has no name), else "control API".
func who(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return "control API"
	}
	a, ok := p.Addr.(peerAddr)
	if !ok {
		return "control API"
	}
	id := strconv.FormatUint(uint64(a.uid), 10)
	if u, err := user.LookupId(id); err == nil && u.Username != "" {
		return u.Username
	}
	return "uid " + id
}
