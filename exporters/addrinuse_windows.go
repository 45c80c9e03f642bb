package exporters

import (
	"errors"
	"syscall"
)

// wsaeaddrinuse is Winsock's WSAEADDRINUSE, which package syscall does not
// name.
const wsaeaddrinuse = syscall.Errno(10048)

// addrInUse reports whether err is the system's "address already in use".
func addrInUse(err error) bool { return errors.Is(err, wsaeaddrinuse) }
