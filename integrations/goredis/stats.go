package goredis

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/otelvitals/vitals/semconv"
)

// ScopeName is the instrumentation scope of the meter RegisterPoolStats uses.
const ScopeName = "github.com/otelvitals/vitals/integrations/goredis"

// Version is the version of this module, reported as the instrumentation
// scope version of the meter RegisterPoolStats uses.
const Version = "0.1.0"

// ErrNegativePoolSize is returned by [RegisterPoolStats] for a negative
// [WithPoolSize]; the statistics are reported all the same, without
// db.client.connection.max.
var ErrNegativePoolSize = errors.New("goredis: negative pool size")

// ErrNilClient is returned by [Get] for a nil client (a nil interface or a
// nil pointer): nothing is sent or recorded.
var ErrNilClient = errors.New("goredis: nil client")

// ErrNilFunc is the error of the command [Lookup] returns for a nil
// function: nothing is run or recorded.
var ErrNilFunc = errors.New("goredis: nil function")

// Option configures [RegisterPoolStats].
type Option interface {
	applyRedis(*config)
}

type optionFunc func(*config)

func (f optionFunc) applyRedis(c *config) { f(c) }

type config struct {
	provider  metric.MeterProvider
	poolSize  int
	sizeGiven bool
	now       func() time.Time
}

// newConfig applies opts over the defaults, then fixes bad values and
// returns the error for them.
func newConfig(opts []Option) (config, error) {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o.applyRedis(&cfg)
		}
	}
	if cfg.provider == nil {
		cfg.provider = otel.GetMeterProvider()
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	var err error
	if cfg.poolSize < 0 {
		err = fmt.Errorf("%w: %d", ErrNegativePoolSize, cfg.poolSize)
		cfg.poolSize = 0
	}
	return cfg, err
}

// WithMeterProvider sets the MeterProvider the statistics are reported to;
// the default, and what a nil mp keeps, is the global one.
func WithMeterProvider(mp metric.MeterProvider) Option {
	return optionFunc(func(c *config) {
		if mp != nil {
			c.provider = mp
		}
	})
}

// WithClock sets the clock [RecordCreateTime] times dials with; the
// default, and what a nil now keeps, is time.Now, whose monotonic reading
// makes the durations immune to changes of the wall clock. A clock that
// steps back gives a duration of 0. [RegisterPoolStats] ignores it.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
}

// WithPoolSize sets the maximum number of connections of the pool, reported
// as db.client.connection.max. Without it the maximum is read from a client
// with an Options() *redis.Options method (a *redis.Client): its PoolSize,
// or MaxActiveConns when that is set and smaller. 0 reports no maximum, as
// for a cluster client or a ring, whose statistics add up several pools.
// A negative n is an error ([ErrNegativePoolSize]) and reports no maximum.
func WithPoolSize(n int) Option {
	return optionFunc(func(c *config) {
		c.poolSize, c.sizeGiven = n, true
	})
}

// RegisterPoolStats reports the connection pool statistics of client at
// each collection, as pool poolName. Every [redis.UniversalClient]
// (*redis.Client, *redis.ClusterClient, *redis.Ring) has the PoolStats
// method it reads:
//
//   - db.client.connection.count: connections by state, idle (IdleConns)
//     and used (TotalConns - IdleConns, never negative);
//   - db.client.connection.max: the pool size (see [WithPoolSize]), when
//     known;
//   - db.client.connection.pending_requests: PendingRequests, the
//     callers waiting for a connection now;
//   - db.client.connection.timeouts: Timeouts, the callers that gave up
//     after PoolTimeout without a connection;
//   - db.client.connection.idle.min and db.client.connection.idle.max:
//     the client's MinIdleConns and MaxIdleConns, read from a client with
//     an Options() *redis.Options method (a *redis.Client) and capped at
//     the pool size, as go-redis applies them; idle.max only when
//     MaxIdleConns is set (0 keeps every idle connection: no maximum, and
//     a negative value keeps none: 0);
//   - vitals.db.client.connection.waits and
//     vitals.db.client.connection.wait.time:
//     WaitCount and WaitDurationNs, the turns callers waited for because
//     every connection was taken.
//
// These are the figures of the client's main pool: go-redis counts its
// pub/sub connections, and those of its pipeline pool, apart
// (PoolStats().PubSubStats and .PipelineStats). A nil client (a nil
// interface or a nil pointer, such as a nil *redis.Client) is read as an
// empty pool, and so is a nil PoolStats.
//
// poolName is cleaned as the trackers clean names ([semconv.CleanValue]):
// invalid UTF-8 becomes U+FFFD, a name longer than
// [semconv.MaxValueLength] bytes is cut, and "" becomes "unknown", so that
// no pool name can make an export fail. Nil options are ignored.
//
// Unregister the returned registration when the client is closed; reading
// the statistics of a closed client is harmless. The callback is safe for
// concurrent use. The registration is never nil: on error it covers the
// instruments that could be made, or nothing.
func RegisterPoolStats(client interface{ PoolStats() *redis.PoolStats }, poolName string, opts ...Option) (metric.Registration, error) {
	if isNil(client) {
		client = nil
	}
	cfg, cfgErr := newConfig(opts)
	size := int64(cfg.poolSize)
	if !cfg.sizeGiven {
		size = poolSize(client)
	}
	idleMin, idleMax, idleKnown := idleBounds(client, size)
	m := cfg.provider.Meter(ScopeName, metric.WithInstrumentationVersion(Version), metric.WithSchemaURL(semconv.SchemaURL))
	errs := []error{cfgErr}
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	count, err := semconv.DBClientConnectionCount.New(m)
	keep(err)
	maxOpen, err := semconv.DBClientConnectionMax.New(m)
	keep(err)
	waits, err := semconv.DBConnectionWaits.New(m)
	keep(err)
	waitTime, err := semconv.DBConnectionWaitTime.New(m)
	keep(err)
	pending, err := semconv.DBClientConnectionPendingRequests.New(m)
	keep(err)
	timeouts, err := semconv.DBClientConnectionTimeouts.New(m)
	keep(err)
	minIdle, err := semconv.DBClientConnectionIdleMin.New(m)
	keep(err)
	maxIdle, err := semconv.DBClientConnectionIdleMax.New(m)
	keep(err)

	name := semconv.DBClientConnectionPoolNameKey.String(semconv.CleanValue(poolName))
	pool := metric.WithAttributeSet(attribute.NewSet(name))
	used := metric.WithAttributeSet(attribute.NewSet(name,
		semconv.DBClientConnectionStateKey.String(semconv.ConnectionStateUsed)))
	idle := metric.WithAttributeSet(attribute.NewSet(name,
		semconv.DBClientConnectionStateKey.String(semconv.ConnectionStateIdle)))

	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		var s redis.PoolStats
		if client != nil {
			if p := client.PoolStats(); p != nil {
				s = *p
			}
		}
		total, free := int64(s.TotalConns), int64(s.IdleConns)
		o.ObserveInt64(count, max(total-free, 0), used)
		o.ObserveInt64(count, free, idle)
		if size > 0 {
			o.ObserveInt64(maxOpen, size, pool)
		}
		o.ObserveInt64(waits, int64(s.WaitCount), pool)
		o.ObserveFloat64(waitTime, time.Duration(s.WaitDurationNs).Seconds(), pool)
		o.ObserveInt64(pending, int64(s.PendingRequests), pool)
		o.ObserveInt64(timeouts, int64(s.Timeouts), pool)
		if idleKnown {
			o.ObserveInt64(minIdle, idleMin, pool)
			if idleMax >= 0 {
				o.ObserveInt64(maxIdle, idleMax, pool)
			}
		}
		return nil
	}, count, maxOpen, waits, waitTime, pending, timeouts, minIdle, maxIdle)
	keep(err)
	if reg == nil {
		reg = noop.Registration{}
	}
	return reg, errors.Join(errs...)
}

// isNil reports whether v is nil or holds a nil pointer, map, slice,
// func, channel or interface: a typed nil client, whose methods would
// panic. It does not allocate.
func isNil(v any) bool {
	if v == nil {
		return true
	}
	switch rv := reflect.ValueOf(v); rv.Kind() {
	case reflect.Pointer, reflect.Map, reflect.Slice, reflect.Func, reflect.Chan, reflect.Interface, reflect.UnsafePointer:
		return rv.IsNil()
	}
	return false
}

// poolSize returns the maximum number of connections of client's pool, or
// 0 when it cannot tell.
func poolSize(client any) int64 {
	c, ok := client.(interface{ Options() *redis.Options })
	if !ok || isNil(c) {
		return 0
	}
	opt := c.Options()
	if opt == nil {
		return 0
	}
	n := opt.PoolSize
	if opt.MaxActiveConns > 0 && (n <= 0 || opt.MaxActiveConns < n) {
		n = opt.MaxActiveConns
	}
	return int64(max(n, 0))
}

// idleBounds returns the MinIdleConns and MaxIdleConns of client's options
// as go-redis applies them, and whether client has options to read them
// from: a negative MinIdleConns keeps no connection open, so it is 0; a
// MaxIdleConns of 0 keeps every idle connection, so there is no maximum
// (-1), and a negative one keeps none, so the maximum is 0. Both are capped
// at size when size > 0: go-redis keeps no more connections than its pool
// size, idle or not.
func idleBounds(client any, size int64) (minIdle, maxIdle int64, known bool) {
	c, ok := client.(interface{ Options() *redis.Options })
	if !ok || isNil(c) {
		return 0, -1, false
	}
	opt := c.Options()
	if opt == nil {
		return 0, -1, false
	}
	minIdle, maxIdle = int64(max(opt.MinIdleConns, 0)), int64(max(opt.MaxIdleConns, 0))
	if opt.MaxIdleConns == 0 {
		maxIdle = -1
	}
	if size > 0 {
		minIdle = min(minIdle, size)
		if maxIdle > size {
			maxIdle = size
		}
	}
	return minIdle, maxIdle, true
}
