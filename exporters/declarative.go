package exporters

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"

	otelconf "go.opentelemetry.io/contrib/otelconf/x"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"
)

// ConfigFile returns the path OTEL_CONFIG_FILE names, or "" when it is
// unset or blank. When it is set, the declarative configuration file
// configures the SDK ([NewDeclarative]) and every other OTEL_* variable
// is ignored, as the specification says, but for those the file itself
// refers to. Without it, OTEL_EXPERIMENTAL_CONFIG_FILE, the deprecated
// name (the one otelconf/x v0.27.0 reads), is used, and reported through
// [go.opentelemetry.io/otel.Handle] as deprecated.
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

// Declarative is the OpenTelemetry SDK that the declarative configuration
// file OTEL_CONFIG_FILE names describes, built by
// [go.opentelemetry.io/contrib/otelconf/x] (the experimental package of
// go.opentelemetry.io/contrib/otelconf, the one that builds the Prometheus
// pull exporter "prometheus/development"): its MeterProvider with the
// file's readers, views and resource, and whatever else the file
// configures (tracer and logger providers), which Shutdown shuts down too.
//
// The readers are otelconf's own, and otelconf v0.27.0 gives no way to add
// a producer to them (it parses a reader's "producers" but builds none),
// so a producer cannot reach them: vitals' trackers report through the
// provider's instruments under a Declarative (see vitals.Start).
//
// Its methods are safe for concurrent use.
type Declarative struct {
	file string
	sdk  otelconf.SDK

	shutdownOnce sync.Once
	shutdownErr  error
}

// NewDeclarative parses the file that OTEL_CONFIG_FILE names, substituting
// the environment variables it refers to (${NAME} and ${NAME:-default}),
// and builds the SDK it describes. opts go to its MeterProvider before the
// file's own settings, which win where both speak; vitals.Start gives its
// views, its cardinality limit and the readers of vitals.WithReader this
// way. The file's exemplar_filter (trace_based when omitted, as the schema
// says), which otelconf leaves out, is set too, so that
// OTEL_METRICS_EXEMPLAR_FILTER does not apply.
//
// It fails, with an error wrapping [ErrInvalidSetting] that names the
// file, if OTEL_CONFIG_FILE is not set, or the file cannot be read,
// parsed or built (an exporter it names is not supported, a port is
// taken). A file with "disabled: true", or without a meter_provider,
// yields a no-op MeterProvider. A nil ctx is taken as
// context.Background().
func NewDeclarative(ctx context.Context, opts ...sdkmetric.Option) (*Declarative, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	file := ConfigFile()
	if file == "" {
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE is not set", ErrInvalidSetting)
	}
	// otelconf/x reads OTEL_EXPERIMENTAL_CONFIG_FILE itself, even set
	// empty, and lets its file win over the model given.
	if old, ok := os.LookupEnv("OTEL_EXPERIMENTAL_CONFIG_FILE"); ok && old != file {
		return nil, fmt.Errorf("%w: OTEL_EXPERIMENTAL_CONFIG_FILE=%.80q beside OTEL_CONFIG_FILE=%.80q: otelconf would read the former; unset it",
			ErrInvalidSetting, old, file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE: %w", ErrInvalidSetting, err)
	}
	model, err := otelconf.ParseYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE %s: %w", ErrInvalidSetting, file, err)
	}
	if mp := model.MeterProvider; mp != nil {
		filter := exemplar.TraceBasedFilter
		if mp.ExemplarFilter != nil {
			switch *mp.ExemplarFilter {
			case otelconf.ExemplarFilterAlwaysOn:
				filter = exemplar.AlwaysOnFilter
			case otelconf.ExemplarFilterAlwaysOff:
				filter = exemplar.AlwaysOffFilter
			case otelconf.ExemplarFilterTraceBased:
			default:
				return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE %s: meter_provider.exemplar_filter %q: want always_on, always_off or trace_based",
					ErrInvalidSetting, file, *mp.ExemplarFilter)
			}
		}
		opts = append(append([]sdkmetric.Option(nil), opts...), sdkmetric.WithExemplarFilter(filter))
	}
	// With OTEL_EXPERIMENTAL_CONFIG_FILE, otelconf reads the file again
	// itself, and that wins over the model given: the same file, so the
	// same model.
	sdk, err := otelconf.NewSDK(otelconf.WithContext(ctx), otelconf.WithOpenTelemetryConfiguration(*model),
		otelconf.WithMeterProviderOptions(opts...))
	if err != nil {
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE %s: %w", ErrInvalidSetting, file, err)
	}
	return &Declarative{file: file, sdk: sdk}, nil
}

// File returns the path of the configuration file.
func (d *Declarative) File() string { return d.file }

// MeterProvider returns the file's MeterProvider: an SDK one, or a no-op
// one if the file disables the SDK or configures no meter_provider.
func (d *Declarative) MeterProvider() metric.MeterProvider { return d.sdk.MeterProvider() }

// Resource returns the resource the file describes, nil if it disables
// the SDK.
func (d *Declarative) Resource() *resource.Resource { return d.sdk.Resource() }

// ForceFlush exports what has been recorded through the file's periodic
// readers, waiting until ctx is done at the longest.
func (d *Declarative) ForceFlush(ctx context.Context) error {
	if f, ok := d.sdk.MeterProvider().(interface{ ForceFlush(context.Context) error }); ok {
		return f.ForceFlush(ctx)
	}
	return nil
}

// Shutdown flushes and shuts down everything the file configured, its
// readers' exports and listeners included, waiting until ctx is done at
// the longest. It is idempotent: later calls return the first one's
// result.
func (d *Declarative) Shutdown(ctx context.Context) error {
	d.shutdownOnce.Do(func() { d.shutdownErr = d.sdk.Shutdown(ctx) })
	return d.shutdownErr
}
