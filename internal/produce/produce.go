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
//
// Each Produce sizes its point slices from the previous one, so that a
// collection allocates once per metric, not once per doubling. A view
// (WithTemporality), which serves one reader, goes further: it reuses the
// slices it returned last time, so the data of one of its Produce calls is
// valid until its next one, as a reader that exports before it collects
// again (the SDK's periodic reader, the Prometheus exporter) needs.
type Producer struct {
	hub         *core.Hub
	temporality sdkmetric.TemporalitySelector
	delta       bool // some kind is delta: keep what was reported
	reuse       bool // a view: the last output's slices are reused

	mu     sync.Mutex
	last   map[seriesKey]*reported
	gen    uint64
	sinks  map[core.Source]*sink     // one per source, reused (one Produce at a time)
	slab   []uint64                  // a view's last bucket counts, to reuse
	scopes int                       // scopes last time
	out    []metricdata.ScopeMetrics // a view's last output, to reuse
	pend   [][]*pending
}

// buffers are the point slices of one output metric.
type buffers struct {
	ints   []metricdata.DataPoint[int64]
	floats []metricdata.DataPoint[float64]
	hists  []metricdata.HistogramDataPoint[float64]
}

// New returns a producer of hub's sources, with every sum and histogram
// cumulative.
func New(hub *core.Hub) *Producer {
	return &Producer{hub: hub, temporality: sdkmetric.DefaultTemporalitySelector, sinks: map[core.Source]*sink{}}
}

// WithTemporality returns a view of the same hub for one reader: its sums
// and histograms have the temporality sel gives their instrument kind (an
// OTLP exporter's, say), it keeps its own record of what it reported, and
// it reuses its buffers (see [Producer]).
func (p *Producer) WithTemporality(sel sdkmetric.TemporalitySelector) *Producer {
	q := &Producer{hub: p.hub, temporality: sel, reuse: true, last: make(map[seriesKey]*reported),
		sinks: map[core.Source]*sink{}}
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
	b := batch{p: p, now: time.Now(), slab: p.slab[:0]}
	if p.reuse && p.out != nil { // a view: last time's scopes, emptied
		b.out, b.pend = p.out[:0], p.pend[:0]
	} else {
		b.out, b.pend = make([]metricdata.ScopeMetrics, 0, p.scopes), make([][]*pending, 0, p.scopes)
	}
	p.hub.Collect(func(src core.Source) core.Sink {
		return b.sourceSink(src)
	})
	b.finish()
	p.keep(&b)
	p.scopes = len(b.out)
	for src, s := range p.sinks {
		if s.gen != p.gen { // the source left the hub
			delete(p.sinks, src)
		}
	}
	if p.delta {
		for k, r := range p.last {
			if r.gen != p.gen { // the series is gone
				delete(p.last, k)
			}
		}
	}
	return b.out, nil
}

// keep remembers, in the sink of the source that made it, the size of
// each metric of b's output, and, for a view, its slices, to reuse at the
// next Produce.
func (p *Producer) keep(b *batch) {
	for si := range b.out {
		for _, pm := range b.pend[si] {
			o := pm.owner
			o.sizes[pm.m] = len(pm.ints) + len(pm.floats) + len(pm.hists)
			if p.reuse {
				o.spare[pm.m] = buffers{ints: pm.ints, floats: pm.floats, hists: pm.hists}
			}
		}
	}
	if p.reuse {
		p.slab, p.out, p.pend = b.slab, b.out, b.pend
	}
}

// batch is one Produce's output under construction.
type batch struct {
	p    *Producer
	now  time.Time
	out  []metricdata.ScopeMetrics
	pend [][]*pending // by scope and metric, as in out: the points
	slab []uint64     // bucket counts are cut from it
}

// pending is one output metric's points while they come in; finish makes
// them its Data, once, so that a point costs no boxing.
type pending struct {
	def         semconv.Metric
	owner       *sink // the sink of the source that made it, which keeps its sizes
	m           int   // its index in the owner's metric table
	temporality metricdata.Temporality
	made        bool // the point slice of its kind is taken
	ints        []metricdata.DataPoint[int64]
	floats      []metricdata.DataPoint[float64]
	hists       []metricdata.HistogramDataPoint[float64]
}

// finish sets the Data of every output metric from its points.
func (b *batch) finish() {
	for si := range b.out {
		for mi := range b.out[si].Metrics {
			pm, out := b.pend[si][mi], &b.out[si].Metrics[mi]
			k := pm.def.Kind
			switch {
			case k == semconv.KindFloat64Histogram:
				out.Data = metricdata.Histogram[float64]{Temporality: pm.temporality, DataPoints: pm.hists}
			case isGauge(k) && pm.ints != nil:
				out.Data = metricdata.Gauge[int64]{DataPoints: pm.ints}
			case isGauge(k):
				out.Data = metricdata.Gauge[float64]{DataPoints: pm.floats}
			case pm.ints != nil:
				out.Data = metricdata.Sum[int64]{Temporality: pm.temporality, IsMonotonic: isMonotonic(k), DataPoints: pm.ints}
			default:
				out.Data = metricdata.Sum[float64]{Temporality: pm.temporality, IsMonotonic: isMonotonic(k), DataPoints: pm.floats}
			}
		}
	}
}

// counts returns a slice of n bucket counts for one histogram point.
func (b *batch) counts(n int) []uint64 {
	if len(b.slab)+n > cap(b.slab) {
		b.slab = make([]uint64, 0, max(2*cap(b.slab), 64*n))
	}
	c := b.slab[len(b.slab) : len(b.slab)+n]
	b.slab = b.slab[:len(b.slab)+n]
	return c
}

// ints, floats and hists return the point slice to fill for metric m of
// s: the view's last one, emptied, or a new one of last time's size.
func (s *sink) ints(m int) []metricdata.DataPoint[int64] {
	if sp := s.spare[m].ints; sp != nil {
		return sp[:0]
	}
	return make([]metricdata.DataPoint[int64], 0, s.sizes[m])
}

func (s *sink) floats(m int) []metricdata.DataPoint[float64] {
	if sp := s.spare[m].floats; sp != nil {
		return sp[:0]
	}
	return make([]metricdata.DataPoint[float64], 0, s.sizes[m])
}

func (s *sink) hists(m int) []metricdata.HistogramDataPoint[float64] {
	if sp := s.spare[m].hists; sp != nil {
		return sp[:0]
	}
	return make([]metricdata.HistogramDataPoint[float64], 0, s.sizes[m])
}

// sourceSink returns the sink of src's points in b.
func (b *batch) sourceSink(src core.Source) *sink {
	name := src.Scope()
	si := -1
	for i := range b.out { // a handful of scopes
		if b.out[i].Scope.Name == name {
			si = i
			break
		}
	}
	if si < 0 {
		si = len(b.out)
		n := len(src.Metrics())
		var metrics []metricdata.Metrics
		var pend []*pending
		if si < cap(b.out) && si < cap(b.pend) { // a view's last slices of this position
			if old := b.out[:si+1][si]; old.Scope.Name == name {
				metrics, pend = old.Metrics[:0], b.pend[:si+1][si][:0]
			}
		}
		if metrics == nil {
			metrics, pend = make([]metricdata.Metrics, 0, n), make([]*pending, 0, n)
		}
		b.out = append(b.out, metricdata.ScopeMetrics{
			Scope:   instrumentation.Scope{Name: name, Version: version.Version, SchemaURL: semconv.SchemaURL},
			Metrics: metrics,
		})
		b.pend = append(b.pend, pend)
	}
	defs := src.Metrics()
	s := b.p.sinks[src]
	if s == nil || len(s.at) != len(defs) {
		s = &sink{src: src, at: make([]int, len(defs)), sizes: make([]int, len(defs)), spare: make([]buffers, len(defs)), pends: make([]pending, len(defs))}
		b.p.sinks[src] = s
	}
	s.b, s.scope, s.defs, s.start, s.gen = b, si, defs, src.Start(), b.p.gen
	clear(s.at)
	return s
}

// sink is the core.Sink of one source in one batch.
type sink struct {
	b     *batch
	src   core.Source
	scope int
	defs  []semconv.Metric
	at    []int // metric index -> 1 + index in the scope's Metrics; 0 before the first point
	start time.Time
	gen   uint64    // the Produce it last served
	pends []pending // by metric index: the metrics it makes in a Produce
	sizes []int     // by metric index: the points of the metric it made last time
	spare []buffers // by metric index: a view's slices of it, to reuse
}

// metric returns the pending output metric of m, made on its first
// point; metrics of one name from several sources of one scope share it.
func (s *sink) metric(m int) *pending {
	sm := &s.b.out[s.scope]
	if i := s.at[m]; i > 0 {
		return s.b.pend[s.scope][i-1]
	}
	d := s.defs[m]
	for i := range sm.Metrics {
		if sm.Metrics[i].Name == d.Name {
			s.at[m] = i + 1
			return s.b.pend[s.scope][i]
		}
	}
	sm.Metrics = append(sm.Metrics, metricdata.Metrics{Name: d.Name, Description: d.Description, Unit: d.Unit})
	pm := &s.pends[m] // reused: a pending lives for one Produce
	*pm = pending{def: d, owner: s, m: m}
	if d.Kind == semconv.KindFloat64Histogram {
		pm.temporality = s.b.p.temporality(sdkmetric.InstrumentKindHistogram)
	} else if !isGauge(d.Kind) {
		pm.temporality = s.b.p.temporality(kind(d.Kind))
	}
	s.b.pend[s.scope] = append(s.b.pend[s.scope], pm)
	s.at[m] = len(sm.Metrics)
	return pm
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
	pm := s.metric(m)
	if !pm.made {
		pm.ints, pm.made = pm.owner.ints(pm.m), true
	}
	dp := metricdata.DataPoint[int64]{Attributes: a.Set, Time: s.b.now, Value: v}
	if !isGauge(pm.def.Kind) {
		dp.StartTime = s.start
		if r := s.prior(m, a, pm.temporality); r != nil {
			dp.Value, dp.StartTime = v-r.i, r.at
			r.i, r.at = v, s.b.now
		}
	}
	pm.ints = append(pm.ints, dp)
}

// Float64 adds a floating-point point.
func (s *sink) Float64(m int, a *core.Attrs, v float64) {
	pm := s.metric(m)
	if !pm.made {
		pm.floats, pm.made = pm.owner.floats(pm.m), true
	}
	dp := metricdata.DataPoint[float64]{Attributes: a.Set, Time: s.b.now, Value: v}
	if !isGauge(pm.def.Kind) {
		dp.StartTime = s.start
		if r := s.prior(m, a, pm.temporality); r != nil {
			dp.Value, dp.StartTime = v-r.f, r.at
			r.f, r.at = v, s.b.now
		}
	}
	pm.floats = append(pm.floats, dp)
}

// Histogram adds a histogram point, with its min and max when cumulative.
// A cumulative point shares h's bucket counts. A delta point has the
// counts and sum since the last report, and no extremes (those of the
// interval are not kept); an interval with nothing recorded is left out.
func (s *sink) Histogram(m int, a *core.Attrs, h *fasthist.Snapshot) {
	dp := metricdata.HistogramDataPoint[float64]{
		Attributes: a.Set, StartTime: s.start, Time: s.b.now,
		Count: h.Count, Bounds: h.Bounds, BucketCounts: h.Counts, Sum: h.Sum,
	}
	if r := s.prior(m, a, s.b.p.temporality(sdkmetric.InstrumentKindHistogram)); r != nil {
		if r.counts == nil {
			r.counts = make([]uint64, len(h.Counts))
		}
		if h.Count == r.count {
			return // nothing recorded since
		}
		dp.BucketCounts = s.b.counts(len(h.Counts))
		for i, c := range h.Counts {
			dp.BucketCounts[i] = c - r.counts[i]
			r.counts[i] = c
		}
		dp.Count, dp.Sum, dp.StartTime = h.Count-r.count, h.Sum-r.f, r.at
		r.count, r.f, r.at = h.Count, h.Sum, s.b.now
	} else if h.Count > 0 {
		dp.Min, dp.Max = metricdata.NewExtrema(h.Min), metricdata.NewExtrema(h.Max)
	}
	pm := s.metric(m) // made only once it has a point
	if !pm.made {
		pm.hists, pm.made = pm.owner.hists(pm.m), true
	}
	pm.hists = append(pm.hists, dp)
}
