package vitals

import (
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
)

// Option configures [Start].
type Option interface {
	apply(*options)
}

type optionFunc func(*options)

func (f optionFunc) apply(o *options) { f(o) }

type options struct {
	config    Config
	policy    healthscore.Policy
	hold      *time.Duration
	provider  metric.MeterProvider
	resource  *resource.Resource
	readers   []sdkmetric.Reader
	views     []sdkmetric.View
	exporters []exporters.Option
}

// WithConfig sets the tracker and provider settings. The zero Config, the
// default, is valid; Start rejects an invalid one with the errors of
// [Config.Validate].
func WithConfig(c Config) Option {
	return optionFunc(func(o *options) { o.config = c })
}

// WithHealthPolicy sets the weights and thresholds of [System.Health]; the
// zero Policy, the default, uses the documented defaults of package
// [github.com/otelvitals/vitals/healthscore].
func WithHealthPolicy(p healthscore.Policy) Option {
	return optionFunc(func(o *options) { o.policy = p })
}

// WithHealthHold sets how long a new health status must hold before
// [System.Health] reports it (see [healthscore.Judge]); the default is
// [healthscore.DefaultHold], 15s. Zero or less turns the hold off, so that
// statuses follow the scores at once.
func WithHealthHold(d time.Duration) Option {
	return optionFunc(func(o *options) { o.hold = &d })
}

// WithMeterProvider makes vitals record into mp, a service's existing
// pipeline, instead of building a MeterProvider of its own. vitals then
// builds no resource, no exporters and no readers, ignores [WithResource],
// [WithReader], [WithView] and [WithExporterOptions], and leaves mp's
// shutdown to its owner. A nil mp keeps the default: vitals builds its own.
//
// Add vitals' bucket boundaries to mp with semconv.Views() if mp's own views
// would change them; otherwise the instruments' advice sets them.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(o *options) {
		if mp != nil {
			o.provider = mp
		}
	})
}

// WithResource merges res over the resource vitals detects (service name and
// attributes from OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, host,
// process and SDK attributes); res's attributes win. A nil res is ignored.
func WithResource(res *resource.Resource) Option {
	return optionFunc(func(o *options) {
		if res != nil {
			o.resource = res
		}
	})
}

// WithReader adds r to the MeterProvider beside the exporters' readers, for
// example a [sdkmetric.NewManualReader] to read metrics back in tests. Nil
// readers are ignored.
//
// A reader added here cannot carry vitals' fast histogram path, so with one
// the trackers record their histograms through the SDK's own, which every
// reader sees: correct, at the SDK's cost per record.
func WithReader(r sdkmetric.Reader) Option {
	return optionFunc(func(o *options) {
		if r != nil {
			o.readers = append(o.readers, r)
		}
	})
}

// WithView adds views to the MeterProvider Start builds. They apply to
// vitals' metrics as to any other: on an instrument one of them matches,
// vitals' own view (semconv.Views()) gives way, so a view that renames,
// re-buckets or drops a vitals metric replaces its default stream rather
// than adding a second one. A histogram one of them matches is recorded
// through the SDK instead of vitals' faster histogram path, which views
// cannot reach; so is every histogram under a view that matches all
// instruments ("*").
//
// Nil views are ignored.
func WithView(views ...sdkmetric.View) Option {
	return optionFunc(func(o *options) {
		for _, v := range views {
			if v != nil {
				o.views = append(o.views, v)
			}
		}
	})
}

// WithExporterOptions configures the exporters, overriding the standard
// OTEL_* environment variables; see package
// [github.com/otelvitals/vitals/exporters]. For example,
// WithExporterOptions(exporters.WithExporters(exporters.None)) builds no
// exporter at all.
func WithExporterOptions(opts ...exporters.Option) Option {
	return optionFunc(func(o *options) { o.exporters = append(o.exporters, opts...) })
}
