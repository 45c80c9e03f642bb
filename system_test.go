package vitals_test

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/testbackend"
	"github.com/otelvitals/vitals/semconv"
)

// healthGauge returns the exported health score of component.
func healthGauge(t *testing.T, reader *sdkmetric.ManualReader, component string) float64 {
	t.Helper()
	m, ok := findMetric(collect(t, reader), semconv.HealthScore.Name)
	if !ok {
		t.Fatal("no health score exported")
	}
	for _, p := range m.Data.(metricdata.Gauge[float64]).DataPoints {
		if v, _ := p.Attributes.Value(semconv.HealthComponentKey); v.AsString() == component {
			return p.Value
		}
	}
	t.Fatalf("no health score for %s", component)
	return 0
}

// TestHealthMoves degrades a system through its trackers, a queue held
// above its threshold and a cache whose hit ratio drops, and watches the
// status go from healthy to degraded to unhealthy and back in Health(), on
// the HTTP endpoint and in the exported gauges.
func TestHealthMoves(t *testing.T) {
	sys, reader := startManual(t)
	q := sys.Queues().Queue(queue.TypeHTTP, "request_queue", 100)
	c := sys.Caches().Cache(cache.TypeApplication, "users")
	handler := sys.HealthHandler(healthscore.HandlerOptions{})
	code := func() int {
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz?verbose=1", nil))
		return rec.Code
	}
	check := func(step string, want healthscore.Status, wantCode int) {
		t.Helper()
		r := sys.Health()
		if r.Status != want {
			t.Fatalf("%s: status %s (score %.1f), want %s: %+v", step, r.Status, r.Score, want, r.Components)
		}
		if got := code(); got != wantCode {
			t.Fatalf("%s: HTTP %d, want %d", step, got, wantCode)
		}
		if g := healthGauge(t, reader, "overall"); g != r.Score {
			t.Fatalf("%s: exported overall score %v, Health says %v", step, g, r.Score)
		}
	}

	_ = q.Sample(10)
	for range 10 {
		c.Hit(time.Microsecond)
	}
	check("at rest", healthscore.Healthy, 200)

	_ = q.Sample(90) // 90% of capacity: the queue scores 50
	check("queue above threshold", healthscore.Degraded, 200)

	for range 90 { // hit ratio 10%: the cache scores 12.5
		c.Miss(time.Millisecond)
	}
	_ = q.Sample(100) // full: the queue scores 0
	check("queue full, cache missing", healthscore.Unhealthy, 503)
	if healthGauge(t, reader, "queues") != 0 {
		t.Fatal("the queues component is not exported at 0")
	}

	_ = q.Sample(10)
	for range 1000 {
		c.Hit(time.Microsecond)
	}
	check("recovered", healthscore.Healthy, 200)
}

// TestSnapshotJSON compares the JSON of a scripted snapshot, times and
// durations aside, with testdata/snapshot.golden (go test -update rewrites
// it): its names are part of the API.
func TestSnapshotJSON(t *testing.T) {
	sys, _ := startManual(t)
	ctx := context.Background()
	p := sys.Connections().Pool("database", "primary")
	p.Open().Use()
	q := sys.Queues().Queue(queue.TypeHTTP, "requests", 10)
	_ = q.Sample(3)
	sys.Caches().Cache(cache.TypeApplication, "users").CountHit()
	sys.Features().Feature("feature_flag", "new-ui").RecordVariant(ctx, "u1", "direct_call", "on", -1, true)

	snap := sys.Snapshot()
	// Drop what depends on the clock.
	snap.Time = time.Time{}
	snap.Connections.Time, snap.Queues.Time, snap.Caches.Time, snap.Features.Time = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	for i := range snap.Connections.Pools {
		snap.Connections.Pools[i].OldestSeconds, snap.Connections.Pools[i].MeanAgeSeconds = 0, 0
	}
	for i := range snap.Queues.Queues {
		snap.Queues.Queues[i].OverflowSeconds = 0
	}
	for i := range snap.Features.Features {
		snap.Features.Features[i].PeakHour = 0
		snap.Features.Features[i].HourlyUses = [24]int64{}
	}
	got, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "snapshot.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Fatalf("snapshot JSON differs from %s:\n%s", golden, got)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestHealthGaugesReachCollector runs the same degradation as
// TestHealthMoves with OTLP export to a real collector and reads the
// overall health score back from what the collector received after each
// step.
func TestHealthGaugesReachCollector(t *testing.T) {
	col := testbackend.StartCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sys, err := vitals.Start(ctx, vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint(col.GRPCEndpoint),
		exporters.WithExportInterval(time.Hour), // only the flushes below export
	))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	q := sys.Queues().Queue(queue.TypeHTTP, "request_queue", 100)
	c := sys.Caches().Cache(cache.TypeApplication, "users")
	overall := map[string]string{string(semconv.HealthComponentKey): "overall"}

	step := func(name string, want healthscore.Status) {
		t.Helper()
		if err := sys.ForceFlush(ctx); err != nil {
			t.Fatal(err)
		}
		p, err := col.WaitLast(ctx, semconv.HealthScore.Name, overall, func(p testbackend.Point) bool {
			return statusOf(p.Double) == want
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Logf("%s: the collector received overall score %.1f (%s)", name, p.Double, want)
	}
	_ = q.Sample(10)
	for range 10 {
		c.Hit(time.Microsecond)
	}
	step("at rest", healthscore.Healthy)
	_ = q.Sample(90)
	step("queue above threshold", healthscore.Degraded)
	for range 90 {
		c.Miss(time.Millisecond)
	}
	_ = q.Sample(100)
	step("queue full, cache missing", healthscore.Unhealthy)
	_ = q.Sample(10)
	for range 1000 {
		c.Hit(time.Microsecond)
	}
	step("recovered", healthscore.Healthy)
}

// statusOf is the status of a score under the default policy.
func statusOf(score float64) healthscore.Status {
	switch {
	case score >= 80:
		return healthscore.Healthy
	case score >= 50:
		return healthscore.Degraded
	default:
		return healthscore.Unhealthy
	}
}
