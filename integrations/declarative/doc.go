// Package declarative gives vitals declarative configuration: imported for
// its side effect, as import _ "github.com/otelvitals/vitals/integrations/declarative",
// it makes vitals.Start (and exporters.NewDeclarative) build the SDK from
// the file that OTEL_CONFIG_FILE names, as the OpenTelemetry specification
// asks.
//
// go.opentelemetry.io/contrib/otelconf/x v0.27.0 parses the file,
// substitutes the environment variables it refers to (${NAME},
// ${NAME:-default}), and builds its readers (periodic OTLP gRPC or HTTP and
// console exporters, the pull exporter "prometheus/development"), views and
// resource; vitals adds its views, its cardinality limit, and the file's
// exemplar_filter, which otelconf leaves out. Every other OTEL_* variable
// is then ignored by vitals, as the specification says, OTEL_SDK_DISABLED
// included (the file has its own "disabled"). The OTLP exporters of the Go
// SDK that otelconf builds still read OTEL_EXPORTER_OTLP_* for what the
// file leaves unset (headers, say): set them in the file.
//
// The file's resource gets the service.instance.id vitals.Start would give
// (a random UUID per process) unless the file names one, so that replicas
// configured by one file stay apart behind a collector. The file's
// Prometheus pull exporter is otelconf's too, and serves the text format
// only: exemplars reach Prometheus through vitals' own exporter, or over
// OTLP.
//
// The file's readers are otelconf's, which gives no way to add a producer
// to them (it parses a reader's "producers" and builds none), so under a
// configuration file vitals' trackers report through the provider's
// instruments, as under a user's MeterProvider: the same data, at the
// SDK's cost per record and collection. otelconf/x reads
// OTEL_EXPERIMENTAL_CONFIG_FILE itself, which must therefore be unset or
// name the same file.
//
// This package is a module of its own because otelconf/x links the cloud
// resource detectors, Kubernetes' client among them (about 15 MB of
// binary): programs that configure vitals through the environment or in
// code do not link them. Without this import, vitals.Start fails under
// OTEL_CONFIG_FILE with exporters.ErrNoDeclarative, which says what to
// import.
package declarative
