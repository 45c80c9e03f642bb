package e2e_test

import (
	"context"
	"testing"
	"time"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/e2e/internal/testbackend"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/semconv"
)

// moving is what the degradation test runs under, as the core module's
// TestHealthMoves does: no hold, so that each step shows its status at
// once, and the request queue marked critical, as a service that cannot
// work without it would. The cache stays in its warm-up throughout (its
// misses are not judged in its first five minutes).
var moving = []vitals.Option{
	vitals.WithHealthHold(0),
	vitals.WithHealthPolicy(healthscore.Policy{Critical: []healthscore.Ref{{Component: healthscore.Queues, Name: "request_queue"}}}),
}

// TestHealthGaugesReachCollector runs the same degradation as the core
// module's TestHealthMoves with OTLP export to a real collector and reads the
// overall health score back from what the collector received after each
// step.
func TestHealthGaugesReachCollector(t *testing.T) {
	col := testbackend.StartCollector(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	sys, err := vitals.Start(ctx, append([]vitals.Option{vitals.WithExporterOptions(
		exporters.WithExporters(exporters.OTLP),
		exporters.WithOTLPProtocol(exporters.ProtocolGRPC),
		exporters.WithOTLPEndpoint(col.GRPCEndpoint),
		exporters.WithExportInterval(time.Hour), // only the flushes below export
	)}, moving...)...)
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
			return statusOf(100*p.Double) == want // the gauge is the 0–100 score over 100
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
