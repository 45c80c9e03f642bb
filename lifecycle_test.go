package vitals_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/exporters"
	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/core"
)

var lifeT0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// work records into every tracker of sys: connections, a queue, cache
// lookups and feature uses.
func work(sys *vitals.System) {
	pool := sys.Connections().Pool("database", "main")
	c := pool.Open()
	c.Use()
	pool.Open().Close()
	q := sys.Queues().Queue("http", "requests", 10)
	_ = q.Sample(3)
	q.Enter().Leave()
	users := sys.Caches().Cache(cache.TypeApplication, "users")
	users.Hit(time.Millisecond)
	users.Miss(5 * time.Millisecond)
	f := sys.Features().Feature(feature.TypeFeatureFlag, "new-ui")
	f.Record(context.Background(), "alice", feature.PatternDirectCall, time.Millisecond, true)
	f.Record(context.Background(), "bob", feature.PatternDirectCall, time.Millisecond, false)
}

// trackerScopes are the scopes of the four trackers, whose reads
// core.Reads counts.
var trackerScopes = []string{conn.ScopeName, queue.ScopeName, cache.ScopeName, feature.ScopeName}

func readCounts() map[string]int64 {
	out := map[string]int64{}
	for _, s := range trackerScopes {
		out[s] = core.Reads(s)
	}
	return out
}

// TestOneReadPerCollection checks the design's first rule: one collection
// through two readers, plus Health and Snapshot in the same cycle, reads
// each tracker once, and both readers see the same values.
func TestOneReadPerCollection(t *testing.T) {
	fake := clock.NewFake(lifeT0)
	p := vitals.NewProducer()
	r1 := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	r2 := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	sys, err := vitals.Start(context.Background(),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)),
		vitals.WithReader(r1), vitals.WithReader(r2), vitals.WithProducer(p), vitals.WithClock(fake.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	work(sys)
	fake.Advance(10 * time.Second) // past the staleness of any earlier read

	before := readCounts()
	var rm1, rm2 metricdata.ResourceMetrics
	if err := errors.Join(r1.Collect(context.Background(), &rm1), r2.Collect(context.Background(), &rm2)); err != nil {
		t.Fatal(err)
	}
	health := sys.Health()
	snap := sys.Snapshot()
	after := readCounts()
	for _, s := range trackerScopes {
		if n := after[s] - before[s]; n != 1 {
			t.Errorf("%s read %d times in one cycle, want 1", s, n)
		}
	}
	if health.Components == nil || len(snap.Caches.Caches) != 1 || snap.Caches.Caches[0].Hits != 1 {
		t.Fatalf("health %+v, snapshot caches %+v", health, snap.Caches)
	}
	for _, rm := range []metricdata.ResourceMetrics{rm1, rm2} {
		if got := sumOf(t, rm, "vitals.cache.operations", attribute.String("vitals.cache.result", "hit")); got != 1 {
			t.Errorf("a reader saw %d cache hits, want 1", got)
		}
	}

	// The next collection by the same reader, after a record, reads afresh.
	sys.Caches().Cache(cache.TypeApplication, "users").Hit(time.Millisecond)
	if err := r1.Collect(context.Background(), &rm1); err != nil {
		t.Fatal(err)
	}
	if got := sumOf(t, rm1, "vitals.cache.operations", attribute.String("vitals.cache.result", "hit")); got != 2 {
		t.Errorf("after one more hit the reader saw %d hits, want 2", got)
	}
}

// sumOf returns the value of the int64 sum point of name whose attributes
// hold kv, failing t if there is none.
func sumOf(t *testing.T, rm metricdata.ResourceMetrics, name string, kv attribute.KeyValue) int64 {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			for _, p := range m.Data.(metricdata.Sum[int64]).DataPoints {
				if v, ok := p.Attributes.Value(kv.Key); ok && v == kv.Value {
					return p.Value
				}
			}
		}
	}
	t.Fatalf("no %s point with %v", name, kv)
	return 0
}

// vitalsMetrics returns the names of the metrics of vitals' scopes in rm.
func vitalsMetrics(rm metricdata.ResourceMetrics) []string {
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, sm.Scope.Name+" "+m.Name)
		}
	}
	return names
}

// TestShutdownUnderUserProvider runs the lifecycle a user sees under a
// MeterProvider of their own: with vitals' producer on their reader,
// Shutdown leaves nothing exported; without it, no observable metric is
// left, and only the SDK's own histograms (which an SDK cannot forget)
// keep their last values. In both, recording after Shutdown is a no-op,
// and Snapshot and Health answer the state at Shutdown.
func TestShutdownUnderUserProvider(t *testing.T) {
	for _, withProducer := range []bool{true, false} {
		name := "without producer"
		if withProducer {
			name = "with producer"
		}
		t.Run(name, func(t *testing.T) {
			fake := clock.NewFake(lifeT0)
			var readerOpts []sdkmetric.ManualReaderOption
			opts := []vitals.Option{vitals.WithClock(fake.Now), vitals.WithHealthHold(0)}
			if withProducer {
				p := vitals.NewProducer()
				readerOpts = append(readerOpts, sdkmetric.WithProducer(p))
				opts = append(opts, vitals.WithProducer(p))
			}
			reader := sdkmetric.NewManualReader(readerOpts...)
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			sys, err := vitals.Start(context.Background(), append(opts, vitals.WithMeterProvider(mp))...)
			if err != nil {
				t.Fatal(err)
			}
			work(sys)
			var rm metricdata.ResourceMetrics
			if err := reader.Collect(context.Background(), &rm); err != nil || len(vitalsMetrics(rm)) < 10 {
				t.Fatalf("before Shutdown: %v, metrics %v", err, vitalsMetrics(rm))
			}
			snapBefore, healthBefore := sys.Snapshot(), sys.Health()
			if err := sys.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}

			work(sys) // after Shutdown: a no-op
			fake.Advance(time.Hour)
			if err := reader.Collect(context.Background(), &rm); err != nil {
				t.Fatal(err)
			}
			left := vitalsMetrics(rm)
			if withProducer && len(left) != 0 {
				t.Errorf("exported after Shutdown: %v", left)
			}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					if _, hist := m.Data.(metricdata.Histogram[float64]); !hist {
						t.Errorf("%s %s still exported after Shutdown", sm.Scope.Name, m.Name)
					}
				}
			}
			snapAfter, healthAfter := sys.Snapshot(), sys.Health()
			if got, want := snapAfter.Caches.Caches[0].Hits, snapBefore.Caches.Caches[0].Hits; got != want {
				t.Errorf("cache hits after Shutdown %d, want the %d at Shutdown", got, want)
			}
			if got, want := snapAfter.Features.Features[0].Uses, snapBefore.Features.Features[0].Uses; got != want {
				t.Errorf("feature uses after Shutdown %d, want %d", got, want)
			}
			if got, want := snapAfter.Connections.Pools[0].Created, snapBefore.Connections.Pools[0].Created; got != want {
				t.Errorf("connections created after Shutdown %d, want %d", got, want)
			}
			if got, want := snapAfter.Queues.Queues[0].Depth, snapBefore.Queues.Queues[0].Depth; got != want {
				t.Errorf("queue depth after Shutdown %d, want %d", got, want)
			}
			if healthAfter.Score != healthBefore.Score || healthAfter.Status != healthBefore.Status {
				t.Errorf("health after Shutdown %v %v, want %v %v", healthAfter.Score, healthAfter.Status, healthBefore.Score, healthBefore.Status)
			}
		})
	}
}

// TestTrackerOptionsThroughStart checks that options only a tracker knows
// reach the trackers Start makes, after Config's, and that WithClock
// drives them: conn.WithMaxAge (not in Config) ages a connection past it,
// and cache.WithWindow given both ways takes the tracker option's value.
func TestTrackerOptionsThroughStart(t *testing.T) {
	fake := clock.NewFake(lifeT0)
	sys, err := vitals.Start(context.Background(),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)),
		vitals.WithClock(fake.Now),
		vitals.WithCacheOptions(cache.WithWindow(time.Hour)),
		vitals.WithConnOptions(conn.WithMaxAge(time.Minute)),
		vitals.WithCacheOptions(cache.WithWindow(2*time.Minute)))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	sys.Connections().Pool("database", "main").Open()
	sys.Caches().Cache(cache.TypeApplication, "users").CountHit()
	fake.Advance(90 * time.Second)
	snap := sys.Snapshot()
	if p := snap.Connections.Pools[0]; p.OlderThanMaxAge != 1 || p.MaxAgeSeconds != 60 || p.OlderThanLimit != 1 {
		t.Errorf("pool %+v: want the max age of WithConnOptions (60s) declared, one connection past it", p)
	}
	judged := false
	for _, c := range sys.Health().Components {
		for _, e := range c.Entities {
			for _, ch := range e.Checks {
				if ch.Rule == "old_connections" {
					judged = !ch.Abstained
					if ch.Abstained {
						t.Errorf("old_connections abstained with a max age declared through WithConnOptions: %s", ch.Output)
					}
				}
			}
		}
	}
	if !judged {
		t.Error("no old_connections check judged the pool")
	}
	if got := snap.Caches.Caches[0].WindowSeconds; got != 120 {
		t.Errorf("cache window %vs, want the 120 of WithCacheOptions over Config's 3600", got)
	}
}

// TestSelfDurationCountsCollections checks that vitals.self.duration's
// "collect" counts collections, not Health calls: five probes and one
// collection give one.
func TestSelfDurationCountsCollections(t *testing.T) {
	p := vitals.NewProducer()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(p))
	sys, err := vitals.Start(context.Background(),
		vitals.WithExporterOptions(exporters.WithExporters(exporters.None)),
		vitals.WithReader(reader), vitals.WithProducer(p))
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	for range 5 {
		sys.Health()
	}
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var collects uint64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != "vitals.self.duration" {
				continue
			}
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				if op, _ := dp.Attributes.Value("vitals.operation"); op.AsString() == "collect" {
					collects = dp.Count
				}
			}
		}
	}
	if collects != 1 {
		t.Errorf("%d collect durations after 5 Health calls and 1 collection, want 1", collects)
	}
}
