package vitals

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/resource"

	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// ScopeName is the instrumentation scope name of the meter the vitals package
// records with.
const ScopeName = "github.com/otelvitals/vitals"

// Version returns the version of vitals.
func Version() string { return version.Version }

// System is a running vitals setup, made by [Start]: the MeterProvider
// metrics go through, its readers, and the configuration of the trackers.
//
// Its methods are safe for concurrent use. On a nil System every method
// is a no-op: the trackers it returns are nil (whose methods are no-ops
// too), its snapshot is empty and its health is that of nothing tracked.
type System struct {
	config   Config
	policy   healthscore.Policy
	judge    *healthscore.Judge
	provider metric.MeterProvider
	sdk      *sdkmetric.MeterProvider // nil when the provider is the user's
	resource *resource.Resource
	readers  []sdkmetric.Reader

	declarative exporters.DeclarativeSDK // the SDK of OTEL_CONFIG_FILE; nil without one

	producer *Producer // nil: the trackers report through the provider's instruments
	now      func() time.Time
	opts     options       // the tracker options of WithConnOptions and its siblings
	liveness time.Duration // the liveness timeout, from Config and the queue sample interval

	conns    *conn.Tracker
	queues   *queue.Monitor
	caches   *cache.Monitor
	features *feature.Analytics

	shell        core.Shell[scored] // the health gauges and vitals.self.duration
	overallAttrs *core.Attrs
	compAttrs    map[string]*core.Attrs
	collectTime  *core.Hist
	snapshotTime *core.Hist

	started    time.Time
	probing    atomic.Int64          // unix nanoseconds when the running liveness snapshot began, 0 with none
	samplerErr atomic.Pointer[error] // the liveness check's latest finding on the sampler

	shutdownOnce sync.Once
	shutdownErr  error
}

// Start builds everything vitals needs and returns the running [System]:
//
//   - the resource: service name and attributes from OTEL_SERVICE_NAME and
//     OTEL_RESOURCE_ATTRIBUTES, host, process and SDK attributes, and a
//     service.instance.id (a random UUID made once per process, unless one
//     is given), merged under [WithResource]'s;
//   - the readers of the configured exporters (package
//     [github.com/otelvitals/vitals/exporters]: OTLP over HTTP by default,
//     Prometheus, console, several at once, or none), plus [WithReader]'s;
//   - a MeterProvider with vitals' views ([Views]), which give way
//     on any instrument a view of [WithView] matches, exemplars off unless
//     [Config].Exemplars or OTEL_METRICS_EXEMPLAR_FILTER ask for them, and
//     the cardinality limit of [Config].CardinalityLimit.
//
// With [WithMeterProvider] none of this is built: vitals records into the
// given provider. When OTEL_CONFIG_FILE names a declarative configuration
// file, the MeterProvider, its readers and its resource are the file's
// (see [exporters.NewDeclarative]; the program must import
// github.com/otelvitals/vitals/integrations/declarative, or Start fails
// with [exporters.ErrNoDeclarative]), every other OTEL_* variable and
// [WithExporterOptions] and [WithResource] are ignored, and vitals adds
// its views, [WithView]'s, the cardinality limit and [WithReader]'s
// readers to that provider; its readers cannot carry a producer, so the
// trackers report through the provider's instruments (and [WithProducer]
// is ignored). Nor is anything built with OTEL_SDK_DISABLED=true (see
// [exporters.SDKDisabled]): vitals then records into a no-op provider, so
// nothing is exported, served or printed and no reader, not even
// [WithReader]'s, is registered, while the trackers, [System.Snapshot],
// [System.Health] and the health handlers work as ever.
//
// Start never reads nor sets the global MeterProvider. Beside a service's
// own SDK pipeline, a plain Start builds a second, independent one, with
// its own resource, readers and exporters (so two Prometheus endpoints on
// one port fail: Start's error then wraps [exporters.ErrAddressInUse] and
// says how to join). To record into the service's pipeline instead, pass
// it: Start(ctx, WithMeterProvider(otel.GetMeterProvider())). Start does
// not join it on its own because what the global holds depends on the
// order of initialisation (a delegate until the service sets its
// provider), and whether vitals' metrics belong in the service's exports
// is the service's choice. To make vitals' provider the global one, call
// otel.SetMeterProvider(sys.MeterProvider()).
//
// An invalid [Config] or exporter setting is returned as an error and nothing
// is left running. ctx is passed to the setup (resource detection,
// exporters); if it is already done, Start returns its error, wrapped, and
// starts nothing.
// A nil ctx is taken as context.Background(), and nil options are ignored.
// Call [System.Shutdown] when done to flush and stop.
func Start(ctx context.Context, opts ...Option) (*System, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("vitals: not started: %w", err)
	}
	var o options
	for _, opt := range opts {
		if opt != nil {
			opt.apply(&o)
		}
	}
	if err := o.config.Validate(); err != nil {
		return nil, err
	}
	s := &System{config: o.config.withDefaults(), policy: o.policy}
	hold := healthscore.DefaultHold
	if o.hold != nil {
		hold = *o.hold
	}
	s.started = time.Now()
	s.now = o.now
	s.opts = o
	judgeOpts := []healthscore.JudgeOption{healthscore.WithHold(hold)}
	if o.now != nil {
		judgeOpts = append(judgeOpts, healthscore.WithClock(o.now))
	}
	s.judge = healthscore.NewJudge(o.policy, judgeOpts...)
	if o.provider != nil {
		s.provider = o.provider
		s.producer = o.producer
		if err := s.startTrackers(); refused(err) {
			return nil, errors.Join(err, s.Shutdown(ctx))
		} else if err != nil {
			return s, err
		}
		return s, nil
	}
	if exporters.ConfigFile() != "" {
		return s.startDeclarative(ctx, o)
	}
	if exporters.SDKDisabled() {
		s.provider = noop.NewMeterProvider()
		return s, s.startTrackers()
	}

	res, err := buildResource(ctx, o.resource)
	if err != nil {
		return nil, err
	}
	// When vitals builds every reader and no view asks for the SDK's
	// streams, every reader carries the producer, and the trackers report
	// through it; otherwise only through the provider's instruments,
	// unless WithProducer named a producer the user's readers carry.
	filter, exemplars := exemplarFilter(s.config)
	exporterOpts := o.exporters
	prod := o.producer
	if prod == nil && len(o.readers) == 0 && len(o.views) == 0 {
		prod = NewProducer()
	}
	if prod != nil {
		views := o.views
		prod.hub.LeaveToSDK(func(m semconv.Metric, traced bool) bool {
			return (traced && exemplars) || viewed(views, m)
		})
		exporterOpts = append(append([]exporters.Option(nil), o.exporters...), exporters.WithProducer(prod))
	}
	s.producer = prod
	readers, err := exporters.New(ctx, exporterOpts...)
	if errors.Is(err, exporters.ErrAddressInUse) {
		return nil, fmt.Errorf("vitals: %w; if this process already serves Prometheus there from its own "+
			"MeterProvider, join that pipeline instead of building a second one: "+
			"vitals.Start(ctx, vitals.WithMeterProvider(otel.GetMeterProvider())), or move one of them "+
			"(OTEL_EXPORTER_PROMETHEUS_PORT, exporters.WithPrometheusAddress)", err)
	}
	if err != nil {
		return nil, fmt.Errorf("vitals: %w", err)
	}
	readers = append(readers, o.readers...)

	mpOpts := []sdkmetric.Option{
		sdkmetric.WithResource(res),
		sdkmetric.WithView(o.views...),
		sdkmetric.WithView(givingWay(Views(), o.views)...),
		sdkmetric.WithCardinalityLimit(s.config.CardinalityLimit),
	}
	if filter != nil {
		mpOpts = append(mpOpts, sdkmetric.WithExemplarFilter(filter))
	}
	for _, r := range readers {
		mpOpts = append(mpOpts, sdkmetric.WithReader(r))
	}
	s.sdk = sdkmetric.NewMeterProvider(mpOpts...)
	s.provider = s.sdk
	s.resource = res
	s.readers = readers
	if err := s.startTrackers(); err != nil {
		return nil, errors.Join(err, s.Shutdown(ctx))
	}
	return s, nil
}

// refused reports whether err holds a setting Start refuses to run with:
// an invalid Config field, or a tracker option its tracker refused.
func refused(err error) bool {
	return errors.Is(err, ErrInvalidConfig) || errors.Is(err, feature.ErrHashKeyLength)
}

// exemplarFilter returns the exemplar filter Start sets, nil to leave
// OTEL_METRICS_EXEMPLAR_FILTER to the SDK when it holds a filter's name,
// and whether the provider will record exemplars. Another value is
// reported and ignored.
func exemplarFilter(c Config) (exemplar.Filter, bool) {
	if env := exporters.EnvExemplarFilter(); env != "" {
		return nil, env != "always_off"
	}
	if c.Exemplars {
		return exemplar.TraceBasedFilter, true
	}
	return exemplar.AlwaysOffFilter, false
}

// viewed reports whether one of views matches the histogram metric m.
func viewed(views []sdkmetric.View, m semconv.Metric) bool {
	inst := sdkmetric.Instrument{Name: m.Name, Description: m.Description, Kind: sdkmetric.InstrumentKindHistogram, Unit: m.Unit}
	for _, v := range views {
		if _, ok := v(inst); ok {
			return true
		}
	}
	return false
}

// givingWay returns views that each act as the one of views at its index,
// except on an instrument one of users matches: there only the user's
// view applies, instead of both adding a stream of the same name.
func givingWay(views, users []sdkmetric.View) []sdkmetric.View {
	if len(users) == 0 {
		return views
	}
	out := make([]sdkmetric.View, len(views))
	for i, v := range views {
		out[i] = func(inst sdkmetric.Instrument) (sdkmetric.Stream, bool) {
			for _, u := range users {
				if _, ok := u(inst); ok {
					return sdkmetric.Stream{}, false
				}
			}
			return v(inst)
		}
	}
	return out
}

// buildResource detects the process's resource and merges user over it.
// Detectors that fail in part (a host without a machine ID, say) leave
// their other attributes; the failure goes to otel.Handle.
func buildResource(ctx context.Context, user *resource.Resource) (*resource.Resource, error) {
	detected, err := resource.New(ctx,
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
		resource.WithProcessExecutableName(),
		resource.WithProcessRuntimeName(),
		resource.WithProcessRuntimeVersion(),
	)
	switch {
	case errors.Is(err, resource.ErrPartialResource):
		otel.Handle(fmt.Errorf("vitals: resource detection: %w", err))
	case err != nil:
		return nil, fmt.Errorf("vitals: resource detection: %w", err)
	}
	res, err := resource.Merge(resource.Default(), instanceResource())
	if err == nil {
		res, err = resource.Merge(res, detected)
	}
	if err != nil {
		return nil, fmt.Errorf("vitals: resource: %w", err)
	}
	if user != nil {
		if res, err = resource.Merge(res, user); err != nil {
			return nil, fmt.Errorf("vitals: merging WithResource: %w", err)
		}
	}
	return res, nil
}

// MeterProvider returns the provider vitals records into: the one Start
// built, or the one given to [WithMeterProvider]. Pass it, with
// [System.Producer], to trackers made outside Start.
//
// On a nil System it returns a no-op provider.
func (s *System) MeterProvider() metric.MeterProvider {
	if s == nil {
		return noop.NewMeterProvider()
	}
	return s.provider
}

// Producer returns the producer the system's trackers report through, nil
// when they report through the provider's instruments (see [WithProducer]
// and [WithView]). Give it to trackers made outside Start, with their
// WithProducer option, for them to reach the same readers the same way.
func (s *System) Producer() *Producer {
	if s == nil {
		return nil
	}
	return s.producer
}

// Config returns the Config given to Start, with defaults filled in,
// LivenessTimeout's from the queue sample interval; on a nil System, the
// default configuration. The trackers' own settings are their options
// (see [WithConnOptions]).
func (s *System) Config() Config {
	if s == nil {
		c := Config{}.withDefaults()
		c.LivenessTimeout, _ = c.livenessTimeout(queue.DefaultSampleInterval)
		return c
	}
	c := s.config
	c.LivenessTimeout = s.liveness
	return c
}

// Resource returns the resource of the provider Start built (under
// OTEL_CONFIG_FILE, the file's), or nil under [WithMeterProvider] and with
// OTEL_SDK_DISABLED=true.
func (s *System) Resource() *resource.Resource {
	if s == nil {
		return nil
	}
	return s.resource
}

// Readers returns the readers of the provider Start built: the exporters'
// first, in the order they were named, then [WithReader]'s. It is empty
// under [WithMeterProvider] and with OTEL_SDK_DISABLED=true; under
// OTEL_CONFIG_FILE it holds [WithReader]'s only, the file's readers being
// otelconf's. A Prometheus exporter's reader is an
// [*exporters.PrometheusReader], which tells the address it listens on.
func (s *System) Readers() []sdkmetric.Reader {
	if s == nil {
		return nil
	}
	return append([]sdkmetric.Reader(nil), s.readers...)
}

// ForceFlush exports what has been recorded so far through every periodic
// reader, waiting until ctx is done at the longest; a nil ctx is taken as
// context.Background(). A ctx already done returns its error without
// flushing. Under [WithMeterProvider], and on a nil System, it does
// nothing.
func (s *System) ForceFlush(ctx context.Context) error {
	if s == nil || (s.sdk == nil && s.declarative == nil) {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	// The SDK's readers pick at random between a done ctx and a ready
	// flush, so the answer would depend on luck; decide it here.
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.declarative != nil {
		return s.declarative.ForceFlush(ctx)
	}
	return s.sdk.ForceFlush(ctx)
}

// Shutdown flushes what has been recorded, then stops the exporters and the
// provider Start built (under OTEL_CONFIG_FILE, all the file configured), waiting until ctx is done at the longest; an
// exporter that cannot reach its backend makes it return ctx's error, not
// hang. A nil ctx is taken as context.Background(); a ctx already done
// still stops everything, only without waiting, and its error may then be
// returned. Recording after Shutdown is a no-op: nothing is exported or
// counted, and handles stay safe to call. Under [WithMeterProvider] the
// user's provider is left running, and the trackers' metrics are no longer
// reported through it. Shutdown is idempotent: later calls return the first
// call's result. On a nil System it does nothing.
func (s *System) Shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	s.shutdownOnce.Do(func() {
		// The provider's final export reads the trackers, so they stop
		// after it.
		if s.sdk != nil {
			s.shutdownErr = s.sdk.Shutdown(ctx)
		}
		if s.declarative != nil {
			s.shutdownErr = s.declarative.Shutdown(ctx)
		}
		s.shutdownErr = errors.Join(s.shutdownErr, s.stopTrackers(ctx))
	})
	return s.shutdownErr
}
