package feature

import (
	"errors"
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
)

// Defaults of the options.
const (
	DefaultWindow      = 24 * time.Hour
	DefaultMaxFeatures = 1000
	// MaxPatterns is the most distinct usage patterns kept, the built-in
	// ones included; further patterns are recorded as "other".
	MaxPatterns = 8
	// MaxNameLength is the longest feature type, name or pattern kept, in
	// bytes; longer ones are cut (on a rune boundary) and counted.
	MaxNameLength = 256
)

// Range of [WithWindow]; [New]
// clamps a window outside it to the nearer end. A window of a few
// nanoseconds would have quarters of no width.
const (
	MinWindow = time.Minute
	MaxWindow = 720 * time.Hour
)

// Built-in feature types; any other string works too.
const (
	TypeFeatureFlag = "feature_flag"
	TypeAPIEndpoint = "api_endpoint"
	TypeMLModel     = "ml_model"
	TypeComponent   = "component"
)

// Built-in usage patterns; any other string works too, up to MaxPatterns in
// all.
const (
	PatternDirectCall     = "direct_call"
	PatternBatchOperation = "batch_operation"
	PatternBackgroundTask = "background_task"
	// PatternOther collects the patterns past the limit.
	PatternOther = "other"
)

// Option configures [New].
type Option interface {
	applyFeature(*config)
}

type optionFunc func(*config)

func (f optionFunc) applyFeature(c *config) { f(c) }

type config struct {
	core.Setup  // the provider, producer and clock
	window      time.Duration
	location    *time.Location
	key         []byte
	badKey      int // the length of a refused WithUserHashKey key, or -1
	maxFeatures int
}

func newConfig(opts []Option) config {
	c := config{badKey: -1}
	core.Apply(opts, func(o Option) { o.applyFeature(&c) })
	if c.window <= 0 {
		c.window = DefaultWindow
	}
	c.window = core.Clamp("feature.WithWindow", c.window, MinWindow, MaxWindow)
	if c.location == nil {
		c.location = time.UTC
	}
	if c.maxFeatures <= 0 {
		c.maxFeatures = DefaultMaxFeatures
	}
	return c
}

// WithProducer makes the analytics report through p (vitals.NewProducer),
// which a reader collects, instead of through observable instruments of
// their MeterProvider; their use durations then go to lock-free
// histograms that p emits with their min and max. A nil p keeps the
// default, the MeterProvider.
func WithProducer(p instrument.Producer) Option {
	return optionFunc(func(c *config) { c.Hub = instrument.HubOf(p) })
}

// WithMeterProvider sets the MeterProvider the analytics record into. The
// default, and what a nil mp keeps, is the global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.SetProvider(mp) })
}

// WithClock sets the function the analytics read the time from; tests pass
// a fake. The default, and what a nil now keeps, is the shared coarse clock
// (10 ms); durations are measured by the caller or by [Feature.Start] with
// the monotonic clock.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.Now = now })
}

// WithWindow sets the usage window: window usage, unique users and success
// ratio cover it, and the adoption trend compares it with the window before.
// Default 24h; values <= 0 keep the default, and others are clamped to
// [MinWindow] (1m) to [MaxWindow] (720h).
func WithWindow(d time.Duration) Option {
	return optionFunc(func(c *config) { c.window = d })
}

// WithLocation sets the time zone of the peak usage hour. Default UTC; nil
// keeps the default.
func WithLocation(loc *time.Location) Option {
	return optionFunc(func(c *config) { c.location = loc })
}

// WithUserHashKey sets the key user identifiers are hashed with before
// they are counted: SipHash-2-4, a keyed hash made for short inputs, under
// a 128-bit key derived from key by HMAC-SHA256 once. Processes with the
// same key hash a user alike, so their users can be counted together
// ([Analytics.SetUserSink]); the hash costs about 10 ns a use. Without a
// key (the default, and what nil keeps), each process hashes with a random
// secret seed (hash/maphash, about 4 ns): a user's hash is the same
// throughout the process and means nothing outside it. Either way, the
// distinct users are a HyperLogLog estimate (see the package
// documentation). The key is copied. A key of fewer than
// [MinHashKeyLength] (16) or more than [MaxHashKeyLength] (1024) bytes is
// refused: [New] returns [ErrHashKeyLength], with analytics that hash with
// the random seed.
func WithUserHashKey(key []byte) Option {
	return optionFunc(func(c *config) {
		c.key = nil
		c.badKey = -1
		switch n := len(key); {
		case key == nil:
		case n < MinHashKeyLength || n > MaxHashKeyLength:
			c.badKey = n
		default:
			c.key = append([]byte(nil), key...)
		}
	})
}

// Bounds of the key of [WithUserHashKey], in bytes.
const (
	MinHashKeyLength = 16
	MaxHashKeyLength = 1024
)

// ErrHashKeyLength is returned by [New] when [WithUserHashKey] was given a
// key shorter than [MinHashKeyLength] or longer than [MaxHashKeyLength].
var ErrHashKeyLength = errors.New("feature: user hash key must be 16 to 1024 bytes")

// WithMaxFeatures bounds the distinct (type, name) features kept; further
// features share one overflow feature, marked vitals.overflow=true, and a
// warning goes to otel.Handle once. Default 1000; values <= 0 keep the
// default.
func WithMaxFeatures(n int) Option {
	return optionFunc(func(c *config) { c.maxFeatures = n })
}

// MaxVariants is the most distinct variants kept per feature; further
// variants are recorded as "other".
const MaxVariants = 8

// SeriesPerFeature is the most series one feature has in a single
// instrument: each pattern by outcome. Keep the MeterProvider's cardinality
// limit above the feature limit times this.
const SeriesPerFeature = 2 * MaxPatterns
