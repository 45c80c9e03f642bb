package fasthist

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// Desc describes the metric a histogram series belongs to.
type Desc struct {
	Scope       instrumentation.Scope
	Name        string
	Unit        string
	Description string
}

// DescOf returns the description of vitals' metric m recorded under the
// instrumentation scope named scope, at vitals' version.
func DescOf(scope string, m semconv.Metric) Desc {
	return Desc{
		Scope:       instrumentation.Scope{Name: scope, Version: version.Version},
		Name:        m.Name,
		Unit:        m.Unit,
		Description: m.Description,
	}
}

// Registry holds histogram series and produces them for readers. It is safe
// for concurrent use.
type Registry struct {
	views     []sdkmetric.View // the user's: a metric they match is left to the SDK
	exemplars bool             // the provider records exemplars
	mu        sync.Mutex
	series    map[*series]struct{}
	order     []*series
	groups    map[Desc]*group // one per metric, made at Add
}

// group is one metric: the series of one Desc share it, so that Produce
// groups them by pointer rather than by hashing descriptions.
type group struct {
	desc  Desc
	scope *scopeGroup
}

type scopeGroup struct{ scope instrumentation.Scope }

type series struct {
	group *group
	attrs attribute.Set
	start time.Time
	hist  *Histogram
}

var _ sdkmetric.Producer = (*Registry)(nil)

// NewRegistry returns an empty registry for a MeterProvider made with the
// given views of the user's (vitals' own views excluded). Views apply only
// to the SDK's instruments, so [For] leaves the metrics they match to the
// SDK.
func NewRegistry(views ...sdkmetric.View) *Registry {
	return &Registry{views: views, series: make(map[*series]struct{}), groups: make(map[Desc]*group)}
}

// WithExemplars marks r as serving a provider that records exemplars,
// which this path cannot: [ForTraced] then leaves the histograms recorded
// with a trace context to the SDK. Call it before any tracker is given r;
// it returns r.
func (r *Registry) WithExemplars() *Registry {
	r.exemplars = true
	return r
}

// Add registers a series of the metric desc with attrs and bounds, and
// returns its histogram and a function that removes the series; the
// function is idempotent.
func (r *Registry) Add(desc Desc, attrs attribute.Set, bounds []float64) (*Histogram, func()) {
	s := &series{attrs: attrs, start: time.Now(), hist: NewHistogram(bounds)}
	r.mu.Lock()
	g, ok := r.groups[desc]
	if !ok {
		sg := &scopeGroup{scope: desc.Scope}
		for _, other := range r.groups {
			if other.desc.Scope == desc.Scope {
				sg = other.scope
				break
			}
		}
		g = &group{desc: desc, scope: sg}
		r.groups[desc] = g
	}
	s.group = g
	r.series[s] = struct{}{}
	r.order = append(r.order, s)
	r.mu.Unlock()
	var once sync.Once
	return s.hist, func() {
		once.Do(func() {
			r.mu.Lock()
			delete(r.series, s)
			r.mu.Unlock()
		})
	}
}

// viewed reports whether one of the registry's views matches one of descs
// as a histogram.
func (r *Registry) viewed(descs []Desc) bool {
	for _, d := range descs {
		inst := sdkmetric.Instrument{
			Name:        d.Name,
			Description: d.Description,
			Kind:        sdkmetric.InstrumentKindHistogram,
			Unit:        d.Unit,
			Scope:       d.Scope,
		}
		for _, v := range r.views {
			if _, ok := v(inst); ok {
				return true
			}
		}
	}
	return false
}

// Produce returns every registered series as cumulative histograms, grouped
// by scope and metric in registration order.
func (r *Registry) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	return r.produce(metricdata.CumulativeTemporality, nil), nil
}

// Delta returns a producer of the registry's series as delta histograms,
// for a reader whose exporter asks delta temporality of histograms: each
// Produce returns what was recorded since the previous one, or since the
// series was added, and leaves out the series nothing was recorded in.
// Counts are exact; a sum is the difference of two cumulative sums, so it
// carries their rounding (about 1e-16 of the cumulative sum). Each such
// reader needs a producer of its own.
func (r *Registry) Delta() sdkmetric.Producer {
	return &deltaProducer{r: r, last: make(map[*series]*reported)}
}

// deltaProducer is the producer Delta returns.
type deltaProducer struct {
	r    *Registry
	mu   sync.Mutex // one Produce at a time: each takes up where the last left
	last map[*series]*reported
	gen  uint64 // Produce calls so far
}

// reported is what a delta producer last reported of one series, in
// cumulative values.
type reported struct {
	counts []uint64
	count  uint64
	sum    float64
	at     time.Time
	gen    uint64
}

// Produce returns every series recorded into since the previous call, as
// delta histograms.
func (d *deltaProducer) Produce(context.Context) ([]metricdata.ScopeMetrics, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.gen++
	out := d.r.produce(metricdata.DeltaTemporality, func(s *series, dp *metricdata.HistogramDataPoint[float64]) bool {
		prev, ok := d.last[s]
		if !ok {
			prev = &reported{counts: make([]uint64, len(dp.BucketCounts)), at: dp.StartTime}
			d.last[s] = prev
		}
		prev.gen = d.gen
		if dp.Count == prev.count {
			return false // nothing recorded since
		}
		count, sum := dp.Count, dp.Sum
		for i, c := range dp.BucketCounts {
			dp.BucketCounts[i] = c - prev.counts[i]
			prev.counts[i] = c
		}
		dp.Count -= prev.count
		dp.Sum -= prev.sum
		dp.StartTime = prev.at
		prev.count, prev.sum, prev.at = count, sum, dp.Time
		return true
	})
	for s, rep := range d.last {
		if rep.gen != d.gen { // the series was removed
			delete(d.last, s)
		}
	}
	return out, nil
}

// produce returns every registered series as histograms of temporality t,
// grouped by scope and metric in registration order. keep, when not nil,
// may change each point and tells whether to report it.
func (r *Registry) produce(t metricdata.Temporality, keep func(*series, *metricdata.HistogramDataPoint[float64]) bool) []metricdata.ScopeMetrics {
	r.mu.Lock()
	live := r.order[:0]
	for _, s := range r.order {
		if _, ok := r.series[s]; ok {
			live = append(live, s)
		}
	}
	r.order = live
	list := append([]*series(nil), live...)
	r.mu.Unlock()

	now := time.Now()
	var out []metricdata.ScopeMetrics
	scopeAt := map[*scopeGroup]int{}
	metricAt := map[*group][2]int{}
	for _, s := range list {
		counts, count, sum := s.hist.Load(nil)
		dp := metricdata.HistogramDataPoint[float64]{
			Attributes:   s.attrs,
			StartTime:    s.start,
			Time:         now,
			Count:        count,
			Bounds:       s.hist.Bounds(),
			BucketCounts: counts,
			Sum:          sum,
		}
		if keep != nil && !keep(s, &dp) {
			continue
		}
		at, ok := metricAt[s.group]
		if !ok {
			si, ok := scopeAt[s.group.scope]
			if !ok {
				si = len(out)
				scopeAt[s.group.scope] = si
				out = append(out, metricdata.ScopeMetrics{Scope: s.group.scope.scope})
			}
			d := s.group.desc
			out[si].Metrics = append(out[si].Metrics, metricdata.Metrics{
				Name:        d.Name,
				Description: d.Description,
				Unit:        d.Unit,
				Data:        metricdata.Histogram[float64]{Temporality: t},
			})
			at = [2]int{si, len(out[si].Metrics) - 1}
			metricAt[s.group] = at
		}
		m := &out[at[0]].Metrics[at[1]]
		h := m.Data.(metricdata.Histogram[float64])
		h.DataPoints = append(h.DataPoints, dp)
		m.Data = h
	}
	return out
}

// Provider is a MeterProvider that carries a Registry: the provider vitals
// builds, whose readers all produce the registry's series.
type Provider struct {
	metric.MeterProvider
	registry *Registry
}

// NewProvider returns mp carrying r.
func NewProvider(mp metric.MeterProvider, r *Registry) *Provider {
	return &Provider{MeterProvider: mp, registry: r}
}

// Unwrap returns the wrapped provider.
func (p *Provider) Unwrap() metric.MeterProvider { return p.MeterProvider }

// From returns the registry mp carries, or nil when mp is not a [Provider]:
// the caller must then record through mp's own histograms.
func From(mp metric.MeterProvider) *Registry {
	if p, ok := mp.(*Provider); ok {
		return p.registry
	}
	return nil
}

// For returns the registry mp carries if it may keep every one of descs,
// the histogram metrics of one tracker, and nil otherwise: when mp is not
// a [Provider], or when one of the user's views matches one of descs. The
// tracker must then record all of them through mp's own histograms, where
// the views apply.
func For(mp metric.MeterProvider, descs ...Desc) *Registry {
	r := From(mp)
	if r == nil || r.viewed(descs) {
		return nil
	}
	return r
}

// ForTraced is For for histograms recorded with the caller's context,
// whose trace an exemplar would point to: it also returns nil when the
// provider records exemplars.
func ForTraced(mp metric.MeterProvider, descs ...Desc) *Registry {
	r := For(mp, descs...)
	if r == nil || r.exemplars {
		return nil
	}
	return r
}
