package vitals

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/instrument/conn"
	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/instrument/queue"
)

// Defaults of [Config]; a zero field takes its default. The trackers'
// are their own packages' defaults, defined there.
const (
	DefaultConnectionRetention    = conn.DefaultRetention
	DefaultQueueSampleInterval    = queue.DefaultSampleInterval
	DefaultQueueWindow            = queue.DefaultWindow
	DefaultQueueOverflowThreshold = queue.DefaultOverflowThreshold
	DefaultCacheHitWindow         = cache.DefaultWindow
	DefaultFeatureUsageWindow     = feature.DefaultWindow
	DefaultFeatureTimeZone        = "UTC"
	DefaultMaxKeys                = conn.DefaultMaxPools // and queue.DefaultMaxQueues, cache.DefaultMaxCaches, feature.DefaultMaxFeatures
	DefaultCardinalityLimit       = 20000
	DefaultCollectionBudget       = 100 * time.Millisecond
	DefaultConnectionWindow       = conn.DefaultWindow
	DefaultLivenessTimeout        = time.Minute
)

// maxCardinalityLimit is the largest allowed Config.CardinalityLimit.
const maxCardinalityLimit = 1_000_000

// maxConnectionIDs is the largest allowed Config.MaxConnectionIDs: about
// 15 GB of connections.
const maxConnectionIDs = 100_000_000

// ErrInvalidConfig is wrapped by every error of [Config.Validate].
var ErrInvalidConfig = errors.New("vitals: invalid config")

// Config holds the settings of the trackers and of the MeterProvider that
// [Start] builds. Its zero value is valid: every zero field takes the
// default named in its comment. Negative values are never defaults; they are
// errors reported by [Config.Validate].
type Config struct {
	// ConnectionRetention is how long a connection may go unused before it
	// is expired, counted as "expired" and forgotten, so that leaked
	// connections cannot grow memory without bound: each open connection
	// holds about 80 bytes, or about 150 with a short ID under the keyed
	// API, until it is closed or expires. Default 24h; allowed 1s to 720h.
	ConnectionRetention time.Duration
	// ConnectionWindow is the recent window over which the health rules
	// judge pools: connections created, ended and expired, and waits.
	// Default 5m; allowed 1s to 24h.
	ConnectionWindow time.Duration

	// QueueSampleInterval is how often the queue monitor samples its probes
	// in the background. Default 1s; allowed 10ms to 1h.
	QueueSampleInterval time.Duration
	// QueueWindow is the recent window over which queue statistics (min,
	// mean, max depth, trend, time in overflow) are kept. Default 5m;
	// allowed 1s to 24h, and at least QueueSampleInterval.
	QueueWindow time.Duration
	// QueueOverflowThreshold is the utilization (depth over capacity) at or
	// above which a queue counts as overflowing. Default 0.8; allowed
	// above 0 up to 1.
	QueueOverflowThreshold float64

	// CacheHitWindow is the rolling window of the cache hit ratio. Default
	// 15m; allowed 1s to 24h.
	CacheHitWindow time.Duration

	// FeatureUsageWindow is the window over which feature usage, unique
	// users and success ratio are reported; adoption trends compare it with
	// the window before. Default 24h; allowed 1m to 720h.
	FeatureUsageWindow time.Duration
	// FeatureTimeZone is the IANA time zone of the peak-usage hour, such as
	// "Europe/Berlin". Default "UTC".
	FeatureTimeZone string
	// UserHashKey is the HMAC-SHA256 key with which user identifiers are
	// hashed before they are counted; raw identifiers are never stored or
	// exported. Processes that share a key count the same user alike. Nil
	// means a random key per process. When set: 16 to 1024 bytes.
	UserHashKey []byte

	// MaxPools, MaxQueues, MaxCaches and MaxFeatures bound the number of
	// distinct pools, queues, caches and features each tracker keeps;
	// further keys are folded into one overflow series and a warning is
	// reported once. Default 1000 each; allowed from 1 up to what fits
	// under CardinalityLimit: a pool has up to 13 series in one instrument
	// (the live-age distribution) and a feature up to 16 (8 patterns by 2
	// outcomes), so MaxPools × 13 and MaxFeatures × 16, plus the overflow
	// series, must stay below it.
	MaxPools    int
	MaxQueues   int
	MaxCaches   int
	MaxFeatures int

	// MaxConnectionIDs bounds the connection IDs the keyed connection API
	// (Connections().Created) holds at once, about 150 bytes each; past it
	// Created returns conn.ErrIDLimit, counted, and a warning is reported
	// once. Connections held by handle are bounded by ConnectionRetention
	// alone. Default 1000000; allowed 1 to 100000000.
	MaxConnectionIDs int

	// CardinalityLimit is the most series any one instrument keeps per
	// collection in the MeterProvider that Start builds; the OTel SDK folds
	// the rest into an otel.metric.overflow series. vitals sets it on
	// purpose, above its own per-kind limits, instead of the SDK's silent
	// default of 2000. Ignored under WithMeterProvider, where the user's
	// provider decides (see sdkmetric.WithCardinalityLimit). Default 20000;
	// allowed 1 to 1000000.
	CardinalityLimit int

	// CollectionBudget is the time one collection of vitals' metrics may take
	// before it is reported as over budget. Default 100ms; allowed 1ms to 1m.
	CollectionBudget time.Duration

	// LivenessTimeout is how long vitals may go without a round of its
	// queue sampler, or take over one snapshot, before
	// [System.LivenessHandler] answers 503: vitals itself is stuck, say on
	// a queue probe that never returns. Default 1m, or twice
	// QueueSampleInterval if that is longer; allowed 1s to 2h (twice the
	// longest QueueSampleInterval), and at least twice QueueSampleInterval.
	LivenessTimeout time.Duration

	// Exemplars turns on exemplars (trace-based filter) in the MeterProvider
	// that Start builds. Off by default: exemplars make each collection about
	// eight times dearer. OTEL_METRICS_EXEMPLAR_FILTER, when set, wins.
	// With exemplars on, feature durations, the histogram recorded with the
	// caller's context, go through the SDK's histogram instead of vitals'
	// faster path, which cannot keep exemplars.
	Exemplars bool
}

// ConfigError describes one invalid field of a [Config]. It wraps
// [ErrInvalidConfig].
type ConfigError struct {
	// Field is the name of the Config field, such as "QueueWindow".
	Field string
	// Value is the value given.
	Value any
	// Allowed describes the allowed values.
	Allowed string
}

// Error returns a message naming the field, the value and the allowed range.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("vitals: Config.%s = %v: allowed %s", e.Field, e.Value, e.Allowed)
}

// Unwrap returns [ErrInvalidConfig].
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	setDur := func(d *time.Duration, def time.Duration) {
		if *d == 0 {
			*d = def
		}
	}
	setInt := func(n *int, def int) {
		if *n == 0 {
			*n = def
		}
	}
	setDur(&c.ConnectionRetention, DefaultConnectionRetention)
	setDur(&c.QueueSampleInterval, DefaultQueueSampleInterval)
	setDur(&c.QueueWindow, DefaultQueueWindow)
	setDur(&c.CacheHitWindow, DefaultCacheHitWindow)
	setDur(&c.FeatureUsageWindow, DefaultFeatureUsageWindow)
	setDur(&c.CollectionBudget, DefaultCollectionBudget)
	setDur(&c.ConnectionWindow, DefaultConnectionWindow)
	setDur(&c.LivenessTimeout, max(DefaultLivenessTimeout, 2*c.QueueSampleInterval))
	if c.QueueOverflowThreshold == 0 {
		c.QueueOverflowThreshold = DefaultQueueOverflowThreshold
	}
	if c.FeatureTimeZone == "" {
		c.FeatureTimeZone = DefaultFeatureTimeZone
	}
	setInt(&c.MaxPools, DefaultMaxKeys)
	setInt(&c.MaxQueues, DefaultMaxKeys)
	setInt(&c.MaxCaches, DefaultMaxKeys)
	setInt(&c.MaxFeatures, DefaultMaxKeys)
	setInt(&c.MaxConnectionIDs, conn.DefaultMaxIDs)
	setInt(&c.CardinalityLimit, DefaultCardinalityLimit)
	return c
}

// Validate reports every invalid field of c, after zero fields take their
// defaults, as [*ConfigError]s joined with [errors.Join]; it returns nil for
// a valid Config. Each error names the field, the value and the allowed
// range, and wraps [ErrInvalidConfig].
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(field string, value any, allowed string) {
		errs = append(errs, &ConfigError{Field: field, Value: value, Allowed: allowed})
	}
	durations := []struct {
		field    string
		value    time.Duration
		min, max time.Duration
	}{
		{"ConnectionRetention", c.ConnectionRetention, time.Second, 720 * time.Hour},
		{"QueueSampleInterval", c.QueueSampleInterval, 10 * time.Millisecond, time.Hour},
		{"QueueWindow", c.QueueWindow, time.Second, 24 * time.Hour},
		{"CacheHitWindow", c.CacheHitWindow, time.Second, 24 * time.Hour},
		{"FeatureUsageWindow", c.FeatureUsageWindow, time.Minute, 720 * time.Hour},
		{"CollectionBudget", c.CollectionBudget, time.Millisecond, time.Minute},
		{"ConnectionWindow", c.ConnectionWindow, time.Second, 24 * time.Hour},
		{"LivenessTimeout", c.LivenessTimeout, time.Second, 2 * time.Hour},
	}
	for _, d := range durations {
		if d.value < d.min || d.value > d.max {
			bad(d.field, d.value, fmt.Sprintf("%v to %v (0 means the default)", d.min, d.max))
		}
	}
	if c.QueueWindow < c.QueueSampleInterval && c.QueueSampleInterval > 0 {
		bad("QueueWindow", c.QueueWindow, fmt.Sprintf("at least QueueSampleInterval (%v)", c.QueueSampleInterval))
	}
	if c.LivenessTimeout < 2*c.QueueSampleInterval && c.QueueSampleInterval > 0 && c.LivenessTimeout > 0 {
		bad("LivenessTimeout", c.LivenessTimeout, fmt.Sprintf("at least twice QueueSampleInterval (%v)", 2*c.QueueSampleInterval))
	}
	if t := c.QueueOverflowThreshold; math.IsNaN(t) || t <= 0 || t > 1 {
		bad("QueueOverflowThreshold", t, "above 0 up to 1 (0 means the default 0.8)")
	}
	if _, err := time.LoadLocation(c.FeatureTimeZone); err != nil {
		bad("FeatureTimeZone", fmt.Sprintf("%q", c.FeatureTimeZone), "an IANA time zone name such as \"UTC\" or \"Europe/Berlin\"")
	}
	if c.MaxConnectionIDs < 1 || c.MaxConnectionIDs > maxConnectionIDs {
		bad("MaxConnectionIDs", c.MaxConnectionIDs, fmt.Sprintf("1 to %d (0 means the default)", maxConnectionIDs))
	}
	if n := len(c.UserHashKey); c.UserHashKey != nil && (n < 16 || n > 1024) {
		bad("UserHashKey", fmt.Sprintf("%d bytes", n), "16 to 1024 bytes, or nil for a random key per process")
	}
	// The per-kind limits must sit below the cardinality limit; when that
	// is itself invalid, they are checked against its largest allowed value.
	limitOK := c.CardinalityLimit >= 1 && c.CardinalityLimit <= maxCardinalityLimit
	ceiling := c.CardinalityLimit
	if !limitOK {
		bad("CardinalityLimit", c.CardinalityLimit, fmt.Sprintf("1 to %d (0 means the default)", maxCardinalityLimit))
		ceiling = maxCardinalityLimit
	}
	// Each key of a kind has up to perKey series in one instrument; with its
	// overflow series they must all fit under the cardinality limit.
	limits := []struct {
		field  string
		value  int
		perKey int
	}{
		{"MaxPools", c.MaxPools, conn.SeriesPerPool},
		{"MaxQueues", c.MaxQueues, 1},
		{"MaxCaches", c.MaxCaches, 1},
		{"MaxFeatures", c.MaxFeatures, feature.SeriesPerFeature},
	}
	for _, l := range limits {
		most := (ceiling-1)/l.perKey - 1 // room for the overflow series too
		if l.value < 1 || l.value > most {
			bad(l.field, l.value, fmt.Sprintf("1 to %d, so that its %d series per key and the overflow series stay below CardinalityLimit (0 means the default)", most, l.perKey))
		}
	}
	return errors.Join(errs...)
}
