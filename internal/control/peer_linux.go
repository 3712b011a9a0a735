//go:build linux

package control

import (
	"net"
	"syscall"
)

// peerUID is the user id of the process at the other end of a unix
// socket connection (SO_PEERCRED), as the kernel vouches for it.
func peerUID(c net.Conn) (uint32, bool) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return 0, false
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return 0, false
	}
	var cred *syscall.Ucred
	if err := raw.Control(func(fd uintptr) {
		cred, _ = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil || cred == nil {
		return 0, false
	}
	return cred.Uid, true
}
