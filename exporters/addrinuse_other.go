//go:build !unix && !js && !wasip1 && !windows

package exporters

// addrInUse reports whether err is the system's "address already in use",
// which this system does not tell apart.
func addrInUse(error) bool { return false }
