package semconv_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

func TestBucketBoundaries(t *testing.T) {
	tests := []struct {
		name string
		got  []float64
		want []float64
	}{
		{"age", semconv.AgeBuckets(), []float64{1, 5, 15, 30, 60, 300, 900, 1800, 3600, 7200, 21600, 43200}},
		{"depth", semconv.DepthBuckets(), []float64{0, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !slices.Equal(tt.got, tt.want) {
				t.Fatalf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
	lat := semconv.LatencyBuckets()
	if lat[0] != 50e-6 || lat[len(lat)-1] != 10 {
		t.Fatalf("latency buckets span %v..%v, want 50µs..10s", lat[0], lat[len(lat)-1])
	}
	if !slices.IsSorted(lat) {
		t.Fatalf("latency buckets not ascending: %v", lat)
	}
}

func TestBucketsAreCopies(t *testing.T) {
	b := semconv.AgeBuckets()
	b[0] = -1
	if semconv.AgeBuckets()[0] != 1 {
		t.Fatal("changing a returned slice changed the package's buckets")
	}
	defs := semconv.All()
	for i := range defs {
		if len(defs[i].Buckets) > 0 {
			defs[i].Buckets[0] = -1
		}
		defs[i].Attributes = nil
	}
	for _, d := range semconv.All() {
		if len(d.Buckets) > 0 && d.Buckets[0] == -1 {
			t.Fatalf("%s: changing All()'s buckets changed the definition", d.Name)
		}
		if len(d.Attributes) == 0 && d.Name != "" {
			t.Fatalf("%s: changing All()'s attributes changed the definition", d.Name)
		}
	}
}

// TestDefinitionsAreWellFormed checks the invariants every definition must
// hold: unique names in the right namespace, a unit and a description,
// attributes, and ascending buckets exactly on histograms.
func TestDefinitionsAreWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, d := range semconv.All() {
		if seen[d.Name] {
			t.Errorf("%s defined twice", d.Name)
		}
		seen[d.Name] = true
		official := d.Convention != ""
		switch {
		case official && !strings.HasPrefix(d.Name, "db.client.connection."):
			t.Errorf("%s: official convention outside db.client.connection.*", d.Name)
		case !official && !strings.HasPrefix(d.Name, "vitals."):
			t.Errorf("%s: vitals metric outside the vitals.* namespace", d.Name)
		}
		if d.Unit == "" || d.Description == "" {
			t.Errorf("%s: unit %q, description %q: both are required", d.Name, d.Unit, d.Description)
		}
		if len(d.Attributes) == 0 {
			t.Errorf("%s: no attributes", d.Name)
		}
		if d.Kind.String() == "Kind(invalid)" {
			t.Errorf("%s: invalid kind %d", d.Name, d.Kind)
		}
		isHist := d.Kind == semconv.KindFloat64Histogram
		if isHist != (len(d.Buckets) > 0) {
			t.Errorf("%s: kind %v with %d buckets", d.Name, d.Kind, len(d.Buckets))
		}
		if !slices.IsSorted(d.Buckets) {
			t.Errorf("%s: buckets not ascending: %v", d.Name, d.Buckets)
		}
	}
}

func TestOfficialNames(t *testing.T) {
	tests := []struct {
		def  semconv.Metric
		name string
		unit string
	}{
		{semconv.DBClientConnectionCount.Metric, "db.client.connection.count", "{connection}"},
		{semconv.DBClientConnectionMax.Metric, "db.client.connection.max", "{connection}"},
	}
	for _, tt := range tests {
		if tt.def.Name != tt.name || tt.def.Unit != tt.unit {
			t.Errorf("got %s %s, want %s %s", tt.def.Name, tt.def.Unit, tt.name, tt.unit)
		}
	}
	if semconv.DBClientConnectionStateKey != "db.client.connection.state" ||
		semconv.DBClientConnectionPoolNameKey != "db.client.connection.pool.name" {
		t.Error("official attribute keys changed")
	}
}

// collectOne records through each instrument kind and returns the single
// metric it produced.
func collectOne(t *testing.T, reader *sdkmetric.ManualReader) metricdata.Metrics {
	t.Helper()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	if len(rm.ScopeMetrics) != 1 || len(rm.ScopeMetrics[0].Metrics) != 1 {
		t.Fatalf("want exactly one metric, got %+v", rm.ScopeMetrics)
	}
	return rm.ScopeMetrics[0].Metrics[0]
}

// TestInstrumentsCarryDefinition creates each kind of instrument through
// its definition, records one value and checks name, unit, description and,
// for histograms, the advised buckets, under a MeterProvider with no views.
func TestInstrumentsCarryDefinition(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		def  semconv.Metric
		use  func(t *testing.T, m metric.Meter)
	}{
		{"Int64Counter", semconv.InputRejections.Metric, func(t *testing.T, m metric.Meter) {
			c, err := semconv.Int64Counter{Metric: semconv.InputRejections.Metric}.New(m)
			must(t, err)
			c.Add(ctx, 3)
		}},
		{"Int64UpDownCounter", semconv.CacheSets.Metric, func(t *testing.T, m metric.Meter) {
			c, err := semconv.Int64UpDownCounter{Metric: semconv.CacheSets.Metric}.New(m)
			must(t, err)
			c.Add(ctx, -2)
		}},
		{"Float64Histogram", semconv.ConnectionDuration.Metric, func(t *testing.T, m metric.Meter) {
			h, err := semconv.ConnectionDuration.New(m)
			must(t, err)
			h.Record(ctx, 42)
		}},
		{"Int64ObservableCounter", semconv.QueueOverflows.Metric, func(t *testing.T, m metric.Meter) {
			o, err := semconv.Int64ObservableCounter{Metric: semconv.QueueOverflows.Metric}.New(m,
				metric.WithInt64Callback(func(_ context.Context, obs metric.Int64Observer) error { obs.Observe(5); return nil }))
			must(t, err)
			_ = o
		}},
		{"Float64ObservableCounter", semconv.QueueOverflowTime.Metric, func(t *testing.T, m metric.Meter) {
			_, err := semconv.QueueOverflowTime.New(m,
				metric.WithFloat64Callback(func(_ context.Context, obs metric.Float64Observer) error { obs.Observe(1.5); return nil }))
			must(t, err)
		}},
		{"Int64ObservableUpDownCounter", semconv.ConnectionCount.Metric, func(t *testing.T, m metric.Meter) {
			_, err := semconv.ConnectionCount.New(m,
				metric.WithInt64Callback(func(_ context.Context, obs metric.Int64Observer) error { obs.Observe(7); return nil }))
			must(t, err)
		}},
		{"Int64ObservableGauge", semconv.QueueMaxDepth.Metric, func(t *testing.T, m metric.Meter) {
			_, err := semconv.QueueMaxDepth.New(m,
				metric.WithInt64Callback(func(_ context.Context, obs metric.Int64Observer) error { obs.Observe(9); return nil }))
			must(t, err)
		}},
		{"Float64ObservableGauge", semconv.CacheHitRatio.Metric, func(t *testing.T, m metric.Meter) {
			_, err := semconv.CacheHitRatio.New(m,
				metric.WithFloat64Callback(func(_ context.Context, obs metric.Float64Observer) error { obs.Observe(0.5); return nil }))
			must(t, err)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			tt.use(t, mp.Meter("test"))
			got := collectOne(t, reader)
			if got.Name != tt.def.Name || got.Unit != tt.def.Unit || got.Description != tt.def.Description {
				t.Fatalf("got %q %q %q, want %q %q %q", got.Name, got.Unit, got.Description,
					tt.def.Name, tt.def.Unit, tt.def.Description)
			}
			if h, ok := got.Data.(metricdata.Histogram[float64]); ok {
				if b := h.DataPoints[0].Bounds; !slices.Equal(b, tt.def.Buckets) {
					t.Fatalf("bounds %v, want the advised %v", b, tt.def.Buckets)
				}
			}
		})
	}
}

func TestCallerOptionsWin(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	h, err := semconv.CacheOperationDuration.New(mp.Meter("test"),
		metric.WithExplicitBucketBoundaries(1, 2), metric.WithDescription("custom"))
	must(t, err)
	h.Record(context.Background(), 1.5)
	got := collectOne(t, reader)
	if got.Description != "custom" {
		t.Errorf("description %q, want the caller's", got.Description)
	}
	if b := got.Data.(metricdata.Histogram[float64]).DataPoints[0].Bounds; !slices.Equal(b, []float64{1, 2}) {
		t.Errorf("bounds %v, want the caller's [1 2]", b)
	}
}

func TestNilMeterGivesNoop(t *testing.T) {
	c, err := semconv.Int64Counter{Metric: semconv.InputRejections.Metric}.New(nil)
	if err != nil || c == nil {
		t.Fatalf("got %v, %v; want a no-op and no error", c, err)
	}
	c.Add(context.Background(), 1) // must not panic
}

// TestFailedCreationGivesNoop uses an invalid instrument name, which the SDK
// refuses, and checks that the error comes back with a usable instrument.
func TestFailedCreationGivesNoop(t *testing.T) {
	mp := sdkmetric.NewMeterProvider()
	bad := semconv.Int64Counter{Metric: semconv.Metric{Name: "1-not-a-name", Unit: "1", Description: "x"}}
	c, err := bad.New(mp.Meter("test"))
	if err == nil {
		t.Fatal("want an error for an invalid instrument name")
	}
	if c == nil {
		t.Fatal("want a usable instrument alongside the error")
	}
	c.Add(context.Background(), 1)
}

func TestKindString(t *testing.T) {
	if got := semconv.KindFloat64Histogram.String(); got != "Float64Histogram" {
		t.Errorf("got %q", got)
	}
	if got := semconv.Kind(0).String(); got != "Kind(invalid)" {
		t.Errorf("got %q", got)
	}
	if !semconv.KindInt64Counter.Synchronous() || semconv.KindInt64ObservableGauge.Synchronous() {
		t.Error("Synchronous is wrong")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
