package feature

import (
	"errors"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// instrumentation holds the analytics' instruments, made once in New.
type instrumentation struct {
	usage        metric.Int64ObservableCounter
	variants     metric.Int64ObservableCounter
	users        metric.Int64ObservableGauge
	successRatio metric.Float64ObservableGauge
	duration     metric.Float64Histogram // nil on the fast path
	rejected     metric.Int64Counter
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
	in.usage, err = semconv.FeatureUsage.New(m)
	keep(err)
	in.variants, err = semconv.FeatureVariants.New(m)
	keep(err)
	in.users, err = semconv.FeatureUsers.New(m)
	keep(err)
	in.successRatio, err = semconv.FeatureSuccessRatio.New(m)
	keep(err)
	if sdkHistogram {
		in.duration, err = semconv.FeatureDuration.New(m)
		keep(err)
	}
	in.rejected, err = semconv.InputRejected.New(m)
	keep(err)
	return errors.Join(errs...)
}

// register registers the analytics' one callback and joins its error to
// prior.
func (in *instrumentation) register(m metric.Meter, cb metric.Callback, prior error) (metric.Registration, error) {
	reg, err := m.RegisterCallback(cb, in.usage, in.variants, in.users, in.successRatio)
	return reg, errors.Join(prior, err)
}
