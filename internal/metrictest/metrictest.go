package metrictest

import (
	"context"
	"fmt"
	"log"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/produce"
)

// Reader is a ManualReader and the MeterProvider it reads.
type Reader struct {
	t      testing.TB
	reader *sdkmetric.ManualReader
	// Provider is the provider to give the tracker under test.
	Provider metric.MeterProvider
	// Producer, with fast, is the producer the reader collects, to give
	// the tracker under test (its WithProducer option); nil otherwise.
	Producer instrument.Producer
}

// hubProducer is an instrument.Producer of a hub, as vitals.Producer is.
type hubProducer struct{ hub *core.Hub }

func (p hubProducer) Hub() *core.Hub { return p.hub }

// NewReader returns a Reader whose provider is shut down when t ends. With
// fast, the reader also collects a producer, as the readers vitals.Start
// builds do.
func NewReader(t testing.TB, fast bool) *Reader {
	t.Helper()
	r := &Reader{t: t}
	var opts []sdkmetric.ManualReaderOption
	if fast {
		hub := core.NewHub()
		opts = append(opts, sdkmetric.WithProducer(produce.New(hub)))
		r.Producer = hubProducer{hub}
	}
	r.reader = sdkmetric.NewManualReader(opts...)
	sdk := sdkmetric.NewMeterProvider(sdkmetric.WithReader(r.reader))
	t.Cleanup(func() { _ = sdk.Shutdown(context.Background()) })
	r.Provider = sdk
	return r
}

// Collect collects once, failing t on error.
func (r *Reader) Collect() metricdata.ResourceMetrics {
	r.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := r.reader.Collect(context.Background(), &rm); err != nil {
		r.t.Fatal(err)
	}
	return rm
}

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

// PrintExported collects reader and prints the points of metric name,
// sorted, one a line: the values of their attributes, then the point's
// value (a histogram's count). With only, it prints just the points one of
// whose attribute values is in only. The package examples print what they
// export with it.
func PrintExported(ctx context.Context, reader sdkmetric.Reader, name string, only ...string) {
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(ctx, &rm); err != nil {
		log.Fatal(err)
	}
	var lines []string
	EachPoint(rm, func(n string, attrs attribute.Set, v any) {
		if n != name {
			return
		}
		if h, ok := v.(metricdata.HistogramDataPoint[float64]); ok {
			v = h.Count
		}
		var vals []string
		keep := len(only) == 0
		for _, kv := range attrs.ToSlice() {
			vals = append(vals, kv.Value.String())
			keep = keep || slices.Contains(only, kv.Value.String())
		}
		if keep {
			lines = append(lines, fmt.Sprintf("%s: %v", strings.Join(vals, " "), v))
		}
	})
	slices.Sort(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
}
