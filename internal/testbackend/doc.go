// Package testbackend runs the real backends vitals' integration tests talk
// to, as child processes on loopback ports chosen per test:
//
//   - [StartCollector]: an OpenTelemetry Collector built from
//     internal/otelcol/builder.yaml (make collector), receiving OTLP over gRPC
//     and HTTP and writing every request to a JSON-lines file, which
//     [Collector.Points] reads back, and to a Prometheus exporter endpoint;
//   - [StartPrometheus]: Debian's Prometheus server scraping given targets,
//     answering [Prometheus.Query].
//
// Binaries are found through VITALS_OTELCOL and VITALS_PROMETHEUS, else at
// their default places (.cache/otelcol/otelcol-vitals in the module,
// /usr/bin/prometheus). When one is missing, the test is skipped with a
// message saying how to get it, unless VITALS_REQUIRE_BACKENDS=1 (set by
// make test, and so by CI), where it fails.
//
// Every process is stopped by the test's cleanup.
package testbackend
