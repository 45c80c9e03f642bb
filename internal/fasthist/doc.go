// Package fasthist is vitals' fast histogram path: explicit-bucket
// histograms kept in atomics, published to the readers vitals builds
// through an [go.opentelemetry.io/otel/sdk/metric.Producer].
//
// Recording into a [Histogram] costs a bucket search and a few atomic adds,
// about a tenth of an OTel SDK Float64Histogram.Record, which takes a lock
// per series. The price is that only readers made with the [Registry] as a
// producer see the data, so trackers use this path only under the
// MeterProvider that vitals.Start builds when it builds every reader; under
// any other provider they record through the SDK's own histograms.
//
// A [Registry] is carried by that provider: [Provider] wraps the SDK's
// MeterProvider, and trackers find the registry with [From].
package fasthist
