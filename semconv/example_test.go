package semconv_test

import (
	"context"
	"fmt"
	"log"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/semconv"
)

// Create a histogram from its definition: name, unit, description and bucket
// advice come with it, under any MeterProvider.
func ExampleFloat64Histogram_New() {
	ctx := context.Background()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(ctx)

	lifetime, err := semconv.ConnectionDuration.New(mp.Meter("example"))
	if err != nil {
		log.Fatal(err)
	}
	// Build the attribute set once and keep the option: no allocation per
	// record.
	pool := metric.WithAttributeSet(attribute.NewSet(
		semconv.ConnectionTypeKey.String("database"),
		semconv.ConnectionPoolNameKey.String("primary"),
	))
	lifetime.Record(ctx, 95, pool)

	var rm metricdata.ResourceMetrics
	_ = reader.Collect(ctx, &rm)
	m := rm.ScopeMetrics[0].Metrics[0]
	dp := m.Data.(metricdata.Histogram[float64]).DataPoints[0]
	fmt.Println(m.Name, m.Unit, dp.Count)
	fmt.Println(dp.Bounds)
	// Output:
	// vitals.connection.duration s 1
	// [1 5 15 30 60 300 900 1800 3600 7200 21600 43200]
}

// List every metric vitals defines for a signal.
func ExampleAll() {
	for _, m := range semconv.All() {
		if m.Signal == semconv.SignalCache {
			fmt.Println(m.Name, m.Kind)
		}
	}
	// Output:
	// vitals.cache.operations Int64ObservableCounter
	// vitals.cache.operation.duration Float64Histogram
	// vitals.cache.hit_ratio Float64ObservableGauge
	// vitals.cache.efficiency Float64ObservableGauge
	// vitals.cache.sets Int64ObservableCounter
	// vitals.cache.evictions Int64ObservableCounter
	// vitals.cache.size Int64ObservableUpDownCounter
}
