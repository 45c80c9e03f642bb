package sqldb

import (
	"context"
	"database/sql"
	"errors"

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
	provider metric.MeterProvider
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
//     MaxLifetimeClosed, by reason.
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
	var cfg config
	for _, o := range opts {
		if o != nil {
			o.applySQL(&cfg)
		}
	}
	if cfg.provider == nil {
		cfg.provider = otel.GetMeterProvider()
	}
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
		return nil
	}, count, maxOpen, waits, waitTime, closed)
	keep(err)
	if reg == nil {
		reg = noop.Registration{}
	}
	return reg, errors.Join(errs...)
}
