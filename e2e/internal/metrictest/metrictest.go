package metrictest

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// EachPoint calls f with every point of rm, in order, and its metric's
// name: an int64 or float64 value for sums and gauges, a
// metricdata.HistogramDataPoint[float64] for histograms.
func EachPoint(rm metricdata.ResourceMetrics, f func(name string, attrs attribute.Set, v any)) {
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				eachValue(m.Name, d.DataPoints, f)
			case metricdata.Sum[float64]:
				eachValue(m.Name, d.DataPoints, f)
			case metricdata.Gauge[int64]:
				eachValue(m.Name, d.DataPoints, f)
			case metricdata.Gauge[float64]:
				eachValue(m.Name, d.DataPoints, f)
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					f(m.Name, p.Attributes, p)
				}
			}
		}
	}
}

// eachValue calls f with the value of every point of metric name.
func eachValue[N int64 | float64](name string, points []metricdata.DataPoint[N], f func(string, attribute.Set, any)) {
	for _, p := range points {
		f(name, p.Attributes, p.Value)
	}
}

// Point returns the first point, as [EachPoint] gives it, of metric name
// whose attributes hold every pair of kv.
func Point(rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) (any, bool) {
	var point any
	found := false
	EachPoint(rm, func(n string, attrs attribute.Set, v any) {
		if found || n != name {
			return
		}
		for _, want := range kv {
			if got, ok := attrs.Value(want.Key); !ok || got != want.Value {
				return
			}
		}
		point, found = v, true
	})
	return point, found
}

// Want fails t unless metric name has a point with attributes kv whose
// value is want, of want's type.
func Want[T comparable](t testing.TB, rm metricdata.ResourceMetrics, want T, name string, kv ...attribute.KeyValue) {
	t.Helper()
	got, ok := Point(rm, name, kv...)
	if g, isT := got.(T); !ok || !isT || g != want {
		t.Errorf("%s %v = %v (found %v), want %v", name, kv, got, ok, want)
	}
}
