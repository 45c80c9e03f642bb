package vitals_test

import (
	"regexp"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelvitals/vitals"
)

// uuid4 matches a version 4, RFC 4122 variant UUID.
var uuid4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// instanceOf returns the service.instance.id of the resource sys built.
func instanceOf(t *testing.T, sys *vitals.System) string {
	t.Helper()
	v, ok := sys.Resource().Set().Value("service.instance.id")
	if !ok {
		t.Fatal("the resource has no service.instance.id")
	}
	return v.AsString()
}

// TestServiceInstanceID checks that the resource carries a
// service.instance.id: a random UUID when none is given, the same for every
// System of the process (so a restart within it keeps its series), and the
// one OTEL_RESOURCE_ATTRIBUTES or WithResource gives otherwise.
func TestServiceInstanceID(t *testing.T) {
	a, _ := startManual(t)
	b, _ := startManual(t)
	id := instanceOf(t, a)
	if !uuid4.MatchString(id) {
		t.Errorf("generated service.instance.id %q is not a version 4 UUID", id)
	}
	if other := instanceOf(t, b); other != id {
		t.Errorf("two Systems of one process: %q and %q", id, other)
	}

	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "service.instance.id=checkout-7f9c")
	c, _ := startManual(t)
	if got := instanceOf(t, c); got != "checkout-7f9c" {
		t.Errorf("with OTEL_RESOURCE_ATTRIBUTES: %q", got)
	}
	d, _ := startManual(t, vitals.WithResource(resource.NewSchemaless(attribute.String("service.instance.id", "pod-3"))))
	if got := instanceOf(t, d); got != "pod-3" {
		t.Errorf("with WithResource: %q", got)
	}
}
