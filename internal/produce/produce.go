package produce

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/fasthist"
	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// Producer produces the metrics of a hub's sources. Its methods are safe
// for concurrent use; one Produce runs at a time.
type Producer struct {
	hub         *core.Hub
	temporality sdkmetric.TemporalitySelector
	delta       bool // some kind is delta: keep what was reported

	mu   sync.Mutex
	last map[seriesKey]*reported
	gen  uint64
}

// New returns a producer of hub's sources, with every sum and histogram
// cumulative.
func New(hub *core.Hub) *Producer {
	return &Producer{hub: hub, temporality: sdkmetric.DefaultTemporalitySelector}
}

// WithTemporality returns a producer of the same hub whose sums and
// histograms have the temporality sel gives their instrument kind (an
// OTLP exporter's, say), with its own record of what it reported.
func (p *Producer) WithTemporality(sel sdkmetric.TemporalitySelector) *Producer {
	q := &Producer{hub: p.hub, temporality: sel, last: make(map[seriesKey]*reported)}
	for _, k := range []sdkmetric.InstrumentKind{sdkmetric.InstrumentKindObservableCounter, sdkmetric.InstrumentKindHistogram} {
		if sel(k) == metricdata.DeltaTemporality {
			q.delta = true
		}
	}
	return q
}

// ForTemporality is WithTemporality, as exporters.TemporalProducer has it.
func (p *Producer) ForTemporality(sel sdkmetric.TemporalitySelector) sdkmetric.Producer {
	return p.WithTemporality(sel)
}

// seriesKey names one series across collections.
type seriesKey struct {
	src   core.Source
	m     int
	attrs *core.Attrs
}

// reported is what a delta producer last reported of one series, in
// cumulative values.
type reported struct {
	i      int64
	f      float64
	counts []uint64
	count  uint64
	at     time.Time
	gen    uint64
}

// Produce returns the metrics of every source of the hub, in the order
// the sources were attached, grouped by scope.
func (p *Producer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	b := batch{p: p, now: time.Now(), scopes: map[string]int{}}
	p.hub.Collect(func(src core.Source) core.Sink {
		return b.sourceSink(src)
	})
	if p.delta {
		for k, r := range p.last {
			if r.gen != p.gen { // the series is gone
				delete(p.last, k)
			}
		}
	}
	return b.out, nil
}

// batch is one Produce's output under construction.
type batch struct {
	p      *Producer
	now    time.Time
	out    []metricdata.ScopeMetrics
	scopes map[string]int // scope name -> index in out
}

// sourceSink returns the sink of src's points in b.
func (b *batch) sourceSink(src core.Source) *sink {
	name := src.Scope()
	si, ok := b.scopes[name]
	if !ok {
		si = len(b.out)
		b.scopes[name] = si
		b.out = append(b.out, metricdata.ScopeMetrics{Scope: instrumentation.Scope{Name: name, Version: version.Version, SchemaURL: semconv.SchemaURL}})
	}
	defs := src.Metrics()
	return &sink{b: b, src: src, scope: si, defs: defs, at: make([]int, len(defs)), start: src.Start()}
}

// sink is the core.Sink of one source in one batch.
type sink struct {
	b     *batch
	src   core.Source
	scope int
	defs  []semconv.Metric
	at    []int // metric index -> 1 + index in the scope's Metrics; 0 before the first point
	start time.Time
}

// metric returns the output metric of m, made on its first point; metrics
// of one name from several sources of one scope share it.
func (s *sink) metric(m int) *metricdata.Metrics {
	sm := &s.b.out[s.scope]
	if i := s.at[m]; i > 0 {
		return &sm.Metrics[i-1]
	}
	d := s.defs[m]
	for i := range sm.Metrics {
		if sm.Metrics[i].Name == d.Name {
			s.at[m] = i + 1
			return &sm.Metrics[i]
		}
	}
	sm.Metrics = append(sm.Metrics, metricdata.Metrics{Name: d.Name, Description: d.Description, Unit: d.Unit})
	s.at[m] = len(sm.Metrics)
	return &sm.Metrics[len(sm.Metrics)-1]
}

// kind is the SDK instrument kind whose temporality m's points take.
func kind(k semconv.Kind) sdkmetric.InstrumentKind {
	switch k {
	case semconv.KindInt64ObservableCounter, semconv.KindFloat64ObservableCounter:
		return sdkmetric.InstrumentKindObservableCounter
	case semconv.KindInt64ObservableUpDownCounter:
		return sdkmetric.InstrumentKindObservableUpDownCounter
	case semconv.KindInt64Counter:
		return sdkmetric.InstrumentKindCounter
	case semconv.KindInt64UpDownCounter:
		return sdkmetric.InstrumentKindUpDownCounter
	}
	return sdkmetric.InstrumentKindHistogram
}

func isGauge(k semconv.Kind) bool {
	return k == semconv.KindInt64ObservableGauge || k == semconv.KindFloat64ObservableGauge
}

func isMonotonic(k semconv.Kind) bool {
	return k == semconv.KindInt64ObservableCounter || k == semconv.KindFloat64ObservableCounter || k == semconv.KindInt64Counter
}

// prior returns the series' last report for a delta point, or nil when
// the point is cumulative.
func (s *sink) prior(m int, a *core.Attrs, t metricdata.Temporality) *reported {
	if t != metricdata.DeltaTemporality {
		return nil
	}
	p := s.b.p
	k := seriesKey{src: s.src, m: m, attrs: a}
	r, ok := p.last[k]
	if !ok {
		r = &reported{at: s.start}
		p.last[k] = r
	}
	r.gen = p.gen
	return r
}

// Int64 adds an integer point.
func (s *sink) Int64(m int, a *core.Attrs, v int64) {
	d := s.defs[m]
	out := s.metric(m)
	if isGauge(d.Kind) {
		g, _ := out.Data.(metricdata.Gauge[int64])
		g.DataPoints = append(g.DataPoints, metricdata.DataPoint[int64]{Attributes: a.Set, Time: s.b.now, Value: v})
		out.Data = g
		return
	}
	sum, ok := out.Data.(metricdata.Sum[int64])
	if !ok {
		sum = metricdata.Sum[int64]{Temporality: s.b.p.temporality(kind(d.Kind)), IsMonotonic: isMonotonic(d.Kind)}
	}
	dp := metricdata.DataPoint[int64]{Attributes: a.Set, StartTime: s.start, Time: s.b.now, Value: v}
	if r := s.prior(m, a, sum.Temporality); r != nil {
		dp.Value, dp.StartTime = v-r.i, r.at
		r.i, r.at = v, s.b.now
	}
	sum.DataPoints = append(sum.DataPoints, dp)
	out.Data = sum
}

// Float64 adds a floating-point point.
func (s *sink) Float64(m int, a *core.Attrs, v float64) {
	d := s.defs[m]
	out := s.metric(m)
	if isGauge(d.Kind) {
		g, _ := out.Data.(metricdata.Gauge[float64])
		g.DataPoints = append(g.DataPoints, metricdata.DataPoint[float64]{Attributes: a.Set, Time: s.b.now, Value: v})
		out.Data = g
		return
	}
	sum, ok := out.Data.(metricdata.Sum[float64])
	if !ok {
		sum = metricdata.Sum[float64]{Temporality: s.b.p.temporality(kind(d.Kind)), IsMonotonic: isMonotonic(d.Kind)}
	}
	dp := metricdata.DataPoint[float64]{Attributes: a.Set, StartTime: s.start, Time: s.b.now, Value: v}
	if r := s.prior(m, a, sum.Temporality); r != nil {
		dp.Value, dp.StartTime = v-r.f, r.at
		r.f, r.at = v, s.b.now
	}
	sum.DataPoints = append(sum.DataPoints, dp)
	out.Data = sum
}

// Histogram adds a histogram point, with its min and max when cumulative.
// A delta point has the counts and sum since the last report, and no
// extremes (those of the interval are not kept); an interval with nothing
// recorded is left out.
func (s *sink) Histogram(m int, a *core.Attrs, h *fasthist.Histogram) {
	temporality := s.b.p.temporality(sdkmetric.InstrumentKindHistogram)
	counts, count, sum := h.Load(nil)
	dp := metricdata.HistogramDataPoint[float64]{
		Attributes: a.Set, StartTime: s.start, Time: s.b.now,
		Count: count, Bounds: h.Bounds(), BucketCounts: counts, Sum: sum,
	}
	if r := s.prior(m, a, temporality); r != nil {
		if r.counts == nil {
			r.counts = make([]uint64, len(counts))
		}
		if count == r.count {
			return // nothing recorded since
		}
		for i, c := range counts {
			dp.BucketCounts[i] = c - r.counts[i]
			r.counts[i] = c
		}
		dp.Count, dp.Sum, dp.StartTime = count-r.count, sum-r.f, r.at
		r.count, r.f, r.at = count, sum, s.b.now
	} else if lo, hi, ok := h.Extremes(); ok {
		dp.Min, dp.Max = metricdata.NewExtrema(lo), metricdata.NewExtrema(hi)
	}
	out := s.metric(m) // made only once it has a point
	hist, ok := out.Data.(metricdata.Histogram[float64])
	if !ok {
		hist = metricdata.Histogram[float64]{Temporality: temporality}
	}
	hist.DataPoints = append(hist.DataPoints, dp)
	out.Data = hist
}
