package rejected

import (
	"context"
	"math"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/otelvitals/vitals/semconv"
)

// Reasons shared by several trackers.
const (
	// ReasonNilFunc is counted for a nil function or getter given to an
	// API that calls it (such as Feature.Do, cache.Lookup or Pool.Track).
	ReasonNilFunc = "nil_function"
	// ReasonNegativeDuration and ReasonInfiniteDuration are counted for a
	// duration that cannot be recorded; see [DurationReason].
	ReasonNegativeDuration = "negative_duration"
	ReasonInfiniteDuration = "infinite_duration"
)

// DurationReason returns why d cannot be recorded as the duration of an
// operation, or "" when it can: a negative d, or math.MaxInt64, the
// saturated value that stands for an infinite duration (what time.Time.Sub
// returns on overflow) and would overflow sums of durations.
func DurationReason(d time.Duration) string {
	switch {
	case d < 0:
		return ReasonNegativeDuration
	case d == math.MaxInt64:
		return ReasonInfiniteDuration
	}
	return ""
}

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
