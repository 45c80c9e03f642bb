package conn

import (
	"errors"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// instrumentation holds the tracker's instruments, made once in New.
type instrumentation struct {
	open      metric.Int64ObservableUpDownCounter
	events    metric.Int64ObservableCounter
	lifetime  metric.Float64Histogram
	ageDist   metric.Int64ObservableGauge
	ageOldest metric.Float64ObservableGauge
	ageMean   metric.Float64ObservableGauge
	health    metric.Float64ObservableGauge
	rejected  metric.Int64Counter
}

// init creates the instruments; each that fails is a no-op, and the errors
// are joined. The lifetime histogram is made only with sdkLifetime; without,
// lifetimes take the fast path and in.lifetime stays nil.
func (in *instrumentation) init(m metric.Meter, sdkLifetime bool) error {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	in.open, err = semconv.ConnectionOpen.New(m)
	keep(err)
	in.events, err = semconv.ConnectionEvents.New(m)
	keep(err)
	if sdkLifetime {
		in.lifetime, err = semconv.ConnectionLifetime.New(m)
		keep(err)
	}
	in.ageDist, err = semconv.ConnectionAgeDistribution.New(m)
	keep(err)
	in.ageOldest, err = semconv.ConnectionAgeOldest.New(m)
	keep(err)
	in.ageMean, err = semconv.ConnectionAgeMean.New(m)
	keep(err)
	in.health, err = semconv.ConnectionHealth.New(m)
	keep(err)
	in.rejected, err = semconv.InputRejected.New(m)
	keep(err)
	return errors.Join(errs...)
}

// register registers the tracker's one callback for every observable
// instrument and joins its error to prior.
func (in *instrumentation) register(m metric.Meter, cb metric.Callback, prior error) (metric.Registration, error) {
	reg, err := m.RegisterCallback(cb, in.open, in.events, in.ageDist, in.ageOldest, in.ageMean, in.health)
	return reg, errors.Join(prior, err)
}
