package produce

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/sdk/metric/metricdata/metricdatatest"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/fasthist"
	"github.com/otelvitals/vitals/semconv"
)

var (
	t0      = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	poolA   = attribute.String("pool", "a")
	poolB   = attribute.String("pool", "b")
	testDef = []semconv.Metric{
		{Name: "uses", Unit: "{use}", Kind: semconv.KindInt64ObservableCounter},
		{Name: "open", Unit: "{connection}", Kind: semconv.KindInt64ObservableUpDownCounter},
		{Name: "ratio", Unit: "1", Kind: semconv.KindFloat64ObservableGauge},
		{Name: "life", Unit: "s", Kind: semconv.KindFloat64Histogram, Buckets: []float64{1, 10}},
	}
)

// source is a tracker of two series per metric, its values set by the test.
type source struct {
	scope      string
	a, b       *core.Attrs
	uses, open [2]int64
	ratio      [2]float64
	life       [2]*fasthist.Histogram
}

func newSource(scope string) *source {
	return &source{
		scope: scope, a: core.NewAttrs(poolA), b: core.NewAttrs(poolB),
		life: [2]*fasthist.Histogram{fasthist.NewHistogram([]float64{1, 10}), fasthist.NewHistogram([]float64{1, 10})},
	}
}

func (s *source) Scope() string             { return s.scope }
func (s *source) Start() time.Time          { return t0 }
func (s *source) Metrics() []semconv.Metric { return testDef }
func (s *source) Collect(out core.Sink) {
	for i, a := range []*core.Attrs{s.a, s.b} {
		out.Int64(0, a, s.uses[i])
		out.Int64(1, a, s.open[i])
		out.Float64(2, a, s.ratio[i])
		snap := s.life[i].Read(nil)
		out.Histogram(3, a, &snap)
	}
}

func collect(t *testing.T, r *sdkmetric.ManualReader) metricdata.ResourceMetrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	return rm
}

// TestProduceCumulative reads two sources of one scope and one of another
// through a ManualReader that collects the producer: the metrics of one
// scope are grouped under one name each, sums keep their monotonicity,
// histograms carry their min and max, and a detached source is gone at the
// next collection.
func TestProduceCumulative(t *testing.T) {
	hub := core.NewHub()
	reader := sdkmetric.NewManualReader(sdkmetric.WithProducer(New(hub)))
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())

	s1, s2 := newSource("x"), newSource("y")
	s1.uses, s1.open, s1.ratio = [2]int64{5, 7}, [2]int64{2, 0}, [2]float64{0.5, 1}
	s1.life[0].Record(0.5)
	s1.life[0].Record(3)
	hub.Attach(s1)
	detach := hub.Attach(s2)

	rm := collect(t, reader)
	if len(rm.ScopeMetrics) != 2 || rm.ScopeMetrics[0].Scope.Name != "x" || rm.ScopeMetrics[1].Scope.Name != "y" {
		t.Fatalf("scopes %+v, want x then y", rm.ScopeMetrics)
	}
	if got := rm.ScopeMetrics[0].Scope.SchemaURL; got != semconv.SchemaURL {
		t.Errorf("schema URL %q, want %q", got, semconv.SchemaURL)
	}
	a, b := attribute.NewSet(poolA), attribute.NewSet(poolB)
	want := metricdata.ScopeMetrics{
		Scope: rm.ScopeMetrics[0].Scope,
		Metrics: []metricdata.Metrics{
			{Name: "uses", Unit: "{use}", Data: metricdata.Sum[int64]{
				Temporality: metricdata.CumulativeTemporality, IsMonotonic: true,
				DataPoints: []metricdata.DataPoint[int64]{{Attributes: a, Value: 5}, {Attributes: b, Value: 7}},
			}},
			{Name: "open", Unit: "{connection}", Data: metricdata.Sum[int64]{
				Temporality: metricdata.CumulativeTemporality,
				DataPoints:  []metricdata.DataPoint[int64]{{Attributes: a, Value: 2}, {Attributes: b, Value: 0}},
			}},
			{Name: "ratio", Unit: "1", Data: metricdata.Gauge[float64]{
				DataPoints: []metricdata.DataPoint[float64]{{Attributes: a, Value: 0.5}, {Attributes: b, Value: 1}},
			}},
			{Name: "life", Unit: "s", Data: metricdata.Histogram[float64]{
				Temporality: metricdata.CumulativeTemporality,
				DataPoints: []metricdata.HistogramDataPoint[float64]{
					{Attributes: a, Count: 2, Sum: 3.5, Bounds: []float64{1, 10}, BucketCounts: []uint64{1, 1, 0},
						Min: metricdata.NewExtrema(0.5), Max: metricdata.NewExtrema(3.0)},
					{Attributes: b, Count: 0, Sum: 0, Bounds: []float64{1, 10}, BucketCounts: []uint64{0, 0, 0}},
				},
			}},
		},
	}
	metricdatatest.AssertEqual(t, want, rm.ScopeMetrics[0], metricdatatest.IgnoreTimestamp())
	if p := rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints[0]; !p.StartTime.Equal(t0) || !p.Time.After(t0) {
		t.Errorf("start %v time %v, want the source's start and now", p.StartTime, p.Time)
	}

	// A second source of scope x adds its points to x's metrics.
	s3 := newSource("x")
	s3.uses = [2]int64{1, 1}
	hub.Attach(s3)
	detach()
	rm = collect(t, reader)
	if len(rm.ScopeMetrics) != 1 {
		t.Fatalf("%d scopes after detaching y, want 1", len(rm.ScopeMetrics))
	}
	if n := len(rm.ScopeMetrics[0].Metrics[0].Data.(metricdata.Sum[int64]).DataPoints); n != 4 {
		t.Errorf("uses has %d points from two sources of x, want 4", n)
	}
}

// TestProduceDelta checks a producer in delta temporality for counters and
// histograms: each collection reports what changed since the last, a
// histogram with nothing new is left out, an up-down counter and a gauge
// stay as they are, and two delta views keep their own places.
func TestProduceDelta(t *testing.T) {
	hub := core.NewHub()
	sel := func(k sdkmetric.InstrumentKind) metricdata.Temporality {
		if k == sdkmetric.InstrumentKindObservableUpDownCounter {
			return metricdata.CumulativeTemporality
		}
		return metricdata.DeltaTemporality
	}
	p := New(hub)
	d1, d2 := p.WithTemporality(sel), p.WithTemporality(sel)
	s := newSource("x")
	hub.Attach(s)
	produce := func(p *Producer) map[string]metricdata.Aggregation {
		sm, err := p.Produce(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]metricdata.Aggregation{}
		for _, m := range sm[0].Metrics {
			out[m.Name] = m.Data
		}
		return out
	}
	s.uses, s.open = [2]int64{5, 0}, [2]int64{3, 0}
	s.life[0].Record(2)
	produce(d1)
	s.uses, s.open = [2]int64{8, 0}, [2]int64{1, 0}
	s.life[0].Record(4)
	got := produce(d1)
	uses := got["uses"].(metricdata.Sum[int64])
	if uses.Temporality != metricdata.DeltaTemporality || uses.DataPoints[0].Value != 3 {
		t.Errorf("uses %+v, want a delta of 3", uses)
	}
	if open := got["open"].(metricdata.Sum[int64]); open.Temporality != metricdata.CumulativeTemporality || open.DataPoints[0].Value != 1 {
		t.Errorf("open %+v, want cumulative 1", open)
	}
	life := got["life"].(metricdata.Histogram[float64])
	if len(life.DataPoints) != 1 || life.DataPoints[0].Count != 1 || life.DataPoints[0].Sum != 4 {
		t.Errorf("life %+v, want one point of the one new value", life.DataPoints)
	}
	if got := produce(d2)["uses"].(metricdata.Sum[int64]); got.DataPoints[0].Value != 8 {
		t.Errorf("a second delta view's first uses %d, want 8", got.DataPoints[0].Value)
	}
	if cum := produce(p)["uses"].(metricdata.Sum[int64]); cum.DataPoints[0].Value != 8 {
		t.Errorf("the cumulative producer's uses %d, want 8", cum.DataPoints[0].Value)
	}
}
