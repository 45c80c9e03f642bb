// Package exporters builds the [go.opentelemetry.io/otel/sdk/metric.Reader]s
// that carry vitals' metrics out of the process: OTLP over gRPC or HTTP to
// any OTLP backend, a Prometheus /metrics endpoint, the console, or nothing.
// It knows nothing of vitals' trackers; any MeterProvider can use its
// readers.
//
// [New] returns one reader per configured exporter. Several exporters at
// once work: OTEL_METRICS_EXPORTER=otlp,prometheus yields an OTLP reader and
// a Prometheus reader, and a MeterProvider made with both sends every metric
// to each.
//
// # Configuration
//
// The standard OpenTelemetry environment variables configure the readers;
// explicit options, such as [WithExporters] or [WithOTLPEndpoint], override
// them.
//
//   - OTEL_METRICS_EXPORTER: a comma-separated list of "otlp" (the default
//     when unset), "prometheus", "console" and "none". "none" alone means no
//     reader.
//   - OTEL_EXPORTER_OTLP_METRICS_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL:
//     "http/protobuf" (the default) or "grpc".
//   - OTEL_EXPORTER_OTLP_ENDPOINT, _HEADERS, _INSECURE, _TIMEOUT,
//     _COMPRESSION, _CERTIFICATE, their _METRICS_ forms, and
//     OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE: read by the OTLP
//     exporters of the OpenTelemetry Go SDK themselves, with the meaning the
//     specification gives them. With no endpoint in the environment or
//     [WithOTLPEndpoint], the endpoint is the specification's default,
//     http://localhost:4318 (HTTP) or http://localhost:4317 (gRPC), in plain
//     text, where the Go SDK's own default is the same port over TLS.
//     Under delta (or lowmemory) every sum and
//     histogram of vitals.Producer follows the exporter's temporality per
//     instrument kind, as the SDK's own instruments do: each reader built
//     gets a view of the producer of its own.
//   - OTEL_EXPORTER_PROMETHEUS_HOST and OTEL_EXPORTER_PROMETHEUS_PORT: where
//     the Prometheus endpoint listens. vitals listens on 127.0.0.1:9464 by
//     default, loopback only, so that metrics are not exposed beyond the host
//     unless asked for.
//   - OTEL_METRIC_EXPORT_INTERVAL and OTEL_METRIC_EXPORT_TIMEOUT: the period
//     and timeout, in milliseconds, of the periodic readers (OTLP and console).
//   - OTEL_METRICS_PRODUCERS, the variable of contrib autoexport: a
//     comma-separated list of "prometheus" and "none" (the default when
//     unset). "prometheus" bridges the client_golang default registry
//     (prometheus.DefaultGatherer: a service's own client_golang metrics,
//     with the Go and process collectors) into every reader [New] builds:
//     the periodic readers collect it through
//     go.opentelemetry.io/contrib/bridges/prometheus, and the Prometheus
//     endpoint, whose exporter drops what that bridge produces, serves the
//     registry beside its own metrics. A name collision between the two is
//     reported through otel.Handle at each scrape and the rest served.
//
// OTEL_SDK_DISABLED=true (see [SDKDisabled]) turns the SDK off: vitals.Start
// then builds no reader at all and records into a no-op MeterProvider, so
// nothing is exported, served or printed, while the trackers and the
// health work locally. [New] itself does not read it: code that builds a
// MeterProvider of its own from these readers asks SDKDisabled first.
//
// As the specification asks, enum values are read in any case, and a
// value that cannot be used is reported once through
// [go.opentelemetry.io/otel.Handle], with an error wrapping
// [ErrInvalidSetting] that quotes it, and ignored: the default applies
// (for a _METRICS_ variable, the generic one's value). An unknown member of
// OTEL_METRICS_EXPORTER ("logging" included, which the specification tells
// new implementations not to support), an empty member, or "none" beside
// other names is dropped, and a list left empty means "otlp"; so
// OTEL_METRICS_EXPORTER=bogus builds the OTLP reader. The same goes for a
// protocol, OTEL_EXPORTER_PROMETHEUS_PORT that is not a port number,
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE,
// OTEL_EXPORTER_OTLP_METRICS_DEFAULT_HISTOGRAM_AGGREGATION,
// OTEL_EXPORTER_OTLP_COMPRESSION and its _METRICS_ form (which vitals sets
// explicitly where the SDK would read them otherwise, as "GZIP" for none),
// a boolean other than "true" or "false" (taken as false), and
// OTEL_METRICS_EXEMPLAR_FILTER. OTEL_METRIC_EXPORT_INTERVAL and _TIMEOUT,
// OTEL_EXPORTER_OTLP_TIMEOUT and OTEL_EXPORTER_OTLP_ENDPOINT that do not
// parse are reported by the SDK itself, through its logger, and ignored.
// The same values given in code, through the options, are errors instead.
//
// # Declarative configuration
//
// When OTEL_CONFIG_FILE names a declarative configuration file (see
// [ConfigFile]), vitals.Start takes the MeterProvider from it
// ([NewDeclarative]), and every other OTEL_* variable is ignored by
// vitals, as the specification says, OTEL_SDK_DISABLED included, and so
// are [WithExporters] and the other options of this package. The file is
// built by the builder a program links in by importing
// github.com/otelvitals/vitals/integrations/declarative, a module of its
// own (otelconf/x, which it uses, links the cloud resource detectors and
// Kubernetes' client); without it, [NewDeclarative] returns
// [ErrNoDeclarative], which names the import. See that package for what
// the file may hold and how vitals' trackers report under it.
//
// This follows the contrib package
// [go.opentelemetry.io/contrib/exporters/autoexport] in names, defaults and
// the exporters it builds, with two differences: autoexport reads a single
// exporter name from the process environment, so it cannot build the
// members of a list, and its Prometheus reader does not tell the address it
// bound. vitals splits the list itself and returns a [*PrometheusReader]
// whose [PrometheusReader.Addr] does.
//
// # Collector restarts and the final export
//
// The OTLP exporter rides out a receiver that is down for a while: an
// export that fails for a reason that may pass is tried again, with
// backoff from 100ms up to [DefaultOTLPBackoff] (see [WithOTLPBackoff]),
// within the export's timeout and never past it; the gRPC connection
// reconnects on the same schedule instead of gRPC's default of up to two
// minutes. Metrics are cumulative by default, so the first export that
// gets through after an outage carries every total: nothing recorded
// meanwhile is lost. The final export of a shutdown is retried the same
// way until the deadline of the context given to Shutdown, and Shutdown
// returns by that deadline.
//
// If the receiver is still down when that deadline passes, the final
// export, the only one holding what was recorded since the last successful
// export, would be lost. [WithSpoolDir] keeps it: the export is written to
// a file and delivered by the next exporter made with the same directory,
// normally in the service's next start, so that a service and its
// collector restarting together lose nothing, however many times in a row.
//
// # Retries and permanent failures
//
// Which failures are tried again follows the OTLP specification
// ("Failures" in opentelemetry-proto's docs/specification.md). Over gRPC
// the codes CANCELLED, DEADLINE_EXCEEDED, ABORTED, OUT_OF_RANGE,
// UNAVAILABLE and DATA_LOSS are retried, and RESOURCE_EXHAUSTED when the
// receiver sends RetryInfo, after the delay it asks for; over HTTP the
// statuses 429, 502, 503 and 504, after the Retry-After it sends. A
// receiver that cannot be reached (connection refused, reset or closed
// before the response, a timeout, a name that does not resolve) is retried
// too. Every other failure is permanent: another HTTP status or gRPC code,
// a header that cannot be sent, a TLS handshake that cannot succeed (an
// https endpoint on a plain-HTTP receiver, an untrusted certificate). A
// permanent failure costs one attempt per export; its error wraps
// [ErrPermanent] and, like every failure of a periodic export, is reported
// through [go.opentelemetry.io/otel.Handle]. A spooled export refused
// permanently is reported and its file removed.
//
// # Failure
//
// An exporter that cannot reach its backend never blocks or fails the code
// that records metrics: the periodic readers export in the background, and
// their errors, like those of the Prometheus HTTP server, go to
// [go.opentelemetry.io/otel.Handle]. Shutting a reader down honours the
// deadline of its context. Configuration errors in options, such as an
// unknown exporter name or protocol, are returned by [New], wrapping
// [ErrUnknownExporter], [ErrUnsupportedProtocol] or [ErrInvalidSetting];
// the same values in the environment are reported and ignored (see
// Configuration). Durations too small to
// be meant (an export interval under [MinExportInterval], a timeout under
// [MinExportTimeout], a backoff under [MinOTLPBackoff]) are raised to
// those floors.
//
// # A process killed without Shutdown
//
// Only Shutdown makes the final export, and only Shutdown spools it. A
// process that ends without it (SIGKILL, the kernel's out-of-memory
// killer, a crash, a container stopped past its grace period) loses what
// it recorded since its last export that reached the receiver: up to one
// export interval, 60 seconds by default, or since the start of the outage
// if the receiver was down. Nothing reports the loss, since the process is
// gone. The spool does not cover it: it holds only what a Shutdown
// collected. To narrow the window, export more often ([WithExportInterval]
// or OTEL_METRIC_EXPORT_INTERVAL, at the cost of more requests), and let
// the process shut down: handle SIGTERM by calling Shutdown, and give the
// process a grace period longer than its Shutdown deadline.
package exporters // import "github.com/otelvitals/vitals/exporters"
