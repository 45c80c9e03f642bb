package exporters

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
)

// ConfigFile returns the path OTEL_CONFIG_FILE names, or "" when it is
// unset or blank. When it is set, the declarative configuration file
// configures the SDK ([NewDeclarative]) and every other OTEL_* variable
// is ignored, as the specification says, but for those the file itself
// refers to. Without it, OTEL_EXPERIMENTAL_CONFIG_FILE, the deprecated
// name, is used, and reported through [go.opentelemetry.io/otel.Handle]
// as deprecated.
func ConfigFile() string {
	if f := os.Getenv("OTEL_CONFIG_FILE"); strings.TrimSpace(f) != "" {
		return f
	}
	if f := os.Getenv("OTEL_EXPERIMENTAL_CONFIG_FILE"); strings.TrimSpace(f) != "" {
		warnEnv("OTEL_EXPERIMENTAL_CONFIG_FILE", f, "OTEL_CONFIG_FILE, the variable's current name", "used, but deprecated")
		return f
	}
	return ""
}

// DeclarativeSDK is the OpenTelemetry SDK a declarative configuration file
// describes: its MeterProvider with the file's readers, views and
// resource, and whatever else the file configures, which Shutdown shuts
// down too.
type DeclarativeSDK interface {
	// MeterProvider returns the file's MeterProvider, a no-op one if the
	// file disables the SDK or configures no meter_provider.
	MeterProvider() metric.MeterProvider
	// Resource returns the resource the file describes, nil if it
	// disables the SDK.
	Resource() *resource.Resource
	// ForceFlush exports what the file's periodic readers hold.
	ForceFlush(ctx context.Context) error
	// Shutdown flushes and shuts down everything the file configured.
	Shutdown(ctx context.Context) error
}

// DeclarativeBuilder builds the SDK of the declarative configuration file
// at path, with opts given to its MeterProvider before the file's own
// settings.
type DeclarativeBuilder func(ctx context.Context, path string, opts ...sdkmetric.Option) (DeclarativeSDK, error)

var (
	declarativeMu      sync.Mutex
	declarativeBuilder DeclarativeBuilder
)

// RegisterDeclarative makes b the builder of [NewDeclarative]. Package
// github.com/otelvitals/vitals/integrations/declarative registers one when
// imported: declarative configuration pulls otelconf's resource detectors,
// Kubernetes' client among them, which a program that does not use it
// should not link. A later call replaces an earlier one; a nil b removes
// it.
func RegisterDeclarative(b DeclarativeBuilder) {
	declarativeMu.Lock()
	defer declarativeMu.Unlock()
	declarativeBuilder = b
}

// ErrNoDeclarative is returned by [NewDeclarative] when OTEL_CONFIG_FILE is
// set but no builder is registered.
var ErrNoDeclarative = errors.New(`exporters: OTEL_CONFIG_FILE is set, but this program has no declarative configuration support: import _ "github.com/otelvitals/vitals/integrations/declarative"`)

// NewDeclarative builds the SDK of the file OTEL_CONFIG_FILE names, with
// the registered builder ([RegisterDeclarative]). opts go to its
// MeterProvider before the file's own settings; vitals.Start gives its
// views, its cardinality limit and the readers of vitals.WithReader this
// way. It fails with an error wrapping [ErrInvalidSetting] when
// OTEL_CONFIG_FILE is not set, with [ErrNoDeclarative] when no builder is
// registered, and with the builder's error otherwise. A nil ctx is taken
// as context.Background().
func NewDeclarative(ctx context.Context, opts ...sdkmetric.Option) (DeclarativeSDK, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	file := ConfigFile()
	if file == "" {
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE is not set", ErrInvalidSetting)
	}
	declarativeMu.Lock()
	b := declarativeBuilder
	declarativeMu.Unlock()
	if b == nil {
		return nil, fmt.Errorf("%w (OTEL_CONFIG_FILE=%.80q)", ErrNoDeclarative, file)
	}
	return b(ctx, file, opts...)
}
