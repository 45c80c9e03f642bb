package conn

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/clock"
)

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a tracker on a fake clock recording into a ManualReader.
type fixture struct {
	t      *testing.T
	clock  *clock.Fake
	reader *sdkmetric.ManualReader
	tr     *Tracker
}

func newFixture(t *testing.T, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{t: t, clock: clock.NewFake(t0), reader: sdkmetric.NewManualReader()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(f.reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	tr, err := New(append([]Option{WithMeterProvider(mp), WithClock(f.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	f.tr = tr
	return f
}

func (f *fixture) collect() metricdata.ResourceMetrics {
	f.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := f.reader.Collect(context.Background(), &rm); err != nil {
		f.t.Fatal(err)
	}
	return rm
}

// metric returns the named metric, failing the test without it.
func metricNamed(t *testing.T, rm metricdata.ResourceMetrics, name string) (metricdata.Metrics, bool) {
	t.Helper()
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name == name {
				return m, true
			}
		}
	}
	return metricdata.Metrics{}, false
}

// has reports whether set holds every pair of kv.
func has(set attribute.Set, kv ...attribute.KeyValue) bool {
	for _, want := range kv {
		got, ok := set.Value(want.Key)
		if !ok || got != want.Value {
			return false
		}
	}
	return true
}

// intValue returns the value of the int64 sum or gauge point of name whose
// attributes hold kv; found is false without one.
func intValue(t *testing.T, rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) (v int64, found bool) {
	t.Helper()
	m, ok := metricNamed(t, rm, name)
	if !ok {
		return 0, false
	}
	var pts []metricdata.DataPoint[int64]
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		pts = d.DataPoints
	case metricdata.Gauge[int64]:
		pts = d.DataPoints
	default:
		t.Fatalf("%s is %T, not an int64 sum or gauge", name, m.Data)
	}
	for _, p := range pts {
		if has(p.Attributes, kv...) {
			return p.Value, true
		}
	}
	return 0, false
}

func floatValue(t *testing.T, rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) (float64, bool) {
	t.Helper()
	m, ok := metricNamed(t, rm, name)
	if !ok {
		return 0, false
	}
	for _, p := range m.Data.(metricdata.Gauge[float64]).DataPoints {
		if has(p.Attributes, kv...) {
			return p.Value, true
		}
	}
	return 0, false
}

func histogram(t *testing.T, rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) (metricdata.HistogramDataPoint[float64], bool) {
	t.Helper()
	m, ok := metricNamed(t, rm, name)
	if !ok {
		return metricdata.HistogramDataPoint[float64]{}, false
	}
	for _, p := range m.Data.(metricdata.Histogram[float64]).DataPoints {
		if has(p.Attributes, kv...) {
			return p, true
		}
	}
	return metricdata.HistogramDataPoint[float64]{}, false
}

// wantInt fails unless the point exists with value want.
func wantInt(t *testing.T, rm metricdata.ResourceMetrics, want int64, name string, kv ...attribute.KeyValue) {
	t.Helper()
	got, ok := intValue(t, rm, name, kv...)
	if !ok || got != want {
		t.Errorf("%s %v = %d (found %v), want %d", name, kv, got, ok, want)
	}
}

func wantFloat(t *testing.T, rm metricdata.ResourceMetrics, want float64, name string, kv ...attribute.KeyValue) {
	t.Helper()
	got, ok := floatValue(t, rm, name, kv...)
	if !ok || got != want {
		t.Errorf("%s %v = %v (found %v), want %v", name, kv, got, ok, want)
	}
}
