package sqldb

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/otelvitals/vitals/internal/version"
	"github.com/otelvitals/vitals/semconv"
)

// ScopeName is the instrumentation scope of the meter RegisterStats uses.
const ScopeName = "github.com/otelvitals/vitals/integrations/sqldb"

// ErrNilDB is returned by [RegisterStats] for a nil database; nothing is
// registered.
var ErrNilDB = errors.New("sqldb: nil *sql.DB")

// Option configures [RegisterStats].
type Option interface {
	applySQL(*config)
}

type optionFunc func(*config)

func (f optionFunc) applySQL(c *config) { f(c) }

type config struct {
	provider     metric.MeterProvider
	maxIdle      int
	maxIdleGiven bool
	now          func() time.Time
}

// newConfig applies opts over the defaults; nil options are ignored.
func newConfig(opts []Option) config {
	var cfg config
	for _, o := range opts {
		if o != nil {
			o.applySQL(&cfg)
		}
	}
	if cfg.provider == nil {
		cfg.provider = otel.GetMeterProvider()
	}
	if cfg.now == nil {
		cfg.now = time.Now
	}
	return cfg
}

// WithMaxIdleConns declares the n the program gave db.SetMaxIdleConns, for
// [RegisterStats] to report as db.client.connection.idle.max: database/sql
// does not tell it. It is reported as database/sql applies it: n <= 0
// keeps no idle connection (0), and a maximum of open connections below n
// lowers it. Without this option idle.max is not reported. Other functions
// ignore it.
func WithMaxIdleConns(n int) Option {
	return optionFunc(func(c *config) {
		c.maxIdle, c.maxIdleGiven = max(n, 0), true
	})
}

// WithClock sets the clock [RecordCreateTime] times connections with; the
// default, and what a nil now keeps, is time.Now, whose monotonic reading
// makes the durations immune to changes of the wall clock. A clock that
// steps back gives a duration of 0. Other functions ignore it.
func WithClock(now func() time.Time) Option {
	return optionFunc(func(c *config) {
		if now != nil {
			c.now = now
		}
	})
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

// RegisterStats reports db's [sql.DBStats] at each collection, as pool
// poolName:
//
//   - db.client.connection.count: connections by state, used (InUse) and
//     idle (Idle);
//   - db.client.connection.max: MaxOpenConnections, when the pool has a
//     maximum;
//   - vitals.db.client.connection.waits and vitals.db.client.connection.wait.time:
//     WaitCount and WaitDuration;
//   - vitals.db.client.connection.closures: MaxIdleClosed, MaxIdleTimeClosed and
//     MaxLifetimeClosed, by reason;
//   - db.client.connection.idle.max: the maximum of idle connections that
//     [WithMaxIdleConns] declares, when it is given.
//
// database/sql tells no more: see the package documentation for the
// official metrics it leaves out and why.
//
// poolName is cleaned as the trackers clean names ([semconv.CleanValue]):
// invalid UTF-8 becomes U+FFFD, a name longer than
// [semconv.MaxValueLength] bytes is cut, and "" becomes "unknown", so that
// no pool name can make an export fail. Nil options are ignored.
//
// Unregister the returned registration when db is closed. The registration
// is never nil: on error it covers the instruments that could be made, or
// nothing. A nil db is [ErrNilDB], with nothing registered.
func RegisterStats(db *sql.DB, poolName string, opts ...Option) (metric.Registration, error) {
	if db == nil {
		return noop.Registration{}, ErrNilDB
	}
	cfg := newConfig(opts)
	m := cfg.provider.Meter(ScopeName, metric.WithInstrumentationVersion(version.Version), metric.WithSchemaURL(semconv.SchemaURL))
	var errs []error
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
	closed, err := semconv.DBConnectionClosures.New(m)
	keep(err)
	idleMax, err := semconv.DBClientConnectionIdleMax.New(m)
	keep(err)

	name := semconv.DBClientConnectionPoolNameKey.String(semconv.CleanValue(poolName))
	pool := metric.WithAttributeSet(attribute.NewSet(name))
	with := func(kv attribute.KeyValue) metric.ObserveOption {
		return metric.WithAttributeSet(attribute.NewSet(name, kv))
	}
	used := with(semconv.DBClientConnectionStateKey.String(semconv.ConnectionStateUsed))
	idle := with(semconv.DBClientConnectionStateKey.String(semconv.ConnectionStateIdle))
	maxIdle := with(semconv.DBCloseReasonKey.String(semconv.DBCloseReasonMaxIdle))
	maxIdleTime := with(semconv.DBCloseReasonKey.String(semconv.DBCloseReasonMaxIdleTime))
	maxLifetime := with(semconv.DBCloseReasonKey.String(semconv.DBCloseReasonMaxLifetime))

	reg, err := m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		s := db.Stats()
		o.ObserveInt64(count, int64(s.InUse), used)
		o.ObserveInt64(count, int64(s.Idle), idle)
		if s.MaxOpenConnections > 0 {
			o.ObserveInt64(maxOpen, int64(s.MaxOpenConnections), pool)
		}
		o.ObserveInt64(waits, s.WaitCount, pool)
		o.ObserveFloat64(waitTime, s.WaitDuration.Seconds(), pool)
		o.ObserveInt64(closed, s.MaxIdleClosed, maxIdle)
		o.ObserveInt64(closed, s.MaxIdleTimeClosed, maxIdleTime)
		o.ObserveInt64(closed, s.MaxLifetimeClosed, maxLifetime)
		if cfg.maxIdleGiven {
			n := cfg.maxIdle
			if s.MaxOpenConnections > 0 {
				n = min(n, s.MaxOpenConnections)
			}
			o.ObserveInt64(idleMax, int64(n), pool)
		}
		return nil
	}, count, maxOpen, waits, waitTime, closed, idleMax)
	keep(err)
	if reg == nil {
		reg = noop.Registration{}
	}
	return reg, errors.Join(errs...)
}
