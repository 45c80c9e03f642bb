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
//   - vitals.db.client.connection.waits and vitals.db.client.connection.wait.time:
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
		return nil
	}, count, maxOpen, waits, waitTime)
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
