// Package collector holds the end-to-end test of the example OpenTelemetry
// Collector configuration, examples/collector/config.yaml: loaded into a
// real collector, it receives vitals' OTLP and serves it in the Prometheus
// format. It has no code of its own.
package collector
