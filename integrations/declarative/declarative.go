package declarative

import (
	"net/url"
	"strings"

	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"context"
	"fmt"
	"os"
	"sync"

	"github.com/otelvitals/vitals/internal/instance"

	otelconf "go.opentelemetry.io/contrib/otelconf/x"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/exporters"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"
)

// fileSDK is the SDK a declarative configuration file describes, built by
// [go.opentelemetry.io/contrib/otelconf/x] (the experimental package of
// go.opentelemetry.io/contrib/otelconf, the one that builds the Prometheus
// pull exporter "prometheus/development"). Its methods are safe for
// concurrent use.
type fileSDK struct {
	file string
	sdk  otelconf.SDK

	shutdownOnce sync.Once
	shutdownErr  error
}

// build parses the file at path, substituting the environment variables
// it refers to (${NAME} and ${NAME:-default}), and builds the SDK it
// describes. opts go to its MeterProvider before the file's own settings,
// which win where both speak. The file's exemplar_filter (trace_based when
// omitted, as the schema says), which otelconf leaves out, is set too, so
// that OTEL_METRICS_EXEMPLAR_FILTER does not apply.
//
// It fails, with an error wrapping [exporters.ErrInvalidSetting] that names
// the file, if the file cannot be read, parsed or built (an exporter it
// names is not supported, a port is taken). A file with "disabled: true",
// or without a meter_provider, yields a no-op MeterProvider.
func init() { exporters.RegisterDeclarative(build) }

func build(ctx context.Context, file string, opts ...sdkmetric.Option) (exporters.DeclarativeSDK, error) {
	// otelconf/x reads OTEL_EXPERIMENTAL_CONFIG_FILE itself, even set
	// empty, and lets its file win over the model given.
	if old, ok := os.LookupEnv("OTEL_EXPERIMENTAL_CONFIG_FILE"); ok && old != file {
		return nil, fmt.Errorf("%w: OTEL_EXPERIMENTAL_CONFIG_FILE=%.80q beside OTEL_CONFIG_FILE=%.80q: otelconf would read the former; unset it",
			exporters.ErrInvalidSetting, old, file)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE: %w", exporters.ErrInvalidSetting, err)
	}
	model, err := otelconf.ParseYAML(b)
	if err != nil {
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE %s: %w", exporters.ErrInvalidSetting, file, err)
	}
	withInstanceID(model)
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
					exporters.ErrInvalidSetting, file, *mp.ExemplarFilter)
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
		return nil, fmt.Errorf("%w: OTEL_CONFIG_FILE %s: %w", exporters.ErrInvalidSetting, file, err)
	}
	return &fileSDK{file: file, sdk: sdk}, nil
}

// File returns the path of the configuration file.
func (d *fileSDK) File() string { return d.file }

// MeterProvider returns the file's MeterProvider: an SDK one, or a no-op
// one if the file disables the SDK or configures no meter_provider.
func (d *fileSDK) MeterProvider() metric.MeterProvider { return d.sdk.MeterProvider() }

// Resource returns the resource the file describes, nil if it disables
// the SDK.
func (d *fileSDK) Resource() *resource.Resource { return d.sdk.Resource() }

// ForceFlush exports what has been recorded through the file's periodic
// readers, waiting until ctx is done at the longest.
func (d *fileSDK) ForceFlush(ctx context.Context) error {
	if f, ok := d.sdk.MeterProvider().(interface{ ForceFlush(context.Context) error }); ok {
		return f.ForceFlush(ctx)
	}
	return nil
}

// Shutdown flushes and shuts down everything the file configured, its
// readers' exports and listeners included, waiting until ctx is done at
// the longest. It is idempotent: later calls return the first one's
// result.
func (d *fileSDK) Shutdown(ctx context.Context) error {
	d.shutdownOnce.Do(func() { d.shutdownErr = d.sdk.Shutdown(ctx) })
	return d.shutdownErr
}

// withInstanceID gives the file's resource vitals' service.instance.id (a
// random UUID made once per process, the same vitals.Start gives) unless
// the file names one, in its attributes or its attributes_list (which
// otelconf would drop: it is carried over), so that replicas configured by
// one file stay apart behind a collector.
func withInstanceID(model *otelconf.OpenTelemetryConfiguration) {
	if model.Resource == nil {
		model.Resource = &otelconf.Resource{}
	}
	r := model.Resource
	for _, a := range r.Attributes {
		if a.Name == string(otelsemconv.ServiceInstanceIDKey) {
			return
		}
	}
	id := instance.ID()
	// otelconf v0.27.0 leaves attributes_list out of the resource: an ID
	// given there is taken from it, not replaced.
	if r.AttributesList != nil {
		for _, kv := range strings.Split(*r.AttributesList, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if ok && strings.TrimSpace(k) == string(otelsemconv.ServiceInstanceIDKey) {
				if u, err := url.PathUnescape(strings.TrimSpace(v)); err == nil {
					id = u
				}
			}
		}
	}
	r.Attributes = append(r.Attributes, otelconf.AttributeNameValue{Name: string(otelsemconv.ServiceInstanceIDKey), Value: id})
}
