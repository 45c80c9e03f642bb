// Package testbackend runs the real backends vitals' integration tests talk
// to, as child processes on loopback ports chosen per test:
//
//   - [StartCollector]: an OpenTelemetry Collector built from
//     internal/otelcol/builder.yaml (make collector), receiving OTLP over gRPC
//     and HTTP and writing every request to a JSON-lines file, which
//     [Collector.Points] reads back, and to a Prometheus exporter endpoint;
//   - [StartPrometheus]: Debian's Prometheus server scraping given targets,
//     answering [Prometheus.Query];
//   - [StartPostgres]: a PostgreSQL 15 cluster of its own, tuned for speed
//     over durability, reached through [Postgres.DSN];
//   - [StartRedis]: a Redis server without persistence at [Redis.Addr],
//     which [Redis.Do] talks to without a client library.
//
// Binaries are found through VITALS_OTELCOL, VITALS_PROMETHEUS,
// VITALS_PGBIN (a directory) and VITALS_REDIS_SERVER, else at their default
// places (.cache/otelcol/otelcol-vitals under the repository root, [Root],
// /usr/bin/prometheus, /usr/lib/postgresql/15/bin, /usr/bin/redis-server).
// When one is missing, the test is skipped with a message saying how to
// get it, unless VITALS_REQUIRE_BACKENDS=1 (set by make test, and so by
// CI), where it fails.
//
// Every process is stopped, and every PostgreSQL cluster removed, by the
// test's cleanup.
//
// The package belongs to the e2e module (package
// github.com/otelvitals/vitals/e2e), so that the core module's tests
// neither carry it nor need the backends' unix process handling.
package testbackend
