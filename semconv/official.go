package semconv

import (
	"go.opentelemetry.io/otel/attribute"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/dbconv"
)

// The official db.client.connection.* metrics the integrations report where
// they can observe them (see each integration's package documentation for
// which it emits and why the others are left out), and the feature flag
// evaluations of the OpenFeature hook, counted with the official
// feature_flag.* attributes.
//
// The db.client.connection.* metrics are of "development" stability in
// the semantic conventions; their names, units and attributes follow
// semantic-conventions v1.44.0 model/db/metrics.yaml, which agrees with the
// v1.43.0 names of [dbconv].

// Attribute keys of the official feature-flag conventions, carried by
// [FeatureFlagEvaluations].
const (
	// FeatureFlagKeyKey is the lookup key of the evaluated flag.
	FeatureFlagKeyKey = otelsemconv.FeatureFlagKeyKey
	// FeatureFlagResultVariantKey is the variant the provider gave, when it
	// gave one.
	FeatureFlagResultVariantKey = otelsemconv.FeatureFlagResultVariantKey
	// FeatureFlagProviderNameKey names the flag provider.
	FeatureFlagProviderNameKey = otelsemconv.FeatureFlagProviderNameKey
	// FeatureFlagResultReasonKey is how the value was determined, in the
	// conventions' lower case: "static", "default", "targeting_match",
	// "split", "cached", "disabled", "unknown", "stale", "error" or a
	// provider's own reason.
	FeatureFlagResultReasonKey = otelsemconv.FeatureFlagResultReasonKey
)

// FeatureFlagResultReasonUnknown is the [FeatureFlagResultReasonKey] of an
// evaluation whose provider gave no reason.
const FeatureFlagResultReasonUnknown = "unknown"

// ErrorTypeGeneral is the [ErrorTypeKey] of a failed flag evaluation that
// carries no error code of its own, as the feature-flag conventions name
// it.
const ErrorTypeGeneral = "general"

// Official connection pool metrics, reported by integrations/goredis and
// integrations/sqldb.
var (
	// DBClientConnectionTimeouts is the official
	// db.client.connection.timeouts: the callers that gave up waiting for a
	// connection of the pool (go-redis PoolStats.Timeouts).
	DBClientConnectionTimeouts = Int64ObservableCounter{Metric{
		Name:        dbconv.ClientConnectionTimeouts{}.Name(),
		Unit:        dbconv.ClientConnectionTimeouts{}.Unit(),
		Description: dbconv.ClientConnectionTimeouts{}.Description(),
		Kind:        KindInt64ObservableCounter,
		Stability:   StabilityDevelopment,
		Signal:      SignalConnection,
		Attributes:  dbPoolKeys,
		Convention:  officialConvention,
	}}
	// DBClientConnectionIdleMax is the official
	// db.client.connection.idle.max: the most idle connections the pool
	// keeps.
	DBClientConnectionIdleMax = Int64ObservableUpDownCounter{Metric{
		Name:        dbconv.ClientConnectionIdleMax{}.Name(),
		Unit:        dbconv.ClientConnectionIdleMax{}.Unit(),
		Description: dbconv.ClientConnectionIdleMax{}.Description(),
		Kind:        KindInt64ObservableUpDownCounter,
		Stability:   StabilityDevelopment,
		Signal:      SignalConnection,
		Attributes:  dbPoolKeys,
		Convention:  officialConvention,
	}}
	// DBClientConnectionIdleMin is the official
	// db.client.connection.idle.min: the fewest idle connections the pool
	// keeps open.
	DBClientConnectionIdleMin = Int64ObservableUpDownCounter{Metric{
		Name:        dbconv.ClientConnectionIdleMin{}.Name(),
		Unit:        dbconv.ClientConnectionIdleMin{}.Unit(),
		Description: dbconv.ClientConnectionIdleMin{}.Description(),
		Kind:        KindInt64ObservableUpDownCounter,
		Stability:   StabilityDevelopment,
		Signal:      SignalConnection,
		Attributes:  dbPoolKeys,
		Convention:  officialConvention,
	}}
	// DBClientConnectionPendingRequests is the official
	// db.client.connection.pending_requests: the callers waiting for a
	// connection of the pool now.
	DBClientConnectionPendingRequests = Int64ObservableUpDownCounter{Metric{
		Name:        dbconv.ClientConnectionPendingRequests{}.Name(),
		Unit:        dbconv.ClientConnectionPendingRequests{}.Unit(),
		Description: dbconv.ClientConnectionPendingRequests{}.Description(),
		Kind:        KindInt64ObservableUpDownCounter,
		Stability:   StabilityDevelopment,
		Signal:      SignalConnection,
		Attributes:  dbPoolKeys,
		Convention:  officialConvention,
	}}
	// DBClientConnectionCreateTime is the official
	// db.client.connection.create_time: how long opening each new
	// connection took, recorded when it is open.
	DBClientConnectionCreateTime = Float64Histogram{Metric{
		Name:        dbconv.ClientConnectionCreateTime{}.Name(),
		Unit:        dbconv.ClientConnectionCreateTime{}.Unit(),
		Description: dbconv.ClientConnectionCreateTime{}.Description(),
		Kind:        KindFloat64Histogram,
		Stability:   StabilityDevelopment,
		Signal:      SignalConnection,
		Attributes:  dbPoolKeys,
		Buckets:     latencyBuckets,
		Convention:  officialConvention,
	}}
)

// FeatureFlagEvaluations counts the flag evaluations the OpenFeature hook
// saw, with the attributes of the conventions' feature_flag.evaluation
// event. The conventions define no feature-flag metric, so the name is
// vitals'; the variant is carried only when the provider gave one, and
// error.type only for a failed evaluation.
var FeatureFlagEvaluations = Int64Counter{Metric{
	Name:        "vitals.feature_flag.evaluations",
	Unit:        "{evaluation}",
	Description: "Feature flag evaluations, with the official feature_flag.* attributes of the evaluation event.",
	Kind:        KindInt64Counter,
	Stability:   StabilityDevelopment,
	Signal:      SignalFeature,
	Attributes: []attribute.Key{
		FeatureFlagKeyKey, FeatureFlagResultVariantKey, FeatureFlagProviderNameKey,
		FeatureFlagResultReasonKey, ErrorTypeKey,
	},
}}

// officialDefs returns the definitions of this file, in the order of the
// reference table, for [All].
func officialDefs() []Metric {
	return []Metric{
		DBClientConnectionTimeouts.Metric,
		DBClientConnectionIdleMax.Metric,
		DBClientConnectionIdleMin.Metric,
		DBClientConnectionPendingRequests.Metric,
		DBClientConnectionCreateTime.Metric,
		FeatureFlagEvaluations.Metric,
	}
}
