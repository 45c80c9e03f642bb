package exporters

import (
	"context"
	"errors"
	"strings"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// TestNewDeclarativeDispatches checks NewDeclarative's part: the path of
// OTEL_CONFIG_FILE (or, with a warning, of its deprecated name) and the
// options go to the registered builder; with none registered the error is
// ErrNoDeclarative, naming the import; without a file, ErrInvalidSetting.
// The builder itself is integrations/declarative's, tested there.
func TestNewDeclarativeDispatches(t *testing.T) {
	clearEnv(t)
	got := warnings(t)
	t.Cleanup(func() { RegisterDeclarative(nil) })
	if _, err := NewDeclarative(context.Background()); !errors.Is(err, ErrInvalidSetting) {
		t.Errorf("without OTEL_CONFIG_FILE: %v, want ErrInvalidSetting", err)
	}
	t.Setenv("OTEL_CONFIG_FILE", "vitals.yaml")
	if d, err := NewDeclarative(context.Background()); d != nil || !errors.Is(err, ErrNoDeclarative) ||
		!strings.Contains(err.Error(), `import _ "github.com/otelvitals/vitals/integrations/declarative"`) {
		t.Errorf("without a builder: %v, %v; want ErrNoDeclarative naming the import", d, err)
	}
	var path string
	var nopts int
	RegisterDeclarative(func(_ context.Context, p string, opts ...sdkmetric.Option) (DeclarativeSDK, error) {
		path, nopts = p, len(opts)
		return nil, errors.New("built")
	})
	if _, err := NewDeclarative(context.Background(), sdkmetric.WithReader(sdkmetric.NewManualReader())); err == nil || err.Error() != "built" || path != "vitals.yaml" || nopts != 1 {
		t.Errorf("with a builder: %v, path %q, %d options; want its result, vitals.yaml and 1", err, path, nopts)
	}
	t.Setenv("OTEL_CONFIG_FILE", "")
	t.Setenv("OTEL_EXPERIMENTAL_CONFIG_FILE", "old.yaml")
	if _, _ = NewDeclarative(context.Background()); path != "old.yaml" {
		t.Errorf("the deprecated name gave path %q, want old.yaml", path)
	}
	checkWarnings(t, got(), []string{
		`exporters: invalid setting: OTEL_EXPERIMENTAL_CONFIG_FILE="old.yaml": want OTEL_CONFIG_FILE, the variable's current name; used, but deprecated`,
	})
}
