package badinput

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
)

// T0 is where a world's fake clock starts.
var T0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// Tracker is what a rig needs of a tracker: a Shutdown.
type Tracker interface {
	Shutdown(ctx context.Context) error
}

// Kind is a kind of tracker a rig can make: its package's New, the two
// options every tracker takes, and its control series. [Conn], [Queue],
// [Cache] and [Feature] are the four.
type Kind[T Tracker, O any] struct {
	New           func(opts ...O) (T, error)
	MeterProvider func(metric.MeterProvider) O
	Clock         func(now func() time.Time) O
	// Control returns the control series of a tracker on the clock.
	Control func(tracker T, clock *clock.Fake) Control
}

// A Control is the control series of one tracker: known traffic recorded
// round by round, and the check that the tracker reports exactly that.
type Control interface {
	// Record records one round of the traffic.
	Record()
	// Verify fails t unless rm holds exactly the traffic of rounds rounds.
	// After shut, the tracker's Shutdown, only its histograms remain, with
	// what they held at Shutdown.
	Verify(t *testing.T, rm metricdata.ResourceMetrics, rounds int64, shut bool)
}

// World is a [Rig]: trackers on one fake clock, recording into a
// ManualReader of their own, each with a control series. [Watch] puts a
// tracker in it; the root package's rig holds one of each kind.
type World struct {
	Clock  *clock.Fake
	Reader *metrictest.Reader

	t        *testing.T
	controls []Control
	rounds   int  // control rounds recorded before shut
	shut     bool // the case shut the tracker of a TrackerRig down
}

// NewWorld returns a World without trackers, its clock at [T0], its
// reader's provider shut down when t ends.
func NewWorld(t *testing.T) *World {
	t.Helper()
	return &World{t: t, Clock: clock.NewFake(T0), Reader: metrictest.NewReader(t, false)}
}

// Control records one round of known traffic on every control series, in
// the order [Watch] added them.
func (w *World) Control() {
	for _, c := range w.controls {
		c.Record()
	}
	if !w.shut {
		w.rounds++
	}
}

// Collect collects the world's reader once, failing the test on error.
func (w *World) Collect() metricdata.ResourceMetrics { return w.Reader.Collect() }

// VerifyControl fails t unless every control series holds exactly the
// traffic of the rounds recorded.
func (w *World) VerifyControl(t *testing.T, rm metricdata.ResourceMetrics) {
	t.Helper()
	for _, c := range w.controls {
		c.Verify(t, rm, int64(w.rounds), w.shut)
	}
}

// Make makes a tracker of kind k on w's provider and clock, with opts
// after those, and shuts it down when the test ends. An error of New fails
// the test at once.
func Make[T Tracker, O any](w *World, k Kind[T, O], opts ...O) T {
	w.t.Helper()
	tr, err := k.New(append([]O{k.MeterProvider(w.Reader.Provider), k.Clock(w.Clock.Now)}, opts...)...)
	Fatal(w.t, err)
	w.t.Cleanup(func() { _ = tr.Shutdown(context.Background()) })
	return tr
}

// Watch makes a tracker of kind k with [Make] and adds its control series
// to w.
func Watch[T Tracker, O any](w *World, k Kind[T, O]) T {
	w.t.Helper()
	tr := Make(w, k)
	w.controls = append(w.controls, k.Control(tr, w.Clock))
	return tr
}

// TrackerRig is the rig of one tracker's cases: a [World] holding one
// tracker of type T (with options O) and its control series.
type TrackerRig[T Tracker, O any] struct {
	*World
	// Tracker is the tracker the cases feed bad input.
	Tracker T
	kind    Kind[T, O]
}

// NewTrackerRig returns a TrackerRig with a tracker of kind k.
func NewTrackerRig[T Tracker, O any](t *testing.T, k Kind[T, O]) *TrackerRig[T, O] {
	t.Helper()
	w := NewWorld(t)
	return &TrackerRig[T, O]{World: w, Tracker: Watch(w, k), kind: k}
}

// New makes another tracker of the rig's kind with [Make]: on its provider
// and clock, with opts, without a control series.
func (r *TrackerRig[T, O]) New(opts ...O) T {
	r.t.Helper()
	return Make(r.World, r.kind, opts...)
}

// Shutdown shuts the rig's tracker down with ctx and returns the error,
// then shuts it down again, failing the case unless that returns nil.
// From then on control rounds no longer count, and the control series is
// checked as that of a tracker shut down.
func (r *TrackerRig[T, O]) Shutdown(ctx context.Context) error {
	r.t.Helper()
	r.shut = true
	err := r.Tracker.Shutdown(ctx)
	if again := r.Tracker.Shutdown(ctx); again != nil {
		r.t.Errorf("second Shutdown: %v", again)
	}
	return err
}
