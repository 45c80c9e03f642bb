// Package instance holds this process's service.instance.id when none is
// given: a random (version 4) UUID, made once per process, as the semantic
// conventions recommend for a service with no inherent unique ID.
package instance

import (
	"crypto/rand"
	"fmt"
	"sync"
)

// ID returns this process's instance ID. Every caller in the process gets
// the same one, so that a System restarted within the process keeps its
// series, and a declarative configuration names the same instance.
var ID = sync.OnceValue(func() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // the RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
})
