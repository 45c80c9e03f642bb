// Command demo runs a small simulated service instrumented with vitals and
// drives it with a built-in load generator, so that every exported metric
// moves. It is what make demo runs.
//
// The service listens on 127.0.0.1:8080 with two endpoints, /api/users/{id}
// (a lookup through an in-memory cache in front of a slow store) and
// /api/report (work handed to a bounded worker queue), and /healthz, which
// answers JSON. vitals serves Prometheus metrics on 127.0.0.1:9464/metrics
// and, when OTEL_EXPORTER_OTLP_ENDPOINT is set, ships OTLP as well. A
// one-screen summary of what the exporters see is refreshed every second.
//
// Ctrl-C, or the end of -duration, shuts everything down and flushes.
//
// Flags:
//
//	-addr      service address (default 127.0.0.1:8080)
//	-metrics   Prometheus endpoint address (default 127.0.0.1:9464)
//	-rate      requests per second of the load generator (default 200)
//	-duration  stop after this long; 0 runs until Ctrl-C (default 0)
package main
