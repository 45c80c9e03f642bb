package conn

import (
	"time"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/instrument"
	"github.com/otelvitals/vitals/internal/core"
)

// Defaults of the options.
const (
	DefaultRetention = 24 * time.Hour
	DefaultMaxPools  = 1000
	DefaultMaxAge    = time.Hour
	// DefaultWindow is the recent window the snapshot's Window counts
	// cover: long enough to hold a few collections, short enough that a
	// leak at start-up stops counting once it is past.
	DefaultWindow = 5 * time.Minute
	// DefaultMaxIDs is the most IDs the keyed API holds at once by default:
	// about 150 MB of connections. Past it, a service is leaking
	// connections, not running them.
	DefaultMaxIDs = 1_000_000
	// MaxNameLength is the longest connection type or pool name kept, in
	// bytes; longer names are cut (on a rune boundary) and counted.
	MaxNameLength = 256
)

// Ranges of the duration options; [New] clamps a value outside them to the
// nearer end. A retention of a few nanoseconds would have the expiry
// goroutine tick without rest, and a window of one would have buckets of no
// width.
const (
	MinRetention = time.Second
	MaxRetention = 720 * time.Hour
	MinWindow    = time.Second
	MaxWindow    = 24 * time.Hour
)

// Option configures [New].
type Option interface {
	applyConn(*config)
}

type optionFunc func(*config)

func (f optionFunc) applyConn(c *config) { f(c) }

type config struct {
	core.Setup // the provider, producer and clock
	retention  time.Duration
	maxPools   int
	maxAge     time.Duration
	maxAgeSet  bool // WithMaxAge was given a value: a max age every pool declares
	maxIDs     int
	window     time.Duration
}

func newConfig(opts []Option) config {
	var c config
	core.Apply(opts, func(o Option) { o.applyConn(&c) })
	if c.retention <= 0 {
		c.retention = DefaultRetention
	}
	c.retention = core.Clamp("conn.WithRetention", c.retention, MinRetention, MaxRetention)
	if c.maxPools <= 0 {
		c.maxPools = DefaultMaxPools
	}
	c.maxAgeSet = c.maxAge > 0
	if c.maxAge <= 0 {
		c.maxAge = DefaultMaxAge
	}
	if c.maxIDs <= 0 {
		c.maxIDs = DefaultMaxIDs
	}
	if c.window <= 0 {
		c.window = DefaultWindow
	}
	c.window = core.Clamp("conn.WithWindow", c.window, MinWindow, MaxWindow)
	return c
}

// expireEvery is the period of the expiry pass: a minute, or a quarter of
// the retention if that is shorter, so at least MinRetention/4 (250 ms).
// The floor of a millisecond guards a config not made by newConfig: a
// ticker of 0 would panic, one of a few nanoseconds would spin.
func (c config) expireEvery() time.Duration {
	return max(min(time.Minute, c.retention/4), time.Millisecond)
}

// WithProducer makes the tracker report through p (vitals.NewProducer),
// which a reader collects, instead of through observable instruments of
// its MeterProvider; its lifetimes then go to lock-free histograms that p
// emits with their min and max. A nil p keeps the default, the
// MeterProvider.
func WithProducer(p instrument.Producer) Option {
	return optionFunc(func(c *config) { c.Hub = instrument.HubOf(p) })
}

// WithMeterProvider sets the MeterProvider the tracker records into. The
// default, and what a nil mp keeps, is the global provider
// (otel.GetMeterProvider()), which delegates to the SDK once one is set.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) { c.SetProvider(mp) })
}

// WithClock sets the function the tracker reads the time from, called on
// every operation; tests pass a fake to move time by hand. The default, and
// what a nil now keeps, is a shared coarse clock that refreshes every 10 ms
// and costs an atomic load to read: ages and lifetimes are then exact to
// 10 ms.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) { c.Now = now })
}

// WithRetention sets how long a connection may go unused before it is
// expired: counted as an "expired" event and forgotten, so that leaked
// connections cannot grow memory without bound. Connections a pool holds
// idle never expire (see the package documentation). Default 24h; values <= 0
// keep the default, and others are clamped to [MinRetention] (1s) to
// [MaxRetention] (720h). The expiry pass runs every minute, or every
// quarter of the retention if shorter: at most every 250 ms.
func WithRetention(d time.Duration) Option {
	return optionFunc(func(c *config) { c.retention = d })
}

// WithMaxPools bounds the distinct (type, pool) pairs the tracker keeps;
// further pools share one overflow pool, marked vitals.overflow=true, and a
// warning goes to otel.Handle once. Default 1000; values <= 0 keep the
// default. Keep it below the MeterProvider's cardinality limit divided by
// the series a pool has (its open connection states and its 13 age bounds).
func WithMaxPools(n int) Option {
	return optionFunc(func(c *config) { c.maxPools = n })
}

// WithMaxIDs bounds the connection IDs the keyed API holds at once (open
// connections made with [Tracker.Created], until destroyed or expired):
// past it, Created returns [ErrIDLimit], counted, tracks nothing, and a
// warning goes to otel.Handle once. Each ID holds about 150 bytes. Default
// [DefaultMaxIDs]; values <= 0 keep the default.
func WithMaxIDs(n int) Option {
	return optionFunc(func(c *config) { c.maxIDs = n })
}

// WithMaxAge sets the age past which an open connection counts against its
// pool's age-based health (vitals.connection.health). Default 1h; values
// <= 0 keep the default, and any other is used as given: it is a bound that
// ages are compared with, never a period anything runs at, so a tiny one
// only makes every connection old.
//
// A max age given here is also the one every pool declares unless it
// declares its own ([Pool.SetLimits]): [Entry].MaxAgeSeconds and
// OlderThanLimit, which the health score's old_connections rule judges,
// follow it. The default declares nothing.
func WithMaxAge(d time.Duration) Option {
	return optionFunc(func(c *config) { c.maxAge = d })
}

// WithWindow sets the recent window that the Window fields of
// [Entry] cover (connections created, destroyed and expired, and
// waits, within it), so that a leak or a burst of churn stops counting
// once it is older than the window. Default 5m ([DefaultWindow]); values
// <= 0 keep the default, and others are clamped to [MinWindow] (1s) to
// [MaxWindow] (24h). The counts are exact to 1/30 of the window; see the
// package documentation, Window.
func WithWindow(d time.Duration) Option {
	return optionFunc(func(c *config) { c.window = d })
}

// SeriesPerPool is the most series one pool has in a single instrument: the
// live-age distribution's 12 bounds and +Inf. Keep the MeterProvider's
// cardinality limit above the pool limit times this.
const SeriesPerPool = 13
