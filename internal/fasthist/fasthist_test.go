package fasthist

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

func TestHistogramBuckets(t *testing.T) {
	h := NewHistogram([]float64{1, 5, 15})
	for _, v := range []float64{0, 1, 1.5, 5, 14, 15, 16, 1e9, math.NaN(), math.Inf(1)} {
		h.Record(v)
	}
	counts, count, sum := h.Load(nil)
	// Buckets are (-inf,1], (1,5], (5,15], (15,+inf); NaN and Inf dropped.
	if want := []uint64{2, 2, 2, 2}; !slices.Equal(counts, want) || count != 8 {
		t.Fatalf("counts %v count %d, want %v and 8", counts, count, want)
	}
	if want := 0 + 1 + 1.5 + 5 + 14 + 15 + 16 + 1e9; sum != want {
		t.Fatalf("sum %v, want %v", sum, want)
	}
}

func TestHistogramLongBoundsUseBinarySearch(t *testing.T) {
	var bounds []float64
	for i := range 40 {
		bounds = append(bounds, float64(i))
	}
	h := NewHistogram(bounds)
	h.Record(20.5)
	h.Record(-3)
	h.Record(100)
	counts, _, _ := h.Load(nil)
	if counts[21] != 1 || counts[0] != 1 || counts[40] != 1 {
		t.Fatalf("counts %v", counts)
	}
}

func TestHistogramConcurrentSafe(t *testing.T) {
	h := NewHistogram([]float64{1, 2})
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10000 {
				h.Record(1.5) // exact in float64 sums
			}
		}()
	}
	wg.Wait()
	counts, count, sum := h.Load(nil)
	if count != 80000 || counts[1] != 80000 || sum != 120000 {
		t.Fatalf("counts %v count %d sum %v", counts, count, sum)
	}
}

// TestRegistryProduces reads series through a ManualReader that carries the
// registry, grouped by scope and metric, and checks that removed series
// disappear.
func TestRegistryProduces(t *testing.T) {
	r := NewRegistry()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(r))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	scope := instrumentation.Scope{Name: "s", Version: "1"}
	desc := Desc{Scope: scope, Name: "life", Unit: "s", Description: "d"}
	a, dropA := r.Add(desc, attribute.NewSet(attribute.String("pool", "a")), []float64{1, 10})
	b, _ := r.Add(desc, attribute.NewSet(attribute.String("pool", "b")), []float64{1, 10})
	a.Record(0.5)
	a.Record(3)
	b.Record(20)

	collect := func() metricdata.ResourceMetrics {
		var rm metricdata.ResourceMetrics
		if err := reader.Collect(context.Background(), &rm); err != nil {
			t.Fatal(err)
		}
		return rm
	}
	rm := collect()
	want := metricdata.ScopeMetrics{
		Scope: scope,
		Metrics: []metricdata.Metrics{{
			Name: "life", Unit: "s", Description: "d",
			Data: metricdata.Histogram[float64]{
				Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.HistogramDataPoint[float64]{
					{Attributes: attribute.NewSet(attribute.String("pool", "a")), Count: 2, Sum: 3.5,
						Bounds: []float64{1, 10}, BucketCounts: []uint64{1, 1, 0}},
					{Attributes: attribute.NewSet(attribute.String("pool", "b")), Count: 1, Sum: 20,
						Bounds: []float64{1, 10}, BucketCounts: []uint64{0, 0, 1}},
				},
			},
		}},
	}
	if len(rm.ScopeMetrics) != 1 {
		t.Fatalf("%d scopes, want 1", len(rm.ScopeMetrics))
	}
	metricdatatest.AssertEqual(t, want, rm.ScopeMetrics[0], metricdatatest.IgnoreTimestamp())
	if dp := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[float64]).DataPoints[0]; dp.StartTime.After(time.Now()) || dp.Time.Before(dp.StartTime) {
		t.Errorf("start %v, time %v", dp.StartTime, dp.Time)
	}

	dropA()
	dropA()
	rm = collect()
	pts := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Histogram[float64]).DataPoints
	if len(pts) != 1 || pts[0].Count != 1 {
		t.Fatalf("after removing a: %+v", pts)
	}
}

// TestDeltaProducer checks that a delta producer reports what was recorded
// since its previous Produce, leaves out series without news, keeps its
// own place apart from another delta producer's and from the cumulative
// one, and forgets removed series.
func TestDeltaProducer(t *testing.T) {
	r := NewRegistry()
	delta, other := r.Delta(), r.Delta()
	desc := Desc{Scope: instrumentation.Scope{Name: "s"}, Name: "life"}
	poolA, poolB := attribute.NewSet(attribute.String("pool", "a")), attribute.NewSet(attribute.String("pool", "b"))
	a, dropA := r.Add(desc, poolA, []float64{1, 10})
	b, _ := r.Add(desc, poolB, []float64{1, 10})

	produce := func(p sdkmetric.Producer) map[attribute.Distinct]metricdata.HistogramDataPoint[float64] {
		t.Helper()
		sms, err := p.Produce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		got := map[attribute.Distinct]metricdata.HistogramDataPoint[float64]{}
		for _, sm := range sms {
			for _, m := range sm.Metrics {
				h := m.Data.(metricdata.Histogram[float64])
				if want := metricdata.DeltaTemporality; p != r && h.Temporality != want {
					t.Errorf("temporality %v, want %v", h.Temporality, want)
				}
				for _, dp := range h.DataPoints {
					got[dp.Attributes.Equivalent()] = dp
				}
			}
		}
		return got
	}
	check := func(dp metricdata.HistogramDataPoint[float64], count uint64, sum float64, buckets string) {
		t.Helper()
		if dp.Count != count || dp.Sum != sum || fmt.Sprint(dp.BucketCounts) != buckets {
			t.Errorf("%v: count %d sum %v buckets %v, want %d, %v, %s", dp.Attributes.ToSlice(), dp.Count, dp.Sum, dp.BucketCounts, count, sum, buckets)
		}
	}

	a.Record(0.5)
	a.Record(3)
	b.Record(20)
	first := produce(delta)
	check(first[poolA.Equivalent()], 2, 3.5, "[1 1 0]")
	check(first[poolB.Equivalent()], 1, 20, "[0 0 1]")

	a.Record(4)
	second := produce(delta)
	if len(second) != 1 {
		t.Fatalf("second produce has %d series, want a only", len(second))
	}
	check(second[poolA.Equivalent()], 1, 4, "[0 1 0]")
	if got, want := second[poolA.Equivalent()].StartTime, first[poolA.Equivalent()].Time; !got.Equal(want) {
		t.Errorf("second start %v, want the first's time %v", got, want)
	}
	if len(produce(delta)) != 0 {
		t.Error("a produce with nothing recorded reported series")
	}

	// The other delta producer and the cumulative one each see everything.
	again := produce(other)
	check(again[poolA.Equivalent()], 3, 7.5, "[1 2 0]")
	check(again[poolB.Equivalent()], 1, 20, "[0 0 1]")
	cumulative := produce(r)
	check(cumulative[poolA.Equivalent()], 3, 7.5, "[1 2 0]")

	dropA()
	b.Record(0.25)
	if got := produce(delta); len(got) != 1 {
		t.Fatalf("after removing a: %v", got)
	} else {
		check(got[poolB.Equivalent()], 1, 0.25, "[1 0 0]")
	}
	if n := len(delta.(*deltaProducer).last); n != 1 {
		t.Errorf("the delta producer still keeps %d series, want 1", n)
	}
}

func TestFrom(t *testing.T) {
	r := NewRegistry()
	mp := sdkmetric.NewMeterProvider()
	if From(mp) != nil {
		t.Error("a plain provider carries no registry")
	}
	p := NewProvider(mp, r)
	if From(p) != r || p.Unwrap() != mp {
		t.Error("the provider does not carry its registry")
	}
}

// TestForLeavesViewedMetricsToTheSDK checks that For gives the registry to
// a tracker only when none of the user's views matches any of its
// histograms, by name, scope or wildcard.
func TestForLeavesViewedMetricsToTheSDK(t *testing.T) {
	lifetime := DescOf("conn", semconv.ConnectionLifetime.Metric)
	depth := DescOf("queue", semconv.QueueDepthSampled.Metric)
	wait := DescOf("queue", semconv.QueueWaitTime.Metric)
	if lifetime.Scope.Version != version.Version || lifetime.Unit != semconv.ConnectionLifetime.Unit {
		t.Fatalf("DescOf = %+v", lifetime)
	}
	mp := sdkmetric.NewMeterProvider()
	if For(mp, lifetime) != nil {
		t.Error("For on a plain provider gave a registry")
	}
	drop := sdkmetric.Stream{Aggregation: sdkmetric.AggregationDrop{}}
	for _, tc := range []struct {
		desc  string
		views []sdkmetric.View
		conn  bool // the connection tracker keeps the fast path
		queue bool // the queue tracker does
	}{
		{"no views", nil, true, true},
		{"a view on another metric", []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "http.server.duration"}, drop)}, true, true},
		{"a view on the queue's wait", []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: semconv.QueueWaitTime.Name}, drop)}, true, false},
		{"a view on a scope", []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Scope: instrumentation.Scope{Name: "conn"}}, drop)}, false, true},
		{"a view on every counter", []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "*", Kind: sdkmetric.InstrumentKindCounter}, drop)}, true, true},
		{"a wildcard view", []sdkmetric.View{sdkmetric.NewView(sdkmetric.Instrument{Name: "vitals.*"}, drop)}, false, false},
	} {
		r := NewRegistry(tc.views...)
		p := NewProvider(mp, r)
		if got := For(p, lifetime) == r; got != tc.conn {
			t.Errorf("%s: connection tracker keeps the fast path %v, want %v", tc.desc, got, tc.conn)
		}
		if got := For(p, depth, wait) == r; got != tc.queue {
			t.Errorf("%s: queue tracker keeps the fast path %v, want %v", tc.desc, got, tc.queue)
		}
	}
}

// TestForTracedLeavesExemplarsToTheSDK checks that only ForTraced gives
// way to a provider that records exemplars.
func TestForTracedLeavesExemplarsToTheSDK(t *testing.T) {
	d := DescOf("feature", semconv.FeatureDuration.Metric)
	mp := sdkmetric.NewMeterProvider()
	plain, traced := NewRegistry(), NewRegistry().WithExemplars()
	if For(NewProvider(mp, plain), d) != plain || ForTraced(NewProvider(mp, plain), d) != plain {
		t.Error("without exemplars both keep the fast path")
	}
	if For(NewProvider(mp, traced), d) != traced {
		t.Error("For gave way to exemplars: its histograms carry no trace context")
	}
	if ForTraced(NewProvider(mp, traced), d) != nil {
		t.Error("ForTraced kept the fast path under a provider that records exemplars")
	}
	if ForTraced(mp, d) != nil {
		t.Error("ForTraced gave a registry for a plain provider")
	}
}
