// Package vitals is the one-call setup of the vitals OpenTelemetry
// instrumentation SDK: connection age, queue depth, cache efficiency and
// feature usage, with a health score built on them.
//
// [Start] builds the resource, the exporters and a MeterProvider tuned for
// vitals (its views, exemplars off, a deliberate cardinality limit) and
// returns a [System]; [System.Shutdown] flushes and stops it:
//
//	sys, err := vitals.Start(ctx) // exporters from OTEL_METRICS_EXPORTER & co.
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer sys.Shutdown(ctx) // flushes
//
// # Exporters
//
// Metrics leave the process through the readers of package
// [github.com/otelvitals/vitals/exporters], configured by the standard
// environment variables: OTEL_METRICS_EXPORTER=otlp,prometheus ships OTLP
// (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL, …) and serves
// Prometheus on 127.0.0.1:9464 at once. [WithExporterOptions] overrides the
// environment from code.
//
// The SDK environment specification is followed: OTEL_SDK_DISABLED=true
// builds no pipeline (the trackers and health still work), OTEL_CONFIG_FILE
// takes the MeterProvider from a declarative configuration file, and a
// value that cannot be used is reported through otel.Handle and ignored
// rather than failing [Start].
//
// # An existing pipeline
//
// A service that already has a MeterProvider passes it with
// [WithMeterProvider]; vitals then records into it and builds no exporters
// of its own. Start never reads or sets the global MeterProvider: beside a
// service that set its own globally, a plain Start builds a second
// pipeline, and WithMeterProvider(otel.GetMeterProvider()) joins the
// service's instead (see [Start]).
//
// # Configuration
//
// [Config] holds the System's own settings: the cardinality limit, the
// collection budget, the liveness timeout and exemplars. Its zero value is
// valid, and [Config.Validate] names every field that is not. Each
// tracker's settings are the options of its package, passed on by
// [WithConnOptions], [WithQueueOptions], [WithCacheOptions] and
// [WithFeatureOptions].
//
// # Cardinality
//
// The OpenTelemetry Go SDK keeps at most 2000 series per instrument by
// default and folds the rest into an otel.metric.overflow series. The
// provider Start builds uses [Config].CardinalityLimit instead (default
// 20000), above the trackers' own per-kind limits (conn.WithMaxPools,
// queue.WithMaxQueues, cache.WithMaxCaches, feature.WithMaxFeatures;
// default 1000 each), so that vitals' overflow series, not the SDK's, take
// the excess when the trackers report through the provider's instruments.
// What the [Producer] emits is never folded by the SDK. Under
// [WithMeterProvider], raise the limit of your provider with
// sdkmetric.WithCardinalityLimit if vitals' series exceed it.
package vitals // import "github.com/otelvitals/vitals"
