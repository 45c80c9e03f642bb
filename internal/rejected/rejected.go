package rejected

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// ReasonNilFunc is the reason counted for a nil function or getter given
// to an API that calls it (such as Feature.Do, cache.Lookup or Pool.Track).
const ReasonNilFunc = "nil_function"

// Counter counts rejected input of one signal. Its methods are safe for
// concurrent use.
type Counter struct {
	counter metric.Int64Counter
	opts    map[string][]metric.AddOption
	signal  string
}

// New returns a Counter adding to c for signal, with the options of each
// of reasons built now.
func New(c metric.Int64Counter, signal string, reasons ...string) *Counter {
	r := &Counter{counter: c, signal: signal, opts: make(map[string][]metric.AddOption, len(reasons))}
	for _, reason := range reasons {
		r.opts[reason] = r.options(reason)
	}
	return r
}

func (r *Counter) options(reason string) []metric.AddOption {
	return []metric.AddOption{metric.WithAttributeSet(attribute.NewSet(
		semconv.SignalKey.String(r.signal),
		semconv.ErrorTypeKey.String(reason),
	))}
}

// Add counts one rejection for reason. A reason not given to New works,
// at the cost of building its attributes on every call.
func (r *Counter) Add(reason string) {
	opts, ok := r.opts[reason]
	if !ok {
		opts = r.options(reason)
	}
	r.counter.Add(context.Background(), 1, opts...)
}
