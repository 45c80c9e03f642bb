package core

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/internal/fasthist"
	"github.com/otelvitals/vitals/semconv"
)

// Attrs is the attribute set of one series, with the options of each path
// built once, when the handle that owns the series is made.
type Attrs struct {
	Set     attribute.Set
	Observe []metric.ObserveOption
	Record  []metric.RecordOption
}

// NewAttrs returns the attributes kv, copied before they are sorted.
func NewAttrs(kv ...attribute.KeyValue) *Attrs {
	set := attribute.NewSet(append([]attribute.KeyValue(nil), kv...)...)
	return AttrsOf(set)
}

// AttrsOf returns the attributes of set.
func AttrsOf(set attribute.Set) *Attrs {
	return &Attrs{
		Set:     set,
		Observe: []metric.ObserveOption{metric.WithAttributeSet(set)},
		Record:  []metric.RecordOption{metric.WithAttributeSet(set)},
	}
}

// Sink receives the points of one collection of a [Source]. m is the index
// of the point's metric in the source's table ([Source.Metrics]). A Sink
// is used by one goroutine at a time.
type Sink interface {
	// Int64 reports the value of an integer counter, up-down counter or
	// gauge series.
	Int64(m int, a *Attrs, v int64)
	// Float64 reports the value of a floating-point series.
	Float64(m int, a *Attrs, v float64)
	// Histogram reports a histogram series recorded on the fast path, as
	// one read found it; the sink must not change h's slices.
	Histogram(m int, a *Attrs, h *fasthist.Snapshot)
}

// Source is a tracker as a collection sees it.
type Source interface {
	// Scope is the name of the source's instrumentation scope.
	Scope() string
	// Start is when the source was made: the start of its cumulative
	// series.
	Start() time.Time
	// Metrics is the source's metric table, which a Sink's m indexes. It
	// is fixed for the source's life.
	Metrics() []semconv.Metric
	// Collect reads the source's state, once per collection cycle, and
	// emits it to s.
	Collect(s Sink)
}
