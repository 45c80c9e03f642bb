package semconv

import (
	"go.opentelemetry.io/otel/attribute"
	otelsemconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/semconv/v1.43.0/dbconv"
)

// officialConvention is the Convention of metrics that follow the official
// OpenTelemetry semantic conventions.
const officialConvention = "OpenTelemetry semantic conventions v1.43.0"

// SchemaURL is the schema URL of every meter vitals makes: the semantic
// conventions its official names follow.
const SchemaURL = otelsemconv.SchemaURL

var (
	connKeys       = []attribute.Key{ConnectionTypeKey, ConnectionPoolNameKey}
	queueKeys      = []attribute.Key{QueueTypeKey, QueueNameKey}
	cacheKeys      = []attribute.Key{CacheTypeKey, CacheNameKey}
	featureKeys    = []attribute.Key{FeatureTypeKey, FeatureNameKey}
	dbPoolKeys     = []attribute.Key{DBClientConnectionPoolNameKey}
	dbPoolAndState = []attribute.Key{DBClientConnectionPoolNameKey, DBClientConnectionStateKey}
)

// keys returns base followed by more, in a new slice.
func keys(base []attribute.Key, more ...attribute.Key) []attribute.Key {
	return append(append([]attribute.Key(nil), base...), more...)
}

// Connection metrics, reported by instrument/conn.
var (
	// ConnectionCount is the number of open connections, by type and pool,
	// and by state where the pool reports acquire and release: the
	// counterpart, for any pool, of the official db.client.connection.count.
	ConnectionCount = Int64ObservableUpDownCounter{Metric{
		Name:        "vitals.connection.count",
		Unit:        "{connection}",
		Description: "Number of open connections.",
		Kind:        KindInt64ObservableUpDownCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(connKeys, ConnectionStateKey),
	}}
	// ConnectionEvents counts connection lifecycle events: created, reused,
	// destroyed and expired. The tracker counts them in atomics and
	// publishes them at collection, hence an observable counter.
	ConnectionEvents = Int64ObservableCounter{Metric{
		Name:        "vitals.connection.events",
		Unit:        "{event}",
		Description: "Connection lifecycle events: created, reused, destroyed and expired.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(connKeys, ConnectionEventKey),
	}}
	// ConnectionDuration is the distribution of the lifetimes of closed
	// connections, from creation to destruction, recorded when a connection
	// is destroyed (a duration, so named as http.client.connection.duration
	// is). Expired connections, whose end is unknown, are not recorded.
	ConnectionDuration = Float64Histogram{Metric{
		Name:        "vitals.connection.duration",
		Unit:        "s",
		Description: "Lifetime of destroyed connections, from creation to destruction.",
		Kind:        KindFloat64Histogram,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(connKeys),
		Buckets:     ageBuckets,
	}}
	// ConnectionAgeDistribution is the live-age distribution of open
	// connections: for each age bound, the number of open connections at
	// most that old (cumulative, like histogram buckets). The counts add up
	// across pools and instances, hence an UpDownCounter; across bounds
	// they do not, so an aggregation keeps vitals.connection.age.le.
	ConnectionAgeDistribution = Int64ObservableUpDownCounter{Metric{
		Name:        "vitals.connection.age.distribution",
		Unit:        "{connection}",
		Description: "Open connections whose age is at most the bound in vitals.connection.age.le, in seconds.",
		Kind:        KindInt64ObservableUpDownCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(connKeys, ConnectionAgeBoundKey),
	}}
	// ConnectionAgeOldest is the age of the oldest open connection.
	ConnectionAgeOldest = Float64ObservableGauge{Metric{
		Name:        "vitals.connection.age.oldest",
		Unit:        "s",
		Description: "Age of the oldest open connection.",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(connKeys),
	}}
	// ConnectionAgeMean is the mean age of the open connections.
	ConnectionAgeMean = Float64ObservableGauge{Metric{
		Name:        "vitals.connection.age.mean",
		Unit:        "s",
		Description: "Mean age of the open connections.",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(connKeys),
	}}
	// ConnectionHealth is the age-based health of a pool, from 0 (worst)
	// to 1 (best).
	ConnectionHealth = Float64ObservableGauge{Metric{
		Name:        "vitals.connection.health",
		Unit:        "1",
		Description: "Age-based health of a connection pool, from 0 (worst) to 1 (best).",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(connKeys),
	}}

	// DBClientConnectionCount is the official db.client.connection.count:
	// the connections of a database client pool (database/sql, go-redis) by
	// state (used or idle).
	DBClientConnectionCount = Int64ObservableUpDownCounter{Metric{
		Name:        dbconv.ClientConnectionCount{}.Name(),
		Unit:        dbconv.ClientConnectionCount{}.Unit(),
		Description: dbconv.ClientConnectionCount{}.Description(),
		Kind:        KindInt64ObservableUpDownCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  dbPoolAndState,
		Convention:  officialConvention,
	}}
	// DBClientConnectionMax is the official db.client.connection.max: the
	// maximum number of open connections a database client pool allows.
	DBClientConnectionMax = Int64ObservableUpDownCounter{Metric{
		Name:        dbconv.ClientConnectionMax{}.Name(),
		Unit:        dbconv.ClientConnectionMax{}.Unit(),
		Description: dbconv.ClientConnectionMax{}.Description(),
		Kind:        KindInt64ObservableUpDownCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  dbPoolKeys,
		Convention:  officialConvention,
	}}
	// DBConnectionWaits counts the connections a database client pool's
	// callers waited for (sql.DBStats.WaitCount, go-redis WaitCount).
	//
	// The vitals.db.client.connection.* metrics extend the official
	// db.client.connection.* family with what the pools report and the
	// conventions do not define; their Go names drop the "Client" that
	// marks the official ones (DBClientConnectionCount, …).
	DBConnectionWaits = Int64ObservableCounter{Metric{
		Name:        "vitals.db.client.connection.waits",
		Unit:        "{wait}",
		Description: "Connections callers waited for because the pool was at its maximum.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  dbPoolKeys,
	}}
	// DBConnectionWaitTime is the total time a database client pool's
	// callers waited for a connection (sql.DBStats.WaitDuration, go-redis
	// WaitDurationNs): a counter of seconds, so named {entity}.time as
	// cumulative time is (process.cpu.time), not to be taken for the
	// official db.client.connection.wait_time, a histogram of each wait,
	// which the pools' totals cannot give.
	DBConnectionWaitTime = Float64ObservableCounter{Metric{
		Name:        "vitals.db.client.connection.wait.time",
		Unit:        "s",
		Description: "Total time callers waited for a connection.",
		Kind:        KindFloat64ObservableCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  dbPoolKeys,
	}}
	// DBConnectionClosures counts the connections a database/sql pool closed
	// on its own, by reason: max_idle, max_idle_time or max_lifetime.
	DBConnectionClosures = Int64ObservableCounter{Metric{
		Name:        "vitals.db.client.connection.closures",
		Unit:        "{connection}",
		Description: "Connections the pool closed on its own, by reason (max_idle, max_idle_time, max_lifetime).",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalConnection,
		Stability:   StabilityDevelopment,
		Attributes:  keys(dbPoolKeys, DBCloseReasonKey),
	}}
)

// Queue metrics, reported by instrument/queue.
var (
	// QueueDepth is the current number of items in a queue. Depths add up
	// across queues and instances, hence an UpDownCounter.
	QueueDepth = Int64ObservableUpDownCounter{Metric{
		Name:        "vitals.queue.depth",
		Unit:        "{item}",
		Description: "Current number of items in the queue.",
		Kind:        KindInt64ObservableUpDownCounter,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
	}}
	// QueueCapacity is the number of items a queue can hold. Capacities
	// add up, as depths do, hence an UpDownCounter.
	QueueCapacity = Int64ObservableUpDownCounter{Metric{
		Name:        "vitals.queue.capacity",
		Unit:        "{item}",
		Description: "Number of items the queue can hold.",
		Kind:        KindInt64ObservableUpDownCounter,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
	}}
	// QueueUtilization is depth over capacity, from 0 to 1.
	QueueUtilization = Float64ObservableGauge{Metric{
		Name:        "vitals.queue.utilization",
		Unit:        "1",
		Description: "Queue depth over capacity, from 0 to 1.",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
	}}
	// QueueSampledDepth is the distribution of sampled queue depths.
	// (vitals.queue.depth is itself a metric, so no name is under it.)
	QueueSampledDepth = Float64Histogram{Metric{
		Name:        "vitals.queue.sampled_depth",
		Unit:        "{item}",
		Description: "Distribution of queue depths over samples.",
		Kind:        KindFloat64Histogram,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
		Buckets:     depthBuckets,
	}}
	// QueueOverflows counts overflow events: transitions of utilization
	// from below the overflow threshold to at or above it. The monitor
	// counts them in atomics and publishes them at collection.
	QueueOverflows = Int64ObservableCounter{Metric{
		Name:        "vitals.queue.overflows",
		Unit:        "{overflow}",
		Description: "Transitions of queue utilization from below the overflow threshold to at or above it.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
	}}
	// QueueOverflowTime is the total time a queue has spent at or above
	// its overflow threshold.
	QueueOverflowTime = Float64ObservableCounter{Metric{
		Name:        "vitals.queue.overflow.time",
		Unit:        "s",
		Description: "Total time the queue has spent at or above its overflow threshold.",
		Kind:        KindFloat64ObservableCounter,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
	}}
	// QueueMaxDepth is the largest depth sampled over the recent window,
	// the MaxDepth of the queue's snapshot.
	QueueMaxDepth = Int64ObservableGauge{Metric{
		Name:        "vitals.queue.max_depth",
		Unit:        "{item}",
		Description: "Largest queue depth sampled over the recent window.",
		Kind:        KindInt64ObservableGauge,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
	}}
	// QueueRejections counts items a queue turned away because it was full
	// or they waited too long.
	QueueRejections = Int64ObservableCounter{Metric{
		Name:        "vitals.queue.rejections",
		Unit:        "{item}",
		Description: "Items the queue turned away, full or timed out.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
	}}
	// QueueWaitDuration is the time items spend in a queue, from enter to leave.
	QueueWaitDuration = Float64Histogram{Metric{
		Name:        "vitals.queue.wait.duration",
		Unit:        "s",
		Description: "Time an item spent in the queue, from enter to leave.",
		Kind:        KindFloat64Histogram,
		Signal:      SignalQueue,
		Stability:   StabilityDevelopment,
		Attributes:  keys(queueKeys),
		Buckets:     latencyBuckets,
	}}
)

// Cache metrics, reported by instrument/cache.
var (
	// CacheOperations counts cache lookups by result (hit or miss). The
	// monitor counts them in atomics and publishes them at collection.
	CacheOperations = Int64ObservableCounter{Metric{
		Name:        "vitals.cache.operations",
		Unit:        "{operation}",
		Description: "Cache lookups, by result (hit or miss).",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalCache,
		Stability:   StabilityDevelopment,
		Attributes:  keys(cacheKeys, CacheResultKey),
	}}
	// CacheOperationDuration is the duration of cache lookups by result.
	CacheOperationDuration = Float64Histogram{Metric{
		Name:        "vitals.cache.operation.duration",
		Unit:        "s",
		Description: "Duration of cache lookups, by result (hit or miss).",
		Kind:        KindFloat64Histogram,
		Signal:      SignalCache,
		Stability:   StabilityDevelopment,
		Attributes:  keys(cacheKeys, CacheResultKey),
		Buckets:     latencyBuckets,
	}}
	// CacheHitRatio is the hit ratio over the rolling hit-rate window.
	CacheHitRatio = Float64ObservableGauge{Metric{
		Name:        "vitals.cache.hit_ratio",
		Unit:        "1",
		Description: "Share of lookups that hit, from 0 to 1, over the rolling hit-rate window.",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalCache,
		Stability:   StabilityDevelopment,
		Attributes:  keys(cacheKeys),
	}}
	// CacheEfficiency is the efficiency score of a cache, from 0 to 1.
	CacheEfficiency = Float64ObservableGauge{Metric{
		Name:        "vitals.cache.efficiency",
		Unit:        "1",
		Description: "Cache efficiency score from hit ratio and hit/miss latency, from 0 (worst) to 1 (best).",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalCache,
		Stability:   StabilityDevelopment,
		Attributes:  keys(cacheKeys),
	}}
	// CacheSets counts entries written to a cache.
	CacheSets = Int64ObservableCounter{Metric{
		Name:        "vitals.cache.sets",
		Unit:        "{entry}",
		Description: "Entries written to the cache.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalCache,
		Stability:   StabilityDevelopment,
		Attributes:  keys(cacheKeys),
	}}
	// CacheEvictions counts entries evicted from a cache.
	CacheEvictions = Int64ObservableCounter{Metric{
		Name:        "vitals.cache.evictions",
		Unit:        "{entry}",
		Description: "Entries evicted from the cache.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalCache,
		Stability:   StabilityDevelopment,
		Attributes:  keys(cacheKeys),
	}}
	// CacheSize is the number of entries a cache holds, where reported.
	// Sizes add up across caches and instances, hence an UpDownCounter.
	CacheSize = Int64ObservableUpDownCounter{Metric{
		Name:        "vitals.cache.size",
		Unit:        "{entry}",
		Description: "Number of entries in the cache.",
		Kind:        KindInt64ObservableUpDownCounter,
		Signal:      SignalCache,
		Stability:   StabilityDevelopment,
		Attributes:  keys(cacheKeys),
	}}
)

// Feature metrics, reported by instrument/feature.
var (
	// FeatureUses counts uses of a feature by pattern and outcome (a count
	// of uses: ".usage" is, by the naming guidelines, an amount used of a
	// limit).
	FeatureUses = Int64ObservableCounter{Metric{
		Name:        "vitals.feature.uses",
		Unit:        "{use}",
		Description: "Uses of a feature, by usage pattern and outcome.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalFeature,
		Stability:   StabilityDevelopment,
		Attributes:  keys(featureKeys, FeaturePatternKey, FeatureOutcomeKey),
	}}
	// FeatureVariantUses counts the uses of a feature by the variant it gave,
	// for feature flags that report one.
	FeatureVariantUses = Int64ObservableCounter{Metric{
		Name:        "vitals.feature.variant.uses",
		Unit:        "{use}",
		Description: "Uses of a feature by the variant it gave.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalFeature,
		Stability:   StabilityDevelopment,
		Attributes:  keys(featureKeys, FeatureVariantKey),
	}}
	// FeatureUseDuration is the duration of feature uses.
	FeatureUseDuration = Float64Histogram{Metric{
		Name:        "vitals.feature.use.duration",
		Unit:        "s",
		Description: "Duration of a feature use.",
		Kind:        KindFloat64Histogram,
		Signal:      SignalFeature,
		Stability:   StabilityDevelopment,
		Attributes:  keys(featureKeys),
		Buckets:     latencyBuckets,
	}}
	// FeatureUsers is the estimated number of distinct users of a feature
	// over the usage window.
	FeatureUsers = Int64ObservableGauge{Metric{
		Name:        "vitals.feature.users",
		Unit:        "{user}",
		Description: "Estimated distinct users of the feature over the usage window.",
		Kind:        KindInt64ObservableGauge,
		Signal:      SignalFeature,
		Stability:   StabilityDevelopment,
		Attributes:  keys(featureKeys),
	}}
	// FeatureSuccessRatio is the share of successful uses of a feature.
	FeatureSuccessRatio = Float64ObservableGauge{Metric{
		Name:        "vitals.feature.success_ratio",
		Unit:        "1",
		Description: "Share of the feature's uses that succeeded, from 0 to 1, over the usage window.",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalFeature,
		Stability:   StabilityDevelopment,
		Attributes:  keys(featureKeys),
	}}
)

// Health and self-monitoring metrics, reported by the vitals package.
var (
	// HealthScore is the health score, from 0 (unhealthy) to 1 (healthy),
	// overall and per component: the 0–100 score of the health report
	// (healthscore.Report, the JSON of the health endpoint) divided by
	// 100, so that every score and ratio vitals exports shares one scale
	// and the unit 1.
	HealthScore = Float64ObservableGauge{Metric{
		Name:        "vitals.health.score",
		Unit:        "1",
		Description: "Health score from 0 (unhealthy) to 1 (healthy), overall and per component: the health report's 0-100 score divided by 100.",
		Kind:        KindFloat64ObservableGauge,
		Signal:      SignalHealth,
		Stability:   StabilityDevelopment,
		Attributes:  []attribute.Key{HealthComponentKey},
	}}
	// InputRejections counts calls whose input a tracker rejected or clamped
	// (negative depth, NaN duration, unknown connection, …), by error type.
	InputRejections = Int64ObservableCounter{Metric{
		Name:        "vitals.input.rejections",
		Unit:        "{call}",
		Description: "Calls whose input was rejected or clamped, by signal and error type.",
		Kind:        KindInt64ObservableCounter,
		Signal:      SignalHealth,
		Stability:   StabilityDevelopment,
		Attributes:  []attribute.Key{SignalKey, ErrorTypeKey},
	}}
	// SelfDuration is the time vitals itself spends on a collection or a
	// snapshot.
	SelfDuration = Float64Histogram{Metric{
		Name:        "vitals.self.duration",
		Unit:        "s",
		Description: "Time vitals spends on its own work, by operation (collect or snapshot).",
		Kind:        KindFloat64Histogram,
		Signal:      SignalHealth,
		Stability:   StabilityDevelopment,
		Attributes:  []attribute.Key{OperationKey},
		Buckets:     latencyBuckets,
	}}
)

// All returns the definition of every metric vitals emits, grouped by
// signal, in the order of the reference table. Each call returns new
// slices; changing them changes nothing in the package.
func All() []Metric {
	defs := []Metric{
		ConnectionCount.Metric,
		ConnectionEvents.Metric,
		ConnectionDuration.Metric,
		ConnectionAgeDistribution.Metric,
		ConnectionAgeOldest.Metric,
		ConnectionAgeMean.Metric,
		ConnectionHealth.Metric,
		DBClientConnectionCount.Metric,
		DBClientConnectionMax.Metric,
		DBConnectionWaits.Metric,
		DBConnectionWaitTime.Metric,
		DBConnectionClosures.Metric,
		QueueDepth.Metric,
		QueueCapacity.Metric,
		QueueUtilization.Metric,
		QueueSampledDepth.Metric,
		QueueMaxDepth.Metric,
		QueueOverflows.Metric,
		QueueOverflowTime.Metric,
		QueueRejections.Metric,
		QueueWaitDuration.Metric,
		CacheOperations.Metric,
		CacheOperationDuration.Metric,
		CacheHitRatio.Metric,
		CacheEfficiency.Metric,
		CacheSets.Metric,
		CacheEvictions.Metric,
		CacheSize.Metric,
		FeatureUses.Metric,
		FeatureVariantUses.Metric,
		FeatureUseDuration.Metric,
		FeatureUsers.Metric,
		FeatureSuccessRatio.Metric,
		FeatureFleetUsers.Metric,
		HealthScore.Metric,
		InputRejections.Metric,
		SelfDuration.Metric,
	}
	defs = append(defs, officialDefs()...)
	for i := range defs {
		defs[i].Attributes = append([]attribute.Key(nil), defs[i].Attributes...)
		defs[i].Buckets = cloneBuckets(defs[i].Buckets)
	}
	return defs
}
