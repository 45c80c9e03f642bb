package e2e_test

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	_ "github.com/otelvitals/vitals/integrations/declarative" // OTEL_CONFIG_FILE support
	"github.com/otelvitals/vitals/semconv"
)

// freeLoopback returns a loopback host:port that was free a moment ago.
func freeLoopback(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestDeclarativeConfigFile starts vitals under OTEL_CONFIG_FILE naming
// integrations/declarative/testdata/declarative.yaml, whose meter provider has an
// OTLP/HTTP exporter (here to a real collector) and a Prometheus pull
// exporter (here scraped by a real Prometheus server), and checks that
// both backends read the exact values: a counter and a histogram recorded
// through Start's provider, and the cache tracker's lookups, which reach
// the file's readers through the provider's instruments. The environment
// also asks for a Prometheus exporter of vitals' own, on another port:
// under a configuration file it must be ignored.
func TestDeclarativeConfigFile(t *testing.T) {
	col := testbackend.StartCollector(t)
	promAddr := freeLoopback(t)
	_, promPort, _ := net.SplitHostPort(promAddr)
	ignoredAddr := freeLoopback(t)
	_, ignoredPort, _ := net.SplitHostPort(ignoredAddr)
	file, err := filepath.Abs(filepath.Join("..", "integrations", "declarative", "testdata", "declarative.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("OTEL_CONFIG_FILE", file)
	t.Setenv("VITALS_DECLARATIVE_OTLP", col.HTTPEndpoint)
	t.Setenv("VITALS_DECLARATIVE_PROMETHEUS_PORT", promPort)
	t.Setenv("VITALS_DECLARATIVE_SERVICE", "vitals-declarative-e2e")
	t.Setenv("VITALS_DECLARATIVE_INTERVAL_MS", "1000")
	t.Setenv("OTEL_METRICS_EXPORTER", "prometheus")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_HOST", "127.0.0.1")
	t.Setenv("OTEL_EXPORTER_PROMETHEUS_PORT", ignoredPort)
	t.Setenv("OTEL_SERVICE_NAME", "from-the-environment")

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	sys, err := vitals.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	shut := false
	defer func() {
		if !shut {
			_ = sys.Shutdown(context.Background())
		}
	}()
	if l, err := net.Listen("tcp", ignoredAddr); err != nil {
		t.Errorf("OTEL_EXPORTER_PROMETHEUS_PORT was used despite OTEL_CONFIG_FILE: %v", err)
	} else {
		l.Close()
	}
	prom := testbackend.StartPrometheus(t, promAddr)

	rec := newRecording(t)
	rec.record(t, sys.MeterProvider())
	c := sys.Caches().Cache("application", rec.run)
	for range 3 {
		c.Hit(time.Millisecond)
	}
	c.Miss(time.Millisecond)

	// Prometheus scrapes the file's pull exporter.
	sel := fmt.Sprintf(`{run=%q, vitals_cache_name="it"}`, rec.run)
	for _, q := range []struct {
		query string
		want  float64
	}{
		{"test_requests_total" + sel, float64(rec.wantTotal)},
		{"vitals_cache_operation_duration_seconds_count" + sel, float64(len(rec.durations))},
		{"vitals_cache_operation_duration_seconds_sum" + sel, rec.wantSum},
	} {
		if _, err := prom.WaitFor(ctx, q.query, func(s []testbackend.Sample) bool { return len(s) == 1 && s[0].Value == q.want }); err != nil {
			t.Fatalf("Prometheus %s: want %v: %v", q.query, q.want, err)
		}
	}

	// The collector receives the file's OTLP exports; the final one at
	// Shutdown carries everything.
	if err := sys.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	shut = true
	res := map[string]string{"service.name": "vitals-declarative-e2e"}
	sum, err := col.WaitLastFrom(ctx, testCounter.Name, map[string]string{"run": rec.run}, res, func(p testbackend.Point) bool {
		return p.Int == rec.wantTotal
	})
	if err != nil {
		t.Fatalf("collector %s: %v", testCounter.Name, err)
	}
	if !sum.Cumulative || !sum.Monotonic {
		t.Errorf("counter arrived as %+v, want a cumulative monotonic sum", sum)
	}
	if _, err := col.WaitLastFrom(ctx, semconv.CacheOperationDuration.Name, map[string]string{"run": rec.run}, res, func(p testbackend.Point) bool {
		return p.Count == uint64(len(rec.durations)) && p.Sum == rec.wantSum
	}); err != nil {
		t.Fatalf("collector %s: %v", semconv.CacheOperationDuration.Name, err)
	}
	for result, want := range map[string]int64{semconv.CacheResultHit: 3, semconv.CacheResultMiss: 1} {
		attrs := map[string]string{string(semconv.CacheNameKey): rec.run, string(semconv.CacheResultKey): result}
		if _, err := col.WaitLastFrom(ctx, semconv.CacheOperations.Name, attrs, res, func(p testbackend.Point) bool {
			return p.Int == want
		}); err != nil {
			t.Errorf("collector %s %s: want %d: %v", semconv.CacheOperations.Name, result, want, err)
		}
	}
	if l, err := net.Listen("tcp", promAddr); err != nil {
		t.Errorf("the file's Prometheus port is still taken after Shutdown: %v", err)
	} else {
		l.Close()
	}
}
