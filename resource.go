package vitals

import (
	"crypto/rand"
	"fmt"
	"sync"

	"go.opentelemetry.io/otel/sdk/resource"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// instanceID is this process's service.instance.id when none is given: a
// random (version 4) UUID, made once per process, as the semantic
// conventions recommend for a service with no inherent unique ID. Every
// System of the process shares it, so that restarting one in the process
// does not start new series.
var instanceID = sync.OnceValue(func() string {
	var b [16]byte
	_, _ = rand.Read(b[:])  // crypto/rand.Read never fails
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // the RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
})

// instanceResource is the resource that carries the generated
// service.instance.id; what OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME or
// WithResource give is merged over it, so a given ID wins.
func instanceResource() *resource.Resource {
	return resource.NewSchemaless(otelsemconv.ServiceInstanceID(instanceID()))
}
