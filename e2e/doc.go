// Package e2e holds vitals' end-to-end suites: every test that needs a real
// backend, and the reliability, stress and memory suites. It is a Go module
// of its own, github.com/otelvitals/vitals/e2e, built against the vitals
// beside it (a replace directive), so that the core module's tests build on
// every OS, need no backend, and do not carry the harness that starts them.
// It has no code of its own; nothing imports it.
//
// # Layout
//
// Each directory mirrors the package its tests exercise; tests that need
// no backend stay beside that package, in the core module.
//
//   - e2e (this package), whole Systems: reliability_test.go (nothing lost
//     across collector restarts, Shutdown's final export and the spool,
//     nothing left behind by Shutdown), collector_test.go (OTLP into a real
//     collector, a real Prometheus server scraping), temporality_test.go
//     (delta temporality), health_test.go (health gauges at the collector),
//     stress_test.go (16 goroutines of mixed operations under -race) and
//     memory_test.go (bounded memory; skipped under -race);
//   - instrument/feature: no user identifier reaches a real collector, a
//     Prometheus scrape or a snapshot;
//   - integrations/sqldb: database/sql pools through tracked connections
//     against a real PostgreSQL, and bad pool names exported to a real
//     collector;
//   - integrations/admission: an admission queue under load, read back from
//     a real Prometheus server;
//   - examples/collector: examples/collector/config.yaml loaded into a real
//     collector;
//   - examples/demo: the Grafana dashboard's queries and the alert rules
//     evaluated by a real Prometheus server scraping the demo;
//   - internal/testbackend: the harness, starting the OpenTelemetry
//     Collector (built from internal/otelcol/builder.yaml by make
//     collector), Debian's Prometheus, PostgreSQL and Redis on loopback
//     ports, for each test its own (the point lookups are the core
//     module's internal/metrictest, which this module's import path may
//     import).
//
// # Running
//
// make test installs and builds the backends (scripts/backends.sh all),
// vets and staticchecks this module with the others (make lint), and after
// the core module's and the nested integration modules' tests runs
//
//	cd e2e && VITALS_REQUIRE_BACKENDS=1 go test -race -count=1 ./...
//
// then the memory suite without the race detector, which would distort its
// heap measurements:
//
//	cd e2e && go test -count=1 -run BoundedMemory .
//
// With VITALS_REQUIRE_BACKENDS=1, as in make test and CI, a missing backend
// fails its test; without it the test is skipped with a message saying how
// to get the backend. The harness finds the collector through
// VITALS_OTELCOL (make exports it), else at .cache/otelcol/otelcol-vitals
// under the repository root.
//
// make reliability runs the long forms: VITALS_STRESS_OPS=1000000
// operations per goroutine of the stress test (20,000 by default),
// VITALS_MEMORY_SCALE=1 for the memory test's full counts (a tenth by
// default), and the restart, flush, spool and delta tests three times over.
package e2e
