package fasthist

import (
	"context"
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
