package vitals_test

import (
	"context"
	"fmt"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals"
	"github.com/otelvitals/vitals/semconv"
)

// dataKind names the metricdata a definition's kind must export as: a sum
// (monotonic or not) or a gauge of its number type, or a histogram.
func dataKind(k semconv.Kind) string {
	switch k {
	case semconv.KindInt64Counter, semconv.KindInt64ObservableCounter:
		return "Sum[int64] monotonic"
	case semconv.KindFloat64ObservableCounter:
		return "Sum[float64] monotonic"
	case semconv.KindInt64UpDownCounter, semconv.KindInt64ObservableUpDownCounter:
		return "Sum[int64] non-monotonic"
	case semconv.KindInt64ObservableGauge:
		return "Gauge[int64]"
	case semconv.KindFloat64ObservableGauge:
		return "Gauge[float64]"
	case semconv.KindFloat64Histogram:
		return "Histogram[float64]"
	}
	return "invalid"
}

// exportedKind names the metricdata of m as dataKind does.
func exportedKind(m metricdata.Metrics) string {
	switch d := m.Data.(type) {
	case metricdata.Sum[int64]:
		return fmt.Sprintf("Sum[int64] %s", monotonic(d.IsMonotonic))
	case metricdata.Sum[float64]:
		return fmt.Sprintf("Sum[float64] %s", monotonic(d.IsMonotonic))
	case metricdata.Gauge[int64]:
		return "Gauge[int64]"
	case metricdata.Gauge[float64]:
		return "Gauge[float64]"
	case metricdata.Histogram[float64]:
		return "Histogram[float64]"
	}
	return fmt.Sprintf("%T", m.Data)
}

func monotonic(b bool) string {
	if b {
		return "monotonic"
	}
	return "non-monotonic"
}

// TestExportedKindsMatchDefinitions checks, on both paths a point can take
// (the producer's metricdata, and the observable instruments and SDK
// histograms under a user's provider without it), that every metric is
// exported as the kind its definition names: counters as monotonic sums,
// the additive values (queue depth and capacity, cache size, live-age
// counts) as non-monotonic sums, the rest as gauges or histograms.
func TestExportedKindsMatchDefinitions(t *testing.T) {
	defs := map[string]semconv.Metric{}
	for _, d := range semconv.All() {
		defs[d.Name] = d
	}
	mustSee := []string{
		semconv.QueueDepth.Name, semconv.QueueCapacity.Name, semconv.CacheSize.Name,
		semconv.ConnectionAgeDistribution.Name, semconv.ConnectionCount.Name, semconv.HealthScore.Name,
	}
	for _, withProducer := range []bool{true, false} {
		t.Run(fmt.Sprintf("producer=%v", withProducer), func(t *testing.T) {
			var readerOpts []sdkmetric.ManualReaderOption
			opts := []vitals.Option{vitals.WithHealthHold(0)}
			if withProducer {
				p := vitals.NewProducer()
				readerOpts = append(readerOpts, sdkmetric.WithProducer(p))
				opts = append(opts, vitals.WithProducer(p))
			}
			reader := sdkmetric.NewManualReader(readerOpts...)
			mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer mp.Shutdown(context.Background())
			sys, err := vitals.Start(context.Background(), append(opts, vitals.WithMeterProvider(mp))...)
			if err != nil {
				t.Fatal(err)
			}
			defer sys.Shutdown(context.Background())
			work(sys)
			sys.Caches().Cache("application", "users").SetSize(42)

			var rm metricdata.ResourceMetrics
			if err := reader.Collect(context.Background(), &rm); err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			for _, sm := range rm.ScopeMetrics {
				for _, m := range sm.Metrics {
					d, ok := defs[m.Name]
					if !ok {
						continue
					}
					seen[m.Name] = true
					if got, want := exportedKind(m), dataKind(d.Kind); got != want {
						t.Errorf("%s (%v) exported as %s, want %s", m.Name, d.Kind, got, want)
					}
				}
			}
			for _, name := range mustSee {
				if !seen[name] {
					t.Errorf("%s not exported", name)
				}
			}
			if len(seen) < 25 {
				t.Errorf("only %d metrics exported, want the trackers' and the health gauge: %v", len(seen), seen)
			}
		})
	}
}
