package semconv

import (
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// Views returns one [sdkmetric.View] per vitals histogram, setting the
// histogram's explicit bucket boundaries from its definition. The instruments
// already carry these boundaries as advice; the views make them explicit for
// a MeterProvider whose other views would otherwise change them. Pass them
// with [sdkmetric.WithView]. Each call returns new views.
func Views() []sdkmetric.View {
	var views []sdkmetric.View
	for _, m := range All() {
		if m.Kind != KindFloat64Histogram {
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
