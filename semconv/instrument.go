package semconv

import (
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"
)

// Each typed definition below creates its instrument with the definition's
// name, unit and description (and bucket advice for histograms), followed by
// the options the caller adds, which take precedence. A nil meter or a
// failed creation yields a no-op instrument, so the result is always safe to
// use; the error of a failed creation is returned alongside it.

// Int64Counter is the definition of a metric recorded with an
// [metric.Int64Counter].
type Int64Counter struct{ Metric }

// New creates the instrument with m.
func (d Int64Counter) New(m metric.Meter, opts ...metric.Int64CounterOption) (metric.Int64Counter, error) {
	return create(m, d.Metric, metric.Meter.Int64Counter, metric.Int64Counter(noop.Int64Counter{}), nil, opts)
}

// Int64UpDownCounter is the definition of a metric recorded with an
// [metric.Int64UpDownCounter].
type Int64UpDownCounter struct{ Metric }

// New creates the instrument with m.
func (d Int64UpDownCounter) New(m metric.Meter, opts ...metric.Int64UpDownCounterOption) (metric.Int64UpDownCounter, error) {
	return create(m, d.Metric, metric.Meter.Int64UpDownCounter, metric.Int64UpDownCounter(noop.Int64UpDownCounter{}), nil, opts)
}

// Float64Histogram is the definition of a metric recorded with a
// [metric.Float64Histogram]. Its bucket boundaries are given as advice.
type Float64Histogram struct{ Metric }

// New creates the instrument with m, advising the definition's bucket
// boundaries. A [metric.WithExplicitBucketBoundaries] among opts replaces
// them.
func (d Float64Histogram) New(m metric.Meter, opts ...metric.Float64HistogramOption) (metric.Float64Histogram, error) {
	advice := []metric.Float64HistogramOption{metric.WithExplicitBucketBoundaries(cloneBuckets(d.Buckets)...)}
	return create(m, d.Metric, metric.Meter.Float64Histogram, metric.Float64Histogram(noop.Float64Histogram{}), advice, opts)
}

// Int64ObservableCounter is the definition of a metric observed with an
// [metric.Int64ObservableCounter]. Observe it from a callback registered
// with [metric.Meter.RegisterCallback].
type Int64ObservableCounter struct{ Metric }

// New creates the instrument with m.
func (d Int64ObservableCounter) New(m metric.Meter, opts ...metric.Int64ObservableCounterOption) (metric.Int64ObservableCounter, error) {
	return create(m, d.Metric, metric.Meter.Int64ObservableCounter, metric.Int64ObservableCounter(noop.Int64ObservableCounter{}), nil, opts)
}

// Float64ObservableCounter is the definition of a metric observed with a
// [metric.Float64ObservableCounter].
type Float64ObservableCounter struct{ Metric }

// New creates the instrument with m.
func (d Float64ObservableCounter) New(m metric.Meter, opts ...metric.Float64ObservableCounterOption) (metric.Float64ObservableCounter, error) {
	return create(m, d.Metric, metric.Meter.Float64ObservableCounter, metric.Float64ObservableCounter(noop.Float64ObservableCounter{}), nil, opts)
}

// Int64ObservableUpDownCounter is the definition of a metric observed with
// an [metric.Int64ObservableUpDownCounter].
type Int64ObservableUpDownCounter struct{ Metric }

// New creates the instrument with m.
func (d Int64ObservableUpDownCounter) New(m metric.Meter, opts ...metric.Int64ObservableUpDownCounterOption) (metric.Int64ObservableUpDownCounter, error) {
	return create(m, d.Metric, metric.Meter.Int64ObservableUpDownCounter, metric.Int64ObservableUpDownCounter(noop.Int64ObservableUpDownCounter{}), nil, opts)
}

// Int64ObservableGauge is the definition of a metric observed with an
// [metric.Int64ObservableGauge].
type Int64ObservableGauge struct{ Metric }

// New creates the instrument with m.
func (d Int64ObservableGauge) New(m metric.Meter, opts ...metric.Int64ObservableGaugeOption) (metric.Int64ObservableGauge, error) {
	return create(m, d.Metric, metric.Meter.Int64ObservableGauge, metric.Int64ObservableGauge(noop.Int64ObservableGauge{}), nil, opts)
}

// Float64ObservableGauge is the definition of a metric observed with a
// [metric.Float64ObservableGauge].
type Float64ObservableGauge struct{ Metric }

// New creates the instrument with m.
func (d Float64ObservableGauge) New(m metric.Meter, opts ...metric.Float64ObservableGaugeOption) (metric.Float64ObservableGauge, error) {
	return create(m, d.Metric, metric.Meter.Float64ObservableGauge, metric.Float64ObservableGauge(noop.Float64ObservableGauge{}), nil, opts)
}

// create makes the instrument described by d with ctor. The unit and
// description come first, then advice, then the caller's opts, so that the
// caller's options win. I is the instrument type and O its option type; the
// unit and description options implement every O.
func create[I, O any](
	m metric.Meter,
	d Metric,
	ctor func(metric.Meter, string, ...O) (I, error),
	fallback I,
	advice, opts []O,
) (I, error) {
	if m == nil {
		return fallback, nil
	}
	all := make([]O, 0, 2+len(advice)+len(opts))
	all = append(all, any(metric.WithUnit(d.Unit)).(O), any(metric.WithDescription(d.Description)).(O))
	all = append(all, advice...)
	all = append(all, opts...)
	i, err := ctor(m, d.Name, all...)
	if err != nil {
		return fallback, err
	}
	return i, nil
}
