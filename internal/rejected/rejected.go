package rejected

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelvitals/vitals/internal/core"
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

// Counter counts rejected input of one signal in atomics, which a
// tracker emits at collection as vitals.input.rejections. Its methods are
// safe for concurrent use.
type Counter struct {
	signal  string
	reasons map[string]*reason // fixed at New: read without a lock
	order   []*reason

	mu    sync.Mutex // guards other
	other []*reason  // reasons not given to New, in order of first use
}

type reason struct {
	n     atomic.Int64
	attrs *core.Attrs
}

// New returns a Counter for signal, with the attributes of each of reasons
// built now.
func New(signal string, reasons ...string) *Counter {
	r := &Counter{signal: signal, reasons: make(map[string]*reason, len(reasons))}
	for _, name := range reasons {
		if _, ok := r.reasons[name]; !ok {
			e := r.newReason(name)
			r.reasons[name] = e
			r.order = append(r.order, e)
		}
	}
	return r
}

func (r *Counter) newReason(name string) *reason {
	return &reason{attrs: core.NewAttrs(semconv.SignalKey.String(r.signal), semconv.ErrorTypeKey.String(name))}
}

// Add counts one rejection for name. A reason not given to New works, at
// the cost of a lock.
func (r *Counter) Add(name string) {
	if e, ok := r.reasons[name]; ok {
		e.n.Add(1)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.other {
		if e.attrs.Set.HasValue(semconv.ErrorTypeKey) {
			if v, _ := e.attrs.Set.Value(semconv.ErrorTypeKey); v.AsString() == name {
				e.n.Add(1)
				return
			}
		}
	}
	e := r.newReason(name)
	e.n.Add(1)
	r.other = append(r.other, e)
}

// Emit reports every reason counted at least once to s as metric m.
func (r *Counter) Emit(s core.Sink, m int) {
	for _, e := range r.order {
		if n := e.n.Load(); n > 0 {
			s.Int64(m, e.attrs, n)
		}
	}
	r.mu.Lock()
	other := r.other
	r.mu.Unlock()
	for _, e := range other {
		s.Int64(m, e.attrs, e.n.Load())
	}
}

// Count returns the rejections counted for name.
func (r *Counter) Count(name string) int64 {
	if e, ok := r.reasons[name]; ok {
		return e.n.Load()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.other {
		if v, _ := e.attrs.Set.Value(semconv.ErrorTypeKey); v.AsString() == name {
			return e.n.Load()
		}
	}
	return 0
}
