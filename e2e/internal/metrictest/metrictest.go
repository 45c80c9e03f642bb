package metrictest

import (
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// Point returns the point of metric name whose attributes hold every pair
// of kv: an int64 or float64 value for sums and gauges, a
// metricdata.HistogramDataPoint[float64] for histograms.
func Point(rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) (any, bool) {
	match := func(s attribute.Set) bool {
		for _, want := range kv {
			if got, ok := s.Value(want.Key); !ok || got != want.Value {
				return false
			}
		}
		return true
	}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			switch d := m.Data.(type) {
			case metricdata.Sum[int64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						return p.Value, true
					}
				}
			case metricdata.Sum[float64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						return p.Value, true
					}
				}
			case metricdata.Gauge[int64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						return p.Value, true
					}
				}
			case metricdata.Gauge[float64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						return p.Value, true
					}
				}
			case metricdata.Histogram[float64]:
				for _, p := range d.DataPoints {
					if match(p.Attributes) {
						return p, true
					}
				}
			}
		}
	}
	return nil, false
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
