// Package semconv is the single source of truth for every metric vitals
// emits: its name, unit, description, instrument kind, attribute keys and,
// for histograms, bucket boundaries.
//
// Trackers never spell a metric name themselves. They create their
// instruments through the typed definitions here, such as
// [ConnectionEvents] or [CacheOperationDuration], which
//
//   - give the instrument its name, unit and description;
//   - give histograms their bucket boundaries as instrument advice
//     ([go.opentelemetry.io/otel/metric.WithExplicitBucketBoundaries]), so the
//     boundaries hold under any MeterProvider, even one without vitals' views;
//   - return a no-op instrument together with the error when the meter
//     refuses to create one, so the caller always has something usable.
//
// # Names
//
// Where the meaning matches an official OpenTelemetry semantic convention
// exactly, the official name is used: the database/sql integration reports
// its pool through the db.client.connection.* family of semantic conventions
// v1.43.0 ([DBClientConnectionCount] and its siblings). Everything else lives
// under the vitals.* namespace.
//
// Names, units and kinds follow the semantic conventions' naming guidelines
// (docs/general/naming.md and the metrics guidelines), and a test lints
// every definition against them: counters are plural nouns ([QueueRejections],
// [FeatureUses]), counters of seconds are {entity}.time
// ([DBConnectionWaitTime]), histograms of seconds {operation}.duration,
// additive values are UpDownCounters ([QueueDepth], [CacheSize]), every score
// and ratio is a gauge from 0 to 1 with unit 1 ([HealthScore] is the health
// report's 0–100 score over 100), and no name is the namespace of another.
// Each definition states its [Stability]; every meter vitals makes carries
// [SchemaURL].
//
// # Buckets
//
//   - [AgeBuckets]: connection ages and lifetimes, 1 s to 12 h and above.
//   - [DepthBuckets]: queue depths, 0 to 2500 items and above.
//   - [LatencyBuckets]: operation latencies (cache lookups, feature calls,
//     queue waits), 50 µs to 10 s and above.
//
// [github.com/otelvitals/vitals.Views] returns the same boundaries as SDK
// views, for those who want them set explicitly on their MeterProvider.
// They live in the root package, which builds the SDK, so that this
// package, and every instrumentation package built on it, depends on the
// OpenTelemetry API alone.
//
// # Values from callers
//
// Every attribute value that comes from a caller (a pool, queue, cache or
// feature name, a flag key or variant) passes [CleanValue] before it is
// recorded, in the trackers and in the integrations alike: valid UTF-8,
// at most [MaxValueLength] bytes, "unknown" for an empty value. The
// trackers count each repair in vitals.input.rejections, with the error.type
// values [ErrorTypeInvalidUTF8], [ErrorTypeNameTooLong] and
// [ErrorTypeEmptyName].
//
// # Reference
//
// [All] lists every definition; docs/metrics.md and the Grafana dashboard
// examples/grafana/vitals-dashboard.json are generated from it with go
// generate, and tests fail when either is stale.
package semconv // import "github.com/otelvitals/vitals/semconv"

//go:generate go run ../internal/cmd/metricsdoc -o ../docs/metrics.md -readme ../README.md
//go:generate go -C ../examples/grafana/gen run . -o ../vitals-dashboard.json
