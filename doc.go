// Package vitals is the one-call setup of the vitals OpenTelemetry
// instrumentation SDK: connection age, queue depth, cache efficiency and
// feature usage, with a health score built on them.
//
// [Start] builds the resource, the exporters and a MeterProvider tuned for
// vitals (its views, exemplars off, a deliberate cardinality limit) and
// returns a [System]; [System.Shutdown] flushes and stops it:
//
//	sys, err := vitals.Start(ctx)
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer sys.Shutdown(context.Background())
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
// of its own.
//
// # Configuration
//
// [Config] holds the trackers' windows, thresholds and limits; its zero
// value is valid, and [Config.Validate] names every field that is not.
//
// # Cardinality
//
// The OpenTelemetry Go SDK keeps at most 2000 series per instrument by
// default and folds the rest into an otel.metric.overflow series. The
// provider Start builds uses [Config].CardinalityLimit instead (default
// 20000), above vitals' own per-kind limits (MaxPools, MaxQueues, MaxCaches,
// MaxFeatures; default 1000 each), so that vitals' overflow series, not the
// SDK's, take the excess. Under [WithMeterProvider], raise the limit of your
// provider with sdkmetric.WithCardinalityLimit if vitals' series exceed it.
package vitals // import "github.com/otelvitals/vitals"
