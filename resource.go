package vitals

import (
	"go.opentelemetry.io/otel/sdk/resource"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/otelvitals/vitals/internal/instance"
)

// instanceResource is the resource that carries the generated
// service.instance.id (see package internal/instance); what
// OTEL_RESOURCE_ATTRIBUTES, OTEL_SERVICE_NAME or WithResource give is
// merged over it, so a given ID wins.
func instanceResource() *resource.Resource {
	return resource.NewSchemaless(otelsemconv.ServiceInstanceID(instance.ID()))
}
