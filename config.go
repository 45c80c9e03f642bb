package vitals

import (
	"errors"
	"fmt"
	"time"
)

// Defaults of [Config]; a zero field takes its default.
const (
	DefaultCardinalityLimit = 20000
	DefaultCollectionBudget = 100 * time.Millisecond
	DefaultLivenessTimeout  = time.Minute
)

// maxCardinalityLimit is the largest allowed Config.CardinalityLimit.
const maxCardinalityLimit = 1_000_000

// ErrInvalidConfig is wrapped by every error of [Config.Validate].
var ErrInvalidConfig = errors.New("vitals: invalid config")

// Config holds the settings of the MeterProvider that [Start] builds and of
// the System as a whole. Each tracker's own settings (windows, limits, the
// user hash key) are its package's options, given to Start through
// [WithConnOptions], [WithQueueOptions], [WithCacheOptions] and
// [WithFeatureOptions]. Its zero value is valid: every zero field takes the
// default named in its comment. Negative values are never defaults; they
// are errors reported by [Config.Validate].
type Config struct {
	// CardinalityLimit is the most series any one instrument keeps per
	// collection in the MeterProvider that Start builds; the OTel SDK folds
	// the rest into an otel.metric.overflow series. vitals sets it on
	// purpose, above its own per-kind limits, instead of the SDK's silent
	// default of 2000. It bounds what the SDK aggregates: the trackers'
	// instruments when they report without the producer, and any
	// instrument of the service's own on that provider. What the
	// [Producer] emits is bounded by the trackers' own limits
	// (conn.WithMaxPools and its siblings) and never folded. Ignored
	// under WithMeterProvider, where the user's provider decides (see
	// sdkmetric.WithCardinalityLimit). Default 20000; allowed 1 to
	// 1000000.
	CardinalityLimit int

	// CollectionBudget is the time one collection of vitals' metrics may take
	// before it is reported as over budget. Default 100ms; allowed 1ms to 1m.
	CollectionBudget time.Duration

	// LivenessTimeout is how long vitals may go without a round of its
	// queue sampler, or take over one snapshot, before
	// [System.LivenessHandler] answers 503: vitals itself is stuck, say on
	// a queue probe that never returns. Default 1m, or twice the queue
	// sample interval (queue.WithSampleInterval) if that is longer;
	// allowed 1s to 2h (twice the longest sample interval), and at least
	// twice the sample interval, which [Start] checks.
	LivenessTimeout time.Duration

	// Exemplars turns on exemplars (trace-based filter) in the MeterProvider
	// that Start builds. Off by default: exemplars make each collection about
	// eight times dearer. OTEL_METRICS_EXEMPLAR_FILTER, when set, wins.
	// With exemplars on, the durations recorded with the caller's context
	// (Feature.Record, Cache.HitContext and its siblings,
	// Ticket.LeaveContext, Conn.CloseContext) go through the SDK's
	// histograms instead of vitals' faster path, which cannot keep
	// exemplars, and carry the trace.
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

// withDefaults returns c with every zero field set to its default. The
// liveness timeout's default depends on the queue sample interval, so it
// is left to [System]'s start.
func (c Config) withDefaults() Config {
	if c.CollectionBudget == 0 {
		c.CollectionBudget = DefaultCollectionBudget
	}
	if c.CardinalityLimit == 0 {
		c.CardinalityLimit = DefaultCardinalityLimit
	}
	return c
}

// Validate reports every invalid field of c, after zero fields take their
// defaults, as [*ConfigError]s joined with [errors.Join]; it returns nil for
// a valid Config. Each error names the field, the value and the allowed
// range, and wraps [ErrInvalidConfig]. Whether LivenessTimeout is at least
// twice the queue sample interval is checked by [Start], which knows the
// interval.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(field string, value any, allowed string) {
		errs = append(errs, &ConfigError{Field: field, Value: value, Allowed: allowed})
	}
	// In the order of the fields.
	if c.CardinalityLimit < 1 || c.CardinalityLimit > maxCardinalityLimit {
		bad("CardinalityLimit", c.CardinalityLimit, fmt.Sprintf("1 to %d (0 means the default)", maxCardinalityLimit))
	}
	if c.CollectionBudget < time.Millisecond || c.CollectionBudget > time.Minute {
		bad("CollectionBudget", c.CollectionBudget, "1ms to 1m0s (0 means the default)")
	}
	if t := c.LivenessTimeout; t != 0 && (t < time.Second || t > 2*time.Hour) {
		bad("LivenessTimeout", t, "1s to 2h0m0s (0 means the default)")
	}
	return errors.Join(errs...)
}

// livenessTimeout returns the liveness timeout of c for a queue sampler
// that runs every interval: the given one, or the default; and an error if
// the given one is shorter than two rounds of the sampler.
func (c Config) livenessTimeout(interval time.Duration) (time.Duration, error) {
	if c.LivenessTimeout == 0 {
		return max(DefaultLivenessTimeout, 2*interval), nil
	}
	if c.LivenessTimeout < 2*interval {
		return 0, &ConfigError{Field: "LivenessTimeout", Value: c.LivenessTimeout,
			Allowed: fmt.Sprintf("at least twice the queue sample interval (%v)", 2*interval)}
	}
	return c.LivenessTimeout, nil
}
