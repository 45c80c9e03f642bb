package semconv

import (
	"go.opentelemetry.io/otel/attribute"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// Attribute keys of the vitals.* namespace. Each metric in [All] lists the
// keys it carries.
const (
	// ConnectionTypeKey is the kind of connection: "database", "http",
	// "redis", "grpc" or any custom string.
	ConnectionTypeKey = attribute.Key("vitals.connection.type")
	// ConnectionPoolNameKey names the pool a connection belongs to.
	ConnectionPoolNameKey = attribute.Key("vitals.connection.pool.name")
	// ConnectionStateKey is "used" or "idle" for pools that report
	// acquire and release.
	ConnectionStateKey = attribute.Key("vitals.connection.state")
	// ConnectionEventKey is the lifecycle event: "created", "reused",
	// "destroyed" or "expired".
	ConnectionEventKey = attribute.Key("vitals.connection.event")
	// ConnectionAgeBoundKey is the upper bound, in seconds, of an age
	// bucket of the live-age distribution ("+Inf" for the last one).
	ConnectionAgeBoundKey = attribute.Key("vitals.connection.age.le")

	// DBCloseReasonKey is why a database/sql pool closed a connection:
	// "max_idle", "max_idle_time" or "max_lifetime".
	DBCloseReasonKey = attribute.Key("vitals.db.client.connection.close.reason")

	// QueueTypeKey is the kind of queue: "http", "database",
	// "ml_inference", "redis" or any custom string.
	QueueTypeKey = attribute.Key("vitals.queue.type")
	// QueueNameKey names a queue.
	QueueNameKey = attribute.Key("vitals.queue.name")

	// CacheTypeKey is the kind of cache: "application", "ml_model",
	// "configuration", "session" or any custom string.
	CacheTypeKey = attribute.Key("vitals.cache.type")
	// CacheNameKey names a cache.
	CacheNameKey = attribute.Key("vitals.cache.name")
	// CacheResultKey is the result of a lookup: "hit" or "miss".
	CacheResultKey = attribute.Key("vitals.cache.result")

	// FeatureTypeKey is the kind of feature: "feature_flag",
	// "api_endpoint", "ml_model", "component" or any custom string.
	FeatureTypeKey = attribute.Key("vitals.feature.type")
	// FeatureNameKey names a feature.
	FeatureNameKey = attribute.Key("vitals.feature.name")
	// FeaturePatternKey is how a feature was used: "direct_call",
	// "batch_operation", "background_task" or any custom string.
	FeaturePatternKey = attribute.Key("vitals.feature.pattern")
	// FeatureVariantKey is the variant a feature flag gave, such as "on",
	// "off" or "blue".
	FeatureVariantKey = attribute.Key("vitals.feature.variant")
	// FeatureOutcomeKey is "success" or "failure".
	FeatureOutcomeKey = attribute.Key("vitals.feature.outcome")

	// HealthComponentKey is the part of the system a health score is for:
	// "overall", "connections", "queues", "caches" or "features".
	HealthComponentKey = attribute.Key("vitals.health.component")

	// SignalKey names the tracker a self-monitoring or input-error series
	// belongs to: "connection", "queue", "cache", "feature" or "health".
	SignalKey = attribute.Key("vitals.signal")
	// OperationKey names a self-monitored operation: "collect" or
	// "snapshot".
	OperationKey = attribute.Key("vitals.operation")
	// ErrorTypeKey classifies rejected input (for example "negative_depth"),
	// following the meaning of the official error.type attribute.
	ErrorTypeKey = otelsemconv.ErrorTypeKey

	// OverflowKey marks the series into which a tracker folds every key
	// past its limit (see [Overflow]).
	OverflowKey = attribute.Key("vitals.overflow")
)

// Attribute keys of the official semantic conventions (v1.43.0) used by the
// database/sql integration.
const (
	// DBClientConnectionPoolNameKey names a database/sql pool.
	DBClientConnectionPoolNameKey = otelsemconv.DBClientConnectionPoolNameKey
	// DBClientConnectionStateKey is "used" or "idle".
	DBClientConnectionStateKey = otelsemconv.DBClientConnectionStateKey
)

// Values of [ConnectionEventKey].
const (
	ConnectionEventCreated   = "created"
	ConnectionEventReused    = "reused"
	ConnectionEventDestroyed = "destroyed"
	ConnectionEventExpired   = "expired"
)

// Values of [ConnectionStateKey] and [DBClientConnectionStateKey].
const (
	ConnectionStateUsed = "used"
	ConnectionStateIdle = "idle"
)

// Values of [CacheResultKey].
const (
	CacheResultHit  = "hit"
	CacheResultMiss = "miss"
)

// Values of [FeatureOutcomeKey].
const (
	FeatureOutcomeSuccess = "success"
	FeatureOutcomeFailure = "failure"
)

// Values of [SignalKey].
const (
	SignalConnection = "connection"
	SignalQueue      = "queue"
	SignalCache      = "cache"
	SignalFeature    = "feature"
	SignalHealth     = "health"
)

// Overflow is the attribute carried by the overflow series of a tracker:
// once a tracker holds as many pools, queues, caches or features as its
// limit allows, further keys are recorded into the one series marked
// vitals.overflow=true instead of a series of their own.
var Overflow = OverflowKey.Bool(true)

// Values of [DBCloseReasonKey].
const (
	DBCloseReasonMaxIdle     = "max_idle"
	DBCloseReasonMaxIdleTime = "max_idle_time"
	DBCloseReasonMaxLifetime = "max_lifetime"
)
