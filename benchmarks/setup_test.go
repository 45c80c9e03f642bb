package benchmarks

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/exemplar"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

// This file holds the fixtures every row is built from: one instrument per
// implementation, made before the timed loop, with the operation the loop
// calls as a method. The tests in work_test.go call the same methods and
// read the results back, so a row that measures nothing fails there.

// scopeName is the instrumentation scope of the raw-OTel instruments.
const scopeName = "github.com/otelvitals/vitals/benchmarks"

// The series every row records into: the two attributes a cache tracker
// carries. They are variables, as in real code where the values come from
// configuration, so no row gets to build its attributes from constants.
var (
	cacheType = "application"
	cacheName = "users"
)

// The same series in client_golang: label names as the OTel Prometheus
// exporter spells the semconv keys.
var promLabels = []string{"cache_type", "cache_name"}

// latencies is the table the histogram rows record from, one entry per
// iteration in turn, so that no value is a constant the compiler could fold.
// Each entry is a whole multiple of 2⁻¹⁴ s (about 61 µs), between 122 µs and
// 0.25 s, and none sits on a bucket boundary of [semconv.LatencyBuckets]:
// sums of such values are exact in float64 in any order, which lets the
// tests compare histogram sums recorded from many goroutines with ==.
var latencies = func() (t [64]float64) {
	for i := range t {
		k := (i * 37) % len(t) // a fixed shuffle of 0..63
		t[i] = float64(2+k*k) / (1 << 14)
	}
	return t
}()

// latency returns the i-th value of the latencies table, wrapping around.
func latency(i int) float64 { return latencies[i&(len(latencies)-1)] }

// cacheSet returns the attribute set of the benchmarked series.
func cacheSet() attribute.Set {
	return attribute.NewSet(
		semconv.CacheTypeKey.String(cacheType),
		semconv.CacheNameKey.String(cacheName),
	)
}

// newOTelMeter returns a meter of a MeterProvider configured as vitals
// configures its own (exemplars off), read by the returned ManualReader.
// The provider is shut down when tb ends.
func newOTelMeter(tb testing.TB) (metric.Meter, *sdkmetric.ManualReader) {
	tb.Helper()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(
		sdkmetric.WithReader(reader),
		sdkmetric.WithExemplarFilter(exemplar.AlwaysOffFilter),
	)
	tb.Cleanup(func() {
		if err := mp.Shutdown(context.Background()); err != nil {
			tb.Errorf("shut down meter provider: %v", err)
		}
	})
	return mp.Meter(scopeName), reader
}

// collectMetric collects reader once and returns the metric called name.
func collectMetric(tb testing.TB, reader *sdkmetric.ManualReader, name string) metricdata.Metrics {
	tb.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		tb.Fatalf("collect: %v", err)
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m
			}
		}
	}
	tb.Fatalf("metric %q not collected", name)
	return metricdata.Metrics{}
}

// otelCounter is a raw-OTel Int64Counter on the cache series.
type otelCounter struct {
	reader  *sdkmetric.ManualReader
	counter metric.Int64Counter
	set     attribute.Set
	// opts is built once from set and kept: the careful hand-written path.
	opts []metric.AddOption
}

func newOTelCounter(tb testing.TB) *otelCounter {
	tb.Helper()
	meter, reader := newOTelMeter(tb)
	m := semconv.CacheOperations.Metric
	counter, err := meter.Int64Counter(m.Name, metric.WithUnit(m.Unit), metric.WithDescription(m.Description))
	if err != nil {
		tb.Fatalf("create counter: %v", err)
	}
	set := cacheSet()
	return &otelCounter{
		reader:  reader,
		counter: counter,
		set:     set,
		opts:    []metric.AddOption{metric.WithAttributeSet(set)},
	}
}

// addKeptSet adds 1 with the option slice built once from the precomputed set.
func (c *otelCounter) addKeptSet(ctx context.Context) { c.counter.Add(ctx, 1, c.opts...) }

// addSetPerCall adds 1 with the precomputed set, wrapping it in a new option
// on every call.
func (c *otelCounter) addSetPerCall(ctx context.Context) {
	c.counter.Add(ctx, 1, metric.WithAttributeSet(c.set))
}

// addAttrsPerCall adds 1 with the attributes built on every call: what most
// instrumented code does.
func (c *otelCounter) addAttrsPerCall(ctx context.Context) {
	c.counter.Add(ctx, 1, metric.WithAttributes(
		semconv.CacheTypeKey.String(cacheType),
		semconv.CacheNameKey.String(cacheName),
	))
}

// collect returns the counter as the reader exports it.
func (c *otelCounter) collect(tb testing.TB) metricdata.Metrics {
	tb.Helper()
	return collectMetric(tb, c.reader, semconv.CacheOperations.Name)
}

// count returns the value of the counter's one series; it fails tb if the
// counter holds any other series.
func (c *otelCounter) count(tb testing.TB) uint64 {
	tb.Helper()
	sum, ok := c.collect(tb).Data.(metricdata.Sum[int64])
	if !ok || len(sum.DataPoints) != 1 || !sum.DataPoints[0].Attributes.Equals(&c.set) {
		tb.Fatalf("counter: want one series %v, got %+v", c.set.ToSlice(), sum.DataPoints)
	}
	return uint64(sum.DataPoints[0].Value)
}

// otelHistogram is a raw-OTel Float64Histogram on the cache series, with the
// bucket boundaries vitals gives its latency histograms.
type otelHistogram struct {
	reader    *sdkmetric.ManualReader
	histogram metric.Float64Histogram
	set       attribute.Set
	// opts is built once from set and kept: the careful hand-written path.
	opts []metric.RecordOption
}

func newOTelHistogram(tb testing.TB) *otelHistogram {
	tb.Helper()
	meter, reader := newOTelMeter(tb)
	m := semconv.CacheOperationDuration.Metric
	h, err := meter.Float64Histogram(m.Name,
		metric.WithUnit(m.Unit),
		metric.WithDescription(m.Description),
		metric.WithExplicitBucketBoundaries(semconv.LatencyBuckets()...),
	)
	if err != nil {
		tb.Fatalf("create histogram: %v", err)
	}
	set := cacheSet()
	return &otelHistogram{
		reader:    reader,
		histogram: h,
		set:       set,
		opts:      []metric.RecordOption{metric.WithAttributeSet(set)},
	}
}

// recordKeptSet records v with the option slice built once from the set.
func (h *otelHistogram) recordKeptSet(ctx context.Context, v float64) {
	h.histogram.Record(ctx, v, h.opts...)
}

// recordSetPerCall records v with the precomputed set, wrapping it in a new
// option on every call.
func (h *otelHistogram) recordSetPerCall(ctx context.Context, v float64) {
	h.histogram.Record(ctx, v, metric.WithAttributeSet(h.set))
}

// recordAttrsPerCall records v with the attributes built on every call.
func (h *otelHistogram) recordAttrsPerCall(ctx context.Context, v float64) {
	h.histogram.Record(ctx, v, metric.WithAttributes(
		semconv.CacheTypeKey.String(cacheType),
		semconv.CacheNameKey.String(cacheName),
	))
}

// collect returns the histogram as the reader exports it.
func (h *otelHistogram) collect(tb testing.TB) metricdata.Metrics {
	tb.Helper()
	return collectMetric(tb, h.reader, semconv.CacheOperationDuration.Name)
}

// count returns the number of values in the histogram's one series; it fails
// tb if the histogram holds any other series.
func (h *otelHistogram) count(tb testing.TB) uint64 {
	tb.Helper()
	hist, ok := h.collect(tb).Data.(metricdata.Histogram[float64])
	if !ok || len(hist.DataPoints) != 1 || !hist.DataPoints[0].Attributes.Equals(&h.set) {
		tb.Fatalf("histogram: want one series %v, got %+v", h.set.ToSlice(), hist.DataPoints)
	}
	return hist.DataPoints[0].Count
}

// promCounter is a client_golang CounterVec on its own registry, with the
// cache series resolved once and kept.
type promCounter struct {
	registry *prometheus.Registry
	vec      *prometheus.CounterVec
	kept     prometheus.Counter
}

func newPromCounter(tb testing.TB) *promCounter {
	tb.Helper()
	vec := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "vitals_cache_operations_total",
		Help: semconv.CacheOperations.Description,
	}, promLabels)
	reg := prometheus.NewRegistry()
	if err := reg.Register(vec); err != nil {
		tb.Fatalf("register counter: %v", err)
	}
	return &promCounter{registry: reg, vec: vec, kept: vec.WithLabelValues(cacheType, cacheName)}
}

// incKept increments the counter resolved once from the vector.
func (c *promCounter) incKept() { c.kept.Inc() }

// incLabelsPerCall looks the series up by its label values and increments it.
func (c *promCounter) incLabelsPerCall() { c.vec.WithLabelValues(cacheType, cacheName).Inc() }

// count returns the value of the counter's one series as the registry
// gathers it; it fails tb if there is any other series.
func (c *promCounter) count(tb testing.TB) uint64 {
	tb.Helper()
	return uint64(gatherOne(tb, c.registry).counter)
}

// promHistogram is a client_golang HistogramVec on its own registry, with
// the bucket boundaries vitals gives its latency histograms and the cache
// series resolved once and kept.
type promHistogram struct {
	registry *prometheus.Registry
	vec      *prometheus.HistogramVec
	kept     prometheus.Observer
}

func newPromHistogram(tb testing.TB) *promHistogram {
	tb.Helper()
	vec := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "vitals_cache_operation_duration_seconds",
		Help:    semconv.CacheOperationDuration.Description,
		Buckets: semconv.LatencyBuckets(),
	}, promLabels)
	reg := prometheus.NewRegistry()
	if err := reg.Register(vec); err != nil {
		tb.Fatalf("register histogram: %v", err)
	}
	return &promHistogram{registry: reg, vec: vec, kept: vec.WithLabelValues(cacheType, cacheName)}
}

// observeKept observes v on the observer resolved once from the vector.
func (h *promHistogram) observeKept(v float64) { h.kept.Observe(v) }

// observeLabelsPerCall looks the series up by its label values and observes v.
func (h *promHistogram) observeLabelsPerCall(v float64) {
	h.vec.WithLabelValues(cacheType, cacheName).Observe(v)
}

// count returns the number of values in the histogram's one series as the
// registry gathers it; it fails tb if there is any other series.
func (h *promHistogram) count(tb testing.TB) uint64 {
	tb.Helper()
	return gatherOne(tb, h.registry).sampleCount
}

// promSeries is what the checks read from one gathered client_golang series.
type promSeries struct {
	counter     float64
	sampleCount uint64
	sampleSum   float64
	bounds      []float64 // histogram upper bounds, without +Inf
	cumulative  []uint64  // histogram cumulative count per bound
}

// gatherOne gathers reg, which must hold exactly one metric family with
// exactly one series, labelled with the cache series, and returns that series.
func gatherOne(tb testing.TB, reg *prometheus.Registry) promSeries {
	tb.Helper()
	families, err := reg.Gather()
	if err != nil {
		tb.Fatalf("gather: %v", err)
	}
	if len(families) != 1 || len(families[0].GetMetric()) != 1 {
		tb.Fatalf("gather: want one family with one series, got %v", families)
	}
	m := families[0].GetMetric()[0]
	got := map[string]string{}
	for _, l := range m.GetLabel() {
		got[l.GetName()] = l.GetValue()
	}
	if len(got) != len(promLabels) || got[promLabels[0]] != cacheType || got[promLabels[1]] != cacheName {
		tb.Fatalf("gather: want labels %v = [%s %s], got %v", promLabels, cacheType, cacheName, got)
	}
	s := promSeries{
		counter:     m.GetCounter().GetValue(),
		sampleCount: m.GetHistogram().GetSampleCount(),
		sampleSum:   m.GetHistogram().GetSampleSum(),
	}
	for _, b := range m.GetHistogram().GetBucket() {
		s.bounds = append(s.bounds, b.GetUpperBound())
		s.cumulative = append(s.cumulative, b.GetCumulativeCount())
	}
	return s
}

// atomicCounter is the floor: a bare atomic add, what a vitals handle does
// for each count it keeps.
type atomicCounter struct{ n atomic.Int64 }

// add adds 1.
func (c *atomicCounter) add() { c.n.Add(1) }

// count returns the value.
func (c *atomicCounter) count(testing.TB) uint64 { return uint64(c.n.Load()) }
