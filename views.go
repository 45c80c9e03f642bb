package vitals

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelvitals/vitals/semconv"
)

// Views returns one [sdkmetric.View] per vitals histogram, setting the
// histogram's explicit bucket boundaries from its definition in package
// [github.com/otelvitals/vitals/semconv]. The instruments already carry
// these boundaries as advice; the views make them explicit for a
// MeterProvider whose other views would otherwise change them. [Start]
// puts them on the provider it builds; pass them with [sdkmetric.WithView]
// to a provider of your own given to [WithMeterProvider]. Each call returns
// new views.
//
// The views live here, beside the provider Start builds, rather than in
// semconv, so that the instrumentation packages depend on the OpenTelemetry
// API alone.
func Views() []sdkmetric.View {
	var views []sdkmetric.View
	for _, m := range semconv.All() {
		if m.Kind != semconv.KindFloat64Histogram {
			continue
		}
		views = append(views, sdkmetric.NewView(
			sdkmetric.Instrument{Name: m.Name, Kind: sdkmetric.InstrumentKindHistogram},
			sdkmetric.Stream{Aggregation: sdkmetric.AggregationExplicitBucketHistogram{
				Boundaries: m.Buckets,
			}},
		))
	}
	return views
}
