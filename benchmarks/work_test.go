package benchmarks

import (
	"context"
	"sort"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelvitals/vitals/semconv"
)

// These tests hold the benchmarks to doing the work they claim: each
// operation a row times is run here a known number of times and the result
// is read back through the exporter-facing side (a ManualReader, a
// Registry's Gather) and compared exactly.

// ops is how many times each test runs an operation.
const ops = 1000

// wantHistogramPoint returns the data point of an explicit-bucket histogram
// over bounds that has recorded values in the series set.
func wantHistogramPoint(set attribute.Set, bounds, values []float64) metricdata.HistogramDataPoint[float64] {
	p := metricdata.HistogramDataPoint[float64]{
		Attributes:   set,
		Bounds:       bounds,
		BucketCounts: make([]uint64, len(bounds)+1),
	}
	lo, hi := values[0], values[0]
	for _, v := range values {
		// Buckets are upper-inclusive: the first bound >= v holds v.
		p.BucketCounts[sort.SearchFloat64s(bounds, v)]++
		p.Count++
		p.Sum += v
		lo, hi = min(lo, v), max(hi, v)
	}
	p.Min, p.Max = metricdata.NewExtrema(lo), metricdata.NewExtrema(hi)
	return p
}

// recorded returns the values the histogram rows record in n iterations of
// one goroutine.
func recorded(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = latency(i)
	}
	return v
}

// TestOTelCounterRows checks that each OTel counter row adds exactly one to
// the cache series per call, read back through the ManualReader.
func TestOTelCounterRows(t *testing.T) {
	tests := []struct {
		name string
		add  func(*otelCounter, context.Context)
	}{
		{"otel-kept-set", (*otelCounter).addKeptSet},
		{"otel-set-per-call", (*otelCounter).addSetPerCall},
		{"otel-attrs-per-call", (*otelCounter).addAttrsPerCall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newOTelCounter(t)
			ctx := context.Background()
			for range ops {
				tt.add(c, ctx)
			}
			m := semconv.CacheOperations.Metric
			want := metricdata.Metrics{
				Name:        m.Name,
				Description: m.Description,
				Unit:        m.Unit,
				Data: metricdata.Sum[int64]{
					Temporality: metricdata.CumulativeTemporality,
					IsMonotonic: true,
					DataPoints:  []metricdata.DataPoint[int64]{{Attributes: cacheSet(), Value: ops}},
				},
			}
			metricdatatest.AssertEqual(t, want, c.collect(t), metricdatatest.IgnoreTimestamp())
		})
	}
}

// TestOTelHistogramRows checks that each OTel histogram row records exactly
// the values it is given in the cache series: count, sum, buckets, min, max.
func TestOTelHistogramRows(t *testing.T) {
	tests := []struct {
		name   string
		record func(*otelHistogram, context.Context, float64)
	}{
		{"otel-kept-set", (*otelHistogram).recordKeptSet},
		{"otel-set-per-call", (*otelHistogram).recordSetPerCall},
		{"otel-attrs-per-call", (*otelHistogram).recordAttrsPerCall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOTelHistogram(t)
			ctx := context.Background()
			for i := range ops {
				tt.record(h, ctx, latency(i))
			}
			m := semconv.CacheOperationDuration.Metric
			want := metricdata.Metrics{
				Name:        m.Name,
				Description: m.Description,
				Unit:        m.Unit,
				Data: metricdata.Histogram[float64]{
					Temporality: metricdata.CumulativeTemporality,
					DataPoints: []metricdata.HistogramDataPoint[float64]{
						wantHistogramPoint(cacheSet(), semconv.LatencyBuckets(), recorded(ops)),
					},
				},
			}
			metricdatatest.AssertEqual(t, want, h.collect(t), metricdatatest.IgnoreTimestamp())
		})
	}
}

// TestPromCounterRows checks that each client_golang counter row adds
// exactly one to the cache series per call, read back through Gather.
func TestPromCounterRows(t *testing.T) {
	tests := []struct {
		name string
		inc  func(*promCounter)
	}{
		{"prom-kept", (*promCounter).incKept},
		{"prom-labels-per-call", (*promCounter).incLabelsPerCall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newPromCounter(t)
			for range ops {
				tt.inc(c)
			}
			if got := gatherOne(t, c.registry).counter; got != ops {
				t.Errorf("counter = %v, want %d", got, ops)
			}
		})
	}
}

// TestPromHistogramRows checks that each client_golang histogram row
// observes exactly the values it is given: count, sum and buckets.
func TestPromHistogramRows(t *testing.T) {
	tests := []struct {
		name    string
		observe func(*promHistogram, float64)
	}{
		{"prom-kept", (*promHistogram).observeKept},
		{"prom-labels-per-call", (*promHistogram).observeLabelsPerCall},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newPromHistogram(t)
			for i := range ops {
				tt.observe(h, latency(i))
			}
			want := wantHistogramPoint(cacheSet(), semconv.LatencyBuckets(), recorded(ops))
			got := gatherOne(t, h.registry)
			if got.sampleCount != want.Count || got.sampleSum != want.Sum {
				t.Errorf("count, sum = %d, %v; want %d, %v", got.sampleCount, got.sampleSum, want.Count, want.Sum)
			}
			if len(got.bounds) != len(want.Bounds) {
				t.Fatalf("bounds = %v, want %v", got.bounds, want.Bounds)
			}
			var cum uint64
			for i, b := range want.Bounds {
				cum += want.BucketCounts[i]
				if got.bounds[i] != b || got.cumulative[i] != cum {
					t.Errorf("bucket le=%v: got le=%v count %d, want count %d", b, got.bounds[i], got.cumulative[i], cum)
				}
			}
		})
	}
}

// TestRowsConcurrentSafe runs each operation of the parallel groups from
// several goroutines on one shared series and checks that no update is lost.
func TestRowsConcurrentSafe(t *testing.T) {
	const goroutines = 4
	// Every goroutine walks the latencies table from its start, as each
	// RunParallel goroutine does, so the expected histogram is the
	// single-goroutine one repeated; sums are exact in any order (see
	// latencies).
	values := make([]float64, 0, goroutines*ops)
	for range goroutines {
		values = append(values, recorded(ops)...)
	}
	wantHist := wantHistogramPoint(cacheSet(), semconv.LatencyBuckets(), values)

	// run calls op(i) for i in [0, ops) on each of the goroutines at once.
	run := func(op func(i int)) {
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for i := range ops {
					op(i)
				}
			})
		}
		wg.Wait()
	}
	ctx := context.Background()
	counters := []struct {
		name  string
		count func(t *testing.T) uint64
	}{
		{"otel-kept-set", func(t *testing.T) uint64 {
			c := newOTelCounter(t)
			run(func(int) { c.addKeptSet(ctx) })
			return c.count(t)
		}},
		{"otel-set-per-call", func(t *testing.T) uint64 {
			c := newOTelCounter(t)
			run(func(int) { c.addSetPerCall(ctx) })
			return c.count(t)
		}},
		{"otel-attrs-per-call", func(t *testing.T) uint64 {
			c := newOTelCounter(t)
			run(func(int) { c.addAttrsPerCall(ctx) })
			return c.count(t)
		}},
		{"prom-kept", func(t *testing.T) uint64 {
			c := newPromCounter(t)
			run(func(int) { c.incKept() })
			return c.count(t)
		}},
		{"prom-labels-per-call", func(t *testing.T) uint64 {
			c := newPromCounter(t)
			run(func(int) { c.incLabelsPerCall() })
			return c.count(t)
		}},
		{"atomic", func(t *testing.T) uint64 {
			var c atomicCounter
			run(func(int) { c.add() })
			return c.count(t)
		}},
	}
	for _, tt := range counters {
		t.Run("counter/"+tt.name, func(t *testing.T) {
			if got := tt.count(t); got != goroutines*ops {
				t.Errorf("count = %d, want %d", got, goroutines*ops)
			}
		})
	}

	otelHists := []struct {
		name   string
		record func(*otelHistogram, context.Context, float64)
	}{
		{"otel-kept-set", (*otelHistogram).recordKeptSet},
		{"otel-set-per-call", (*otelHistogram).recordSetPerCall},
		{"otel-attrs-per-call", (*otelHistogram).recordAttrsPerCall},
	}
	for _, tt := range otelHists {
		t.Run("histogram/"+tt.name, func(t *testing.T) {
			h := newOTelHistogram(t)
			run(func(i int) { tt.record(h, ctx, latency(i)) })
			got, ok := h.collect(t).Data.(metricdata.Histogram[float64])
			if !ok || len(got.DataPoints) != 1 {
				t.Fatalf("want one histogram series, got %+v", got)
			}
			metricdatatest.AssertEqual(t, wantHist, got.DataPoints[0], metricdatatest.IgnoreTimestamp())
		})
	}

	promHists := []struct {
		name    string
		observe func(*promHistogram, float64)
	}{
		{"prom-kept", (*promHistogram).observeKept},
		{"prom-labels-per-call", (*promHistogram).observeLabelsPerCall},
	}
	for _, tt := range promHists {
		t.Run("histogram/"+tt.name, func(t *testing.T) {
			h := newPromHistogram(t)
			run(func(i int) { tt.observe(h, latency(i)) })
			got := gatherOne(t, h.registry)
			if got.sampleCount != wantHist.Count || got.sampleSum != wantHist.Sum {
				t.Errorf("count, sum = %d, %v; want %d, %v", got.sampleCount, got.sampleSum, wantHist.Count, wantHist.Sum)
			}
		})
	}
}

// TestKeptPathsDoNotAllocate holds the rows that keep their handle and
// options to zero allocations per operation, as the hot-path rule of the
// design requires of vitals' own handles. The rows that build options or
// attributes per call are only logged: what they allocate is the SDK's
// business, and the benchmarks report it.
func TestKeptPathsDoNotAllocate(t *testing.T) {
	ctx := context.Background()
	oc, oh := newOTelCounter(t), newOTelHistogram(t)
	pc, ph := newPromCounter(t), newPromHistogram(t)
	var ac atomicCounter
	tests := []struct {
		name string
		op   func()
		// zero is whether the row must not allocate.
		zero bool
	}{
		{"counter/otel-kept-set", func() { oc.addKeptSet(ctx) }, true},
		{"counter/otel-set-per-call", func() { oc.addSetPerCall(ctx) }, false},
		{"counter/otel-attrs-per-call", func() { oc.addAttrsPerCall(ctx) }, false},
		{"counter/prom-kept", pc.incKept, true},
		{"counter/prom-labels-per-call", pc.incLabelsPerCall, false},
		{"counter/atomic", ac.add, true},
		{"histogram/otel-kept-set", func() { oh.recordKeptSet(ctx, latency(1)) }, true},
		{"histogram/otel-set-per-call", func() { oh.recordSetPerCall(ctx, latency(1)) }, false},
		{"histogram/otel-attrs-per-call", func() { oh.recordAttrsPerCall(ctx, latency(1)) }, false},
		{"histogram/prom-kept", func() { ph.observeKept(latency(1)) }, true},
		{"histogram/prom-labels-per-call", func() { ph.observeLabelsPerCall(latency(1)) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.op() // the first call creates the series
			allocs := testing.AllocsPerRun(ops, tt.op)
			if tt.zero && allocs != 0 {
				t.Errorf("%v allocations per op, want 0", allocs)
			}
			t.Logf("%v allocations per op", allocs)
		})
	}
}

// TestRowNames checks that every group's impl names are unique and stay
// usable as benchstat keys.
func TestRowNames(t *testing.T) {
	groups := map[string][]row{
		"CounterAdd":              counterAddRows,
		"CounterAddParallel":      counterAddParallelRows,
		"HistogramRecord":         histogramRecordRows,
		"HistogramRecordParallel": histogramRecordParallelRows,
	}
	for group, rows := range groups {
		seen := map[string]bool{}
		for _, r := range rows {
			if r.name == "" || strings.ContainsAny(r.name, "/= \t") || seen[r.name] {
				t.Errorf("%s: impl name %q is empty, repeated or holds '/', '=' or a space", group, r.name)
			}
			// go test appends -GOMAXPROCS to names, and benchstat and the
			// ratio command strip any final -digits as that suffix.
			if i := strings.LastIndexByte(r.name, '-'); i >= 0 && i < len(r.name)-1 && strings.Trim(r.name[i+1:], "0123456789") == "" {
				t.Errorf("%s: impl name %q ends in -digits", group, r.name)
			}
			seen[r.name] = true
		}
		if !seen["otel-kept-set"] {
			t.Errorf("%s: no otel-kept-set row, the baseline of the ratios", group)
		}
	}
}
