package metrictest

import (
	"context"
	"fmt"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var (
	poolA = attribute.String("pool", "a")
	poolB = attribute.String("pool", "b")
	state = attribute.String("state", "idle")
)

// record writes one point of each kind Point reads, for pools a and b.
func record(t *testing.T, mp metric.MeterProvider) {
	t.Helper()
	m := mp.Meter("metrictest")
	ic, err := m.Int64Counter("ints")
	if err != nil {
		t.Fatal(err)
	}
	fc, err := m.Float64UpDownCounter("floats")
	if err != nil {
		t.Fatal(err)
	}
	ig, err := m.Int64Gauge("igauge")
	if err != nil {
		t.Fatal(err)
	}
	fg, err := m.Float64Gauge("fgauge")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ic.Add(ctx, 7, metric.WithAttributes(poolA, state))
	ic.Add(ctx, 11, metric.WithAttributes(poolB, state))
	fc.Add(ctx, 2.5, metric.WithAttributes(poolA))
	ig.Record(ctx, 40, metric.WithAttributes(poolB))
	fg.Record(ctx, 0.25, metric.WithAttributes(poolA))
}

func TestPointReadsEachKindByAttributes(t *testing.T) {
	r := NewReader(t, false)
	record(t, r.Provider)
	h, err := r.Provider.Meter("metrictest").Float64Histogram("hist", metric.WithExplicitBucketBoundaries(1, 10))
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range []float64{0.5, 5, 50} {
		h.Record(context.Background(), v, metric.WithAttributes(poolB))
	}
	rm := r.Collect()

	for _, tc := range []struct {
		name string
		kv   []attribute.KeyValue
		want any
	}{
		{"ints", []attribute.KeyValue{poolA}, int64(7)},
		{"ints", []attribute.KeyValue{poolB}, int64(11)},
		{"ints", []attribute.KeyValue{poolB, state}, int64(11)},
		{"floats", []attribute.KeyValue{poolA}, 2.5},
		{"igauge", []attribute.KeyValue{poolB}, int64(40)},
		{"fgauge", nil, 0.25},
	} {
		got, ok := Point(rm, tc.name, tc.kv...)
		if !ok || got != tc.want {
			t.Errorf("Point(%s, %v) = %v (%T), %v; want %v (%T)", tc.name, tc.kv, got, got, ok, tc.want, tc.want)
		}
	}

	got, ok := Point(rm, "hist", poolB)
	p, isHist := got.(metricdata.HistogramDataPoint[float64])
	if !ok || !isHist {
		t.Fatalf("Point(hist) = %T, %v; want a float64 histogram point", got, ok)
	}
	if p.Count != 3 || p.Sum != 55.5 || fmt.Sprint(p.BucketCounts) != "[1 1 1]" {
		t.Errorf("hist count %d sum %v buckets %v, want 3, 55.5, [1 1 1]", p.Count, p.Sum, p.BucketCounts)
	}
}

func TestPointMissesWhatIsNotThere(t *testing.T) {
	r := NewReader(t, false)
	record(t, r.Provider)
	rm := r.Collect()
	for _, tc := range []struct {
		name string
		kv   []attribute.KeyValue
	}{
		{"absent", nil},
		{"ints", []attribute.KeyValue{attribute.String("pool", "c")}},
		{"ints", []attribute.KeyValue{attribute.Int("pool", 1)}}, // same key, other type
		{"floats", []attribute.KeyValue{poolA, state}},           // a pair the point lacks
		{"igauge", []attribute.KeyValue{poolA}},
	} {
		if got, ok := Point(rm, tc.name, tc.kv...); ok {
			t.Errorf("Point(%s, %v) = %v, want not found", tc.name, tc.kv, got)
		}
	}
}

func TestFastReaderHasProducer(t *testing.T) {
	if NewReader(t, true).Producer == nil {
		t.Error("NewReader(t, true) gave no producer")
	}
	if p := NewReader(t, false).Producer; p != nil {
		t.Errorf("NewReader(t, false) gave producer %v, want none", p)
	}
}

// recorder is a testing.TB that keeps its failures instead of failing.
type recorder struct {
	testing.TB
	errs []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

func TestWantFailsOnValueTypeOrAbsence(t *testing.T) {
	r := NewReader(t, false)
	record(t, r.Provider)
	rm := r.Collect()
	for _, tc := range []struct {
		desc  string
		check func(testing.TB)
		fails bool
	}{
		{"right value and type", func(tb testing.TB) { Want(tb, rm, int64(7), "ints", poolA) }, false},
		{"wrong value", func(tb testing.TB) { Want(tb, rm, int64(8), "ints", poolA) }, true},
		{"same number, other type", func(tb testing.TB) { Want(tb, rm, 7.0, "ints", poolA) }, true},
		{"absent series", func(tb testing.TB) { Want(tb, rm, int64(0), "ints", attribute.String("pool", "c")) }, true},
		{"absent metric", func(tb testing.TB) { Want(tb, rm, int64(0), "absent") }, true},
	} {
		rec := &recorder{TB: t}
		tc.check(rec)
		if failed := len(rec.errs) > 0; failed != tc.fails {
			t.Errorf("%s: failed %v (%q), want %v", tc.desc, failed, rec.errs, tc.fails)
		}
	}
}
