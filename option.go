package vitals

import (
	"time"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
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
	producer  *Producer
	now       func() time.Time

	connOpts    []conn.Option
	queueOpts   []queue.Option
	cacheOpts   []cache.Option
	featureOpts []feature.Option
}

// WithConnOptions adds options to the connection tracker Start makes: its
// retention, window, limits and max age (see package
// [github.com/otelvitals/vitals/instrument/conn]). They apply after the
// settings Start derives from [WithMeterProvider], [WithProducer] and
// [WithClock], so they win; validation and defaults are the tracker's own.
// Nil options are ignored.
func WithConnOptions(opts ...conn.Option) Option {
	return optionFunc(func(o *options) { o.connOpts = append(o.connOpts, opts...) })
}

// WithQueueOptions adds options to the queue monitor Start makes, as
// [WithConnOptions] does for connections.
func WithQueueOptions(opts ...queue.Option) Option {
	return optionFunc(func(o *options) { o.queueOpts = append(o.queueOpts, opts...) })
}

// WithCacheOptions adds options to the cache monitor Start makes, as
// [WithConnOptions] does for connections.
func WithCacheOptions(opts ...cache.Option) Option {
	return optionFunc(func(o *options) { o.cacheOpts = append(o.cacheOpts, opts...) })
}

// WithFeatureOptions adds options to the feature analytics Start makes,
// as [WithConnOptions] does for connections.
func WithFeatureOptions(opts ...feature.Option) Option {
	return optionFunc(func(o *options) { o.featureOpts = append(o.featureOpts, opts...) })
}

// WithProducer makes the trackers Start builds report through p, which
// the caller has put on readers of their own (sdkmetric.WithProducer):
// with [WithReader], or under [WithMeterProvider], so that those readers
// get vitals' fast path. The readers Start builds carry p too. A nil p is
// ignored. Without it, Start makes a producer for the readers it builds
// when it builds every reader and no [WithView] is given; otherwise the
// trackers report through the provider's instruments, which every reader
// and view sees.
func WithProducer(p *Producer) Option {
	return optionFunc(func(o *options) {
		if p != nil {
			o.producer = p
		}
	})
}

// WithClock sets the clock every tracker and the health evaluation read,
// so that a whole System can be tested on a fake clock without sleeping:
// windows, ages, trends and the health hold all follow it. Durations the
// trackers time themselves (cache.Cache.Start, feature.Feature.Do) are
// measured with it too. The default, and what a nil now keeps, is each
// tracker's own clock.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(o *options) { o.now = now })
}

// WithConfig sets the System's own settings: the cardinality limit, the
// collection budget, the liveness timeout and exemplars. The zero Config,
// the default, is valid; Start returns the errors of [Config.Validate].
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
// Add vitals' bucket boundaries to mp with [Views] if mp's own views
// would change them; otherwise the instruments' advice sets them.
//
// To join a pipeline the service set globally, pass
// otel.GetMeterProvider(): [Start] never looks at the global on its own.
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
// A reader added here does not collect vitals' [Producer] unless it was
// made with it (sdkmetric.WithProducer) and the producer is given to
// [WithProducer]; without that, the trackers report through the
// provider's instruments, which every reader sees: correct, at the SDK's
// cost per record and per collection.
func WithReader(r sdkmetric.Reader) Option {
	return optionFunc(func(o *options) {
		if r != nil {
			o.readers = append(o.readers, r)
		}
	})
}

// WithView adds views to the MeterProvider Start builds. They apply to
// vitals' metrics as to any other: on an instrument one of them matches,
// vitals' own view ([Views]) gives way, so a view that renames,
// re-buckets or drops a vitals metric replaces its default stream rather
// than adding a second one. Views cannot reach what a [Producer] emits, so
// with a view Start gives the trackers no producer (unless [WithProducer]
// names one): they report through the SDK's instruments, where views
// apply. Under a producer of [WithProducer], the histograms a view matches
// still go through the SDK.
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
