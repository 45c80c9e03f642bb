package queue

import (
	"errors"

	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// instrumentation holds the monitor's instruments, made once in New.
type instrumentation struct {
	depth         metric.Int64ObservableGauge
	capacity      metric.Int64ObservableGauge
	utilization   metric.Float64ObservableGauge
	depthMax      metric.Int64ObservableGauge
	overflows     metric.Int64ObservableCounter
	overflowTime  metric.Float64ObservableCounter
	rejectedItems metric.Int64ObservableCounter
	depthSampled  metric.Float64Histogram // nil on the fast path
	wait          metric.Float64Histogram // nil on the fast path
	rejected      metric.Int64Counter
}

// init creates the instruments; each that fails is a no-op, and the errors
// are joined. The histograms are made only with sdkHistograms.
func (in *instrumentation) init(m metric.Meter, sdkHistograms bool) error {
	var errs []error
	keep := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	var err error
	in.depth, err = semconv.QueueDepth.New(m)
	keep(err)
	in.capacity, err = semconv.QueueCapacity.New(m)
	keep(err)
	in.utilization, err = semconv.QueueUtilization.New(m)
	keep(err)
	in.depthMax, err = semconv.QueueDepthMax.New(m)
	keep(err)
	in.overflows, err = semconv.QueueOverflows.New(m)
	keep(err)
	in.overflowTime, err = semconv.QueueOverflowTime.New(m)
	keep(err)
	in.rejectedItems, err = semconv.QueueRejected.New(m)
	keep(err)
	if sdkHistograms {
		in.depthSampled, err = semconv.QueueDepthSampled.New(m)
		keep(err)
		in.wait, err = semconv.QueueWaitTime.New(m)
		keep(err)
	}
	in.rejected, err = semconv.InputRejected.New(m)
	keep(err)
	return errors.Join(errs...)
}

// register registers the monitor's one callback for every observable
// instrument and joins its error to prior.
func (in *instrumentation) register(m metric.Meter, cb metric.Callback, prior error) (metric.Registration, error) {
	reg, err := m.RegisterCallback(cb, in.depth, in.capacity, in.utilization, in.depthMax,
		in.overflows, in.overflowTime, in.rejectedItems)
	return reg, errors.Join(prior, err)
}
