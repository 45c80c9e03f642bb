package cache

import (
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
)

// Defaults of the options.
const (
	DefaultWindow    = 15 * time.Minute
	DefaultMaxCaches = 1000
	// MaxNameLength is the longest cache type or name kept, in bytes;
	// longer names are cut (on a rune boundary) and counted.
	MaxNameLength = 256
)

// Range of [WithWindow]; [New]
// clamps a window outside it to the nearer end. A window of a few
// nanoseconds would have buckets of no width.
const (
	MinWindow = time.Second
	MaxWindow = 24 * time.Hour
)

// Built-in cache types; any other string works too.
const (
	TypeApplication   = "application"
	TypeMLModel       = "ml_model"
	TypeConfiguration = "configuration"
	TypeSession       = "session"
)

// Option configures [New].
type Option interface {
	applyCache(*config)
}

type optionFunc func(*config)

func (f optionFunc) applyCache(c *config) { f(c) }

type config struct {
	core.Setup // the provider, producer and clock
	window     time.Duration
	maxCaches  int
}

func newConfig(opts []Option) config {
	var c config
	core.Apply(opts, func(o Option) { o.applyCache(&c) })
	if c.window <= 0 {
		c.window = DefaultWindow
	}
	c.window = core.Clamp("cache.WithWindow", c.window, MinWindow, MaxWindow)
	if c.maxCaches <= 0 {
		c.maxCaches = DefaultMaxCaches
	}
	return c
}

// WithMeterProvider sets the MeterProvider the monitor records into. The
// default, and what a nil mp keeps, is the global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.SetProvider(mp) })
}

// WithProducer makes the monitor report through p (vitals.NewProducer),
// which a reader collects, instead of through observable instruments of
// its MeterProvider; its lookup durations then go to lock-free histograms
// that p emits with their min and max. A nil p keeps the default, the
// MeterProvider.
func WithProducer(p instrument.Producer) Option {
	return optionFunc(func(c *config) { c.Hub = instrument.HubOf(p) })
}

// WithClock sets the function the monitor reads the time from; tests pass a
// fake. The default, and what a nil now keeps, is the shared coarse clock
// (10 ms), which is all the hit-ratio window needs; durations of lookups
// are measured by the caller or by [Cache.Start] with the monotonic clock.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.Now = now })
}

// WithWindow sets the rolling window of the hit ratio and the efficiency.
// Default 15m; values <= 0 keep the default, and others are clamped to
// [MinWindow] (1s) to [MaxWindow] (24h).
func WithWindow(d time.Duration) Option {
	return optionFunc(func(c *config) { c.window = d })
}

// WithMaxCaches bounds the distinct (type, name) caches the monitor keeps;
// further caches share one overflow cache, marked vitals.overflow=true, and
// a warning goes to otel.Handle once. Default 1000; values <= 0 keep the
// default.
func WithMaxCaches(n int) Option {
	return optionFunc(func(c *config) { c.maxCaches = n })
}
