package vitals_test

import (
	"context"
	"encoding/json"
	"flag"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/healthscore"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/integrations/nethttp"
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

// moving is what the degradation tests run under: no hold, so that each
// step shows its status at once, and the request queue marked critical, as
// a service that cannot work without it would. The cache stays in its
// warm-up throughout (its misses are not judged in its first five
// minutes).
var moving = []vitals.Option{
	vitals.WithHealthHold(0),
	vitals.WithHealthPolicy(healthscore.Policy{Critical: []healthscore.Ref{{Component: healthscore.Queues, Name: "request_queue"}}}),
}

// TestHealthMoves degrades a system through its trackers, a queue held
// above its threshold and a cache whose hit ratio drops, and watches the
// status go from healthy to degraded to unhealthy and back in Health(), on
// the HTTP endpoint and in the exported gauges.
func TestHealthMoves(t *testing.T) {
	sys, reader := startManual(t, moving...)
	q := sys.Queues().Queue(queue.TypeHTTP, "request_queue", 100)
	c := sys.Caches().Cache(cache.TypeApplication, "users")
	handler := sys.ReadinessHandler(healthscore.HandlerOptions{})
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
		if g := healthGauge(t, reader, "overall"); g != r.Score/100 {
			t.Fatalf("%s: exported overall score %v, want Health's %v on the 0–1 scale", step, g, r.Score)
		}
	}

	_ = q.Sample(10)
	for range 10 {
		c.Hit(time.Microsecond)
	}
	check("at rest", healthscore.Healthy, 200)

	_ = q.Sample(90) // 90% of capacity: the queue scores 50
	check("queue above threshold", healthscore.Degraded, 200)

	for range 90 { // hit ratio 10%, in the cache's warm-up
		c.Miss(time.Millisecond)
	}
	_ = q.Sample(100) // full: the critical queue scores 0, and so does the service
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
		p := &snap.Connections.Pools[i]
		p.OldestSeconds, p.MeanAgeSeconds, p.WindowCoveredSeconds = 0, 0, 0
	}
	for i := range snap.Caches.Caches {
		snap.Caches.Caches[i].SinceFirstLookupSeconds = 0
	}
	snap.Queues.Sampled = time.Time{}
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

// TestLivenessAndReadiness runs a system whose critical request queue is
// full: readiness answers 503, liveness 200. Then a queue probe blocks the
// sampler for good: liveness answers 503 once the timeout has passed.
func TestLivenessAndReadiness(t *testing.T) {
	sys, _ := startManual(t, append(moving, vitals.WithQueueOptions(queue.WithSampleInterval(10*time.Millisecond)), vitals.WithConfig(vitals.Config{LivenessTimeout: time.Second}))...)
	get := func(h http.Handler) int {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
		return rec.Code
	}
	ready, live := sys.ReadinessHandler(healthscore.HandlerOptions{}), sys.LivenessHandler()
	_ = sys.Queues().Queue(queue.TypeHTTP, "request_queue", 10).Sample(10)
	if r, l := get(ready), get(live); r != 503 || l != 200 {
		t.Fatalf("full critical queue: readiness %d, liveness %d; want 503, 200", r, l)
	}

	block := make(chan struct{})
	defer close(block)
	var calls atomic.Int32
	sys.Queues().Observe("worker", "stuck", func() (int, int) {
		if calls.Add(1) > 1 {
			<-block // the sampler's next read never returns
		}
		return 0, 10
	})
	deadline := time.Now().Add(20 * time.Second)
	for get(live) != 503 {
		if time.Now().After(deadline) {
			t.Fatal("liveness still 200 with the sampler stuck")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestIdleTrackedServerIsReady is the setup the README shows: a net/http
// server tracked with nethttp and serving the system's readiness endpoint,
// no other traffic. The probe's own connection is the only one open, and
// in use while it is answered: that is not saturation.
func TestIdleTrackedServerIsReady(t *testing.T) {
	sys, _ := startManual(t)
	mux := http.NewServeMux()
	mux.Handle("/healthz", sys.ReadinessHandler(healthscore.HandlerOptions{}))
	srv := &http.Server{Handler: mux}
	nethttp.TrackServer(srv, sys.Connections().Pool("http", "api"))
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(lis)
	defer srv.Close()
	for range 3 {
		resp, err := http.Get("http://" + lis.Addr().String() + "/healthz")
		if err != nil {
			t.Fatal(err)
		}
		var r healthscore.Report
		err = json.NewDecoder(resp.Body).Decode(&r)
		resp.Body.Close()
		if err != nil || resp.StatusCode != 200 || r.Status != healthscore.Healthy || r.Score != 100 {
			t.Fatalf("probe: %d %+v (%v)", resp.StatusCode, r, err)
		}
	}
}
