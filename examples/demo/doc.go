// Command demo runs a small simulated service instrumented with vitals and
// drives it with a built-in load generator, so that every exported metric
// moves. It is what make demo runs.
//
// The service listens on 127.0.0.1:8080 with two endpoints, /api/users/{id}
// (a lookup through an in-memory cache in front of a slow store) and
// /api/report (work handed to a bounded worker queue), and /healthz, which
// answers JSON. vitals serves Prometheus metrics on 127.0.0.1:9464/metrics
// and, when OTEL_EXPORTER_OTLP_ENDPOINT is set, ships OTLP as well; when
// OTEL_METRICS_EXPORTER is set, its list is used instead (otlp alone, say,
// ships to a collector and serves no /metrics), with the Prometheus
// endpoint, if it names one, on the -metrics address. A one-screen summary
// of what the exporters see is refreshed every second.
//
// /healthz is the readiness endpoint (?verbose=1 for the reasons;
// Accept: application/health+json for the IETF draft's format) and /livez
// the liveness one.
//
// # Health reasons and the faults behind them
//
// The service simulates a few faults on purpose, so that the health report
// has something to say under load. Each reason it can show comes from one:
//
//   - "queue http/report_jobs turned N items away" and "... above its
//     overflow threshold for ...": report jobs arrive faster than the four
//     workers finish them in bursts, and the 64-place queue fills.
//   - "feature api_endpoint//api/report failing N% of M uses": the reports
//     turned away are answered 503, which counts as a failed use.
//   - "cache application/users hit ratio N%": the user space is larger than
//     the 500-entry cache, so it misses about half its lookups by design;
//     the reason appears once the cache is past its five-minute warm-up,
//     and degrades the cache, not the service.
//
// The simulated database pool also leaks one connection in every 5000
// uses; with the default 24h retention the leak shows only in a run that
// long. With -rate 0 nothing happens and the service is healthy.
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
