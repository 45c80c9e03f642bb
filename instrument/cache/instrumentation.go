package cache

import (
	"errors"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// instrumentation holds the monitor's instruments, made once in New.
type instrumentation struct {
	operations metric.Int64ObservableCounter
	hitRatio   metric.Float64ObservableGauge
	efficiency metric.Float64ObservableGauge
	sets       metric.Int64ObservableCounter
	evictions  metric.Int64ObservableCounter
	size       metric.Int64ObservableGauge
	duration   metric.Float64Histogram // nil on the fast path
	rejected   metric.Int64Counter
}

// init creates the instruments; each that fails is a no-op, and the errors
// are joined. The duration histogram is made only with sdkHistogram.
func (in *instrumentation) init(m metric.Meter, sdkHistogram bool) error {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	in.operations, err = semconv.CacheOperations.New(m)
	keep(err)
	in.hitRatio, err = semconv.CacheHitRatio.New(m)
	keep(err)
	in.efficiency, err = semconv.CacheEfficiency.New(m)
	keep(err)
	in.sets, err = semconv.CacheSets.New(m)
	keep(err)
	in.evictions, err = semconv.CacheEvictions.New(m)
	keep(err)
	in.size, err = semconv.CacheSize.New(m)
	keep(err)
	if sdkHistogram {
		in.duration, err = semconv.CacheOperationDuration.New(m)
		keep(err)
	}
	in.rejected, err = semconv.InputRejected.New(m)
	keep(err)
	return errors.Join(errs...)
}

// register registers the monitor's one callback and joins its error to
// prior.
func (in *instrumentation) register(m metric.Meter, cb metric.Callback, prior error) (metric.Registration, error) {
	reg, err := m.RegisterCallback(cb, in.operations, in.hitRatio, in.efficiency, in.sets, in.evictions, in.size)
	return reg, errors.Join(prior, err)
}
