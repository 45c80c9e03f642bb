package queue

import (
	"fmt"
	"math"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
)

// Defaults of the options.
const (
	DefaultSampleInterval    = time.Second
	DefaultOverflowThreshold = 0.8
	DefaultWindow            = 5 * time.Minute
	DefaultMaxQueues         = 1000
	// MaxNameLength is the longest queue type or name kept, in bytes;
	// longer names are cut (on a rune boundary) and counted.
	MaxNameLength = 256
)

// Ranges of the duration options; [New] clamps a value outside them to the
// nearer end. A sampler ticking every few nanoseconds would spin a core, and
// a window of one would have buckets of no width.
const (
	MinSampleInterval = 10 * time.Millisecond
	MaxSampleInterval = time.Hour
	MinWindow         = time.Second
	MaxWindow         = 24 * time.Hour
)

// Built-in queue types; any other string works too.
const (
	TypeHTTP        = "http"
	TypeDatabase    = "database"
	TypeMLInference = "ml_inference"
	TypeRedis       = "redis"
)

// Option configures [New].
type Option interface {
	applyQueue(*config)
}

type optionFunc func(*config)

func (f optionFunc) applyQueue(c *config) { f(c) }

type config struct {
	core.Setup // the provider, producer and clock
	interval   time.Duration
	threshold  float64
	window     time.Duration
	maxQueues  int
}

func newConfig(opts []Option) config {
	var c config
	core.Apply(opts, func(o Option) { o.applyQueue(&c) })
	if c.interval <= 0 {
		c.interval = DefaultSampleInterval
	}
	c.interval = core.Clamp("queue.WithSampleInterval", c.interval, MinSampleInterval, MaxSampleInterval)
	if math.IsNaN(c.threshold) || c.threshold < 0 || c.threshold > 1 {
		otel.Handle(fmt.Errorf("queue.WithOverflowThreshold(%v): out of range, the default %v used (allowed above 0 up to 1)", c.threshold, DefaultOverflowThreshold))
		c.threshold = DefaultOverflowThreshold
	}
	if c.threshold == 0 {
		c.threshold = DefaultOverflowThreshold
	}
	given := c.window > 0
	if !given {
		c.window = DefaultWindow
	}
	c.window = core.Clamp("queue.WithWindow", c.window, MinWindow, MaxWindow)
	if c.window < c.interval {
		if given { // the default is raised to a long interval silently
			otel.Handle(fmt.Errorf("queue.WithWindow(%v): shorter than the sample interval, %v used", c.window, c.interval))
		}
		c.window = c.interval
	}
	if c.maxQueues <= 0 {
		c.maxQueues = DefaultMaxQueues
	}
	return c
}

// WithProducer makes the monitor report through p (vitals.NewProducer),
// which a reader collects, instead of through observable instruments of
// its MeterProvider; its sampled depths and waits then go to lock-free
// histograms that p emits with their min and max. A nil p keeps the
// default, the MeterProvider.
func WithProducer(p instrument.Producer) Option {
	return optionFunc(func(c *config) { c.Hub = instrument.HubOf(p) })
}

// WithMeterProvider sets the MeterProvider the monitor records into. The
// default, and what a nil mp keeps, is the global provider.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.SetProvider(mp) })
}

// WithClock sets the function the monitor reads the time from; tests pass a
// fake. The default, and what a nil now keeps, is the system's monotonic
// clock.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.Now = now })
}

// WithSampleInterval sets how often the background sampler, once started
// with [Monitor.StartSampler], samples the depth of probed queues and of queues fed
// by Enter and Leave. Default 1s; values <= 0 keep the default, and others
// are clamped to [MinSampleInterval] (10ms) to [MaxSampleInterval] (1h).
func WithSampleInterval(d time.Duration) Option {
	return optionFunc(func(c *config) { c.interval = d })
}

// WithOverflowThreshold sets the utilization (depth over capacity) at or
// above which a queue overflows. Default 0.8; 0 keeps the default, and so
// does a value outside (0, 1], reported to otel.Handle.
func WithOverflowThreshold(u float64) Option {
	return optionFunc(func(c *config) { c.threshold = u })
}

// WithWindow sets the recent window of the min, mean and max depth and of
// the trend. Default 5m; values <= 0 keep the default, others are clamped
// to [MinWindow] (1s) to [MaxWindow] (24h), and a window shorter than the
// sample interval is then raised to it.
func WithWindow(d time.Duration) Option {
	return optionFunc(func(c *config) { c.window = d })
}

// WithMaxQueues bounds the distinct (type, name) queues the monitor keeps;
// further queues share one overflow queue, marked vitals.overflow=true, and
// a warning goes to otel.Handle once. Default 1000; values <= 0 keep the
// default.
func WithMaxQueues(n int) Option {
	return optionFunc(func(c *config) { c.maxQueues = n })
}
