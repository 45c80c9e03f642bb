package badinput

import (
	"context"
	"errors"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

// Case is one bad input on a rig of type R: the call that makes it, and
// what the documentation says comes of it.
type Case[R any] struct {
	Name string
	// API is the API called, named from its package ("conn.Pool.Track");
	// the root package's go without one ("Start", "System.Shutdown").
	API    string
	Input  string // the bad input, for people
	Result string // the documented outcome, for people
	// Call makes the bad call on the case's rig and returns the error the
	// API returned (nil for APIs without one). It may check more itself.
	Call func(t *testing.T, r R) error
	// Want is the error Call must return, matched with errors.Is; nil
	// means none. With OrNil, nil is accepted too: a context already done
	// races the wait it cuts short.
	Want  error
	OrNil bool
	// Counts is what vitals.input.rejections must hold afterwards, exactly,
	// by "signal/reason"; nil means nothing counted.
	Counts map[string]int64
	// Check makes further checks on the collection taken after the call
	// and the second round of control traffic.
	Check func(t *testing.T, r R, rm metricdata.ResourceMetrics)
}

// Rig is the world of one case: trackers recording into a ManualReader of
// their own, each with a control series. [World] and [TrackerRig] are
// rigs.
type Rig interface {
	// Control records one round of known traffic on every control series.
	Control()
	// Collect collects the rig's reader once, failing the test on error.
	Collect() metricdata.ResourceMetrics
	// VerifyControl fails t unless every control series holds exactly the
	// traffic of the rounds recorded.
	VerifyControl(t *testing.T, rm metricdata.ResourceMetrics)
}

// Run runs every case on a fresh rig from newRig, in a subtest named after
// it: a round of control traffic, the bad call, another round, then one
// collection. Each case must not panic, must return its documented error
// or count its documented no-op exactly (and count nothing else), and must
// leave every control series exact. With -v it logs the cases as a table.
func Run[R Rig](t *testing.T, cases []Case[R], newRig func(*testing.T) R) {
	t.Helper()
	seen := map[string]bool{}
	for _, tc := range cases {
		if seen[tc.Name] {
			t.Fatalf("two cases named %q", tc.Name)
		}
		seen[tc.Name] = true
		t.Run(tc.Name, func(t *testing.T) {
			r := newRig(t)
			r.Control()
			err := NoPanic(t, func() error { return tc.Call(t, r) })
			switch {
			case tc.Want == nil && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.Want != nil && !errors.Is(err, tc.Want) && !(tc.OrNil && err == nil):
				t.Errorf("error %v, want %v", err, tc.Want)
			}
			NoPanic(t, func() error { r.Control(); return nil })
			rm := r.Collect()
			r.VerifyControl(t, rm)
			if got := Rejected(rm); !countsEqual(got, tc.Counts) {
				t.Errorf("%s = %v, want %v", semconv.InputRejections.Name, got, tc.Counts)
			}
			if tc.Check != nil {
				tc.Check(t, r, rm)
			}
		})
	}
	if testing.Verbose() {
		t.Log("\n" + Table(cases))
	}
}

// NoPanic runs f, failing t if it panics.
func NoPanic(t *testing.T, f func() error) error {
	t.Helper()
	defer func() {
		if p := recover(); p != nil {
			t.Fatalf("panicked: %v\n%s", p, debug.Stack())
		}
	}()
	return f()
}

// Fatal fails t at once if err is not nil.
func Fatal(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Rejected returns vitals.input.rejections by "signal/reason", nil when it
// has no point.
func Rejected(rm metricdata.ResourceMetrics) map[string]int64 {
	var got map[string]int64
	metrictest.EachPoint(rm, func(name string, attrs attribute.Set, v any) {
		if name != semconv.InputRejections.Name {
			return
		}
		signal, _ := attrs.Value(semconv.SignalKey)
		reason, _ := attrs.Value(semconv.ErrorTypeKey)
		if got == nil {
			got = map[string]int64{}
		}
		got[signal.AsString()+"/"+reason.AsString()] = v.(int64)
	})
	return got
}

func countsEqual(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Reasons builds the counts of one signal: each reason once per time it is
// given.
func Reasons(signal string, reasons ...string) map[string]int64 {
	m := map[string]int64{}
	for _, r := range reasons {
		m[signal+"/"+r]++
	}
	return m
}

// SeriesNamed returns the metrics with a point whose attributes hold the
// string value.
func SeriesNamed(rm metricdata.ResourceMetrics, value string) []string {
	var names []string
	metrictest.EachPoint(rm, func(name string, attrs attribute.Set, _ any) {
		for _, kv := range attrs.ToSlice() {
			if kv.Value.Type() == attribute.STRING && kv.Value.AsString() == value && !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	})
	return names
}

// WantHist fails t unless histogram name has a point with attributes kv of
// count records summing to sum; a count of 0 is also met by no point.
func WantHist(t *testing.T, rm metricdata.ResourceMetrics, count uint64, sum float64, name string, kv ...attribute.KeyValue) {
	t.Helper()
	p, ok := metrictest.Point(rm, name, kv...)
	h, isHist := p.(metricdata.HistogramDataPoint[float64])
	switch {
	case count == 0 && !ok:
	case !ok || !isHist:
		t.Errorf("%s %v: no histogram point, want %d records", name, kv, count)
	case h.Count != count || h.Sum != sum:
		t.Errorf("%s %v: %d records summing to %v, want %d summing to %v", name, kv, h.Count, h.Sum, count, sum)
	}
}

// WantNone fails t if metric name has a point with attributes kv.
func WantNone(t *testing.T, rm metricdata.ResourceMetrics, name string, kv ...attribute.KeyValue) {
	t.Helper()
	if p, ok := metrictest.Point(rm, name, kv...); ok {
		t.Errorf("%s %v = %v, want no point", name, kv, p)
	}
}

// LimitWarnings captures what reaches otel.Handle until t ends.
func LimitWarnings(t *testing.T) *[]error {
	var mu sync.Mutex
	var errs []error
	restore := otel.GetErrorHandler()
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		mu.Lock()
		defer mu.Unlock()
		errs = append(errs, err)
	}))
	t.Cleanup(func() { otel.SetErrorHandler(restore) })
	return &errs
}

// Inputs shared by the cases.
var (
	// MiB is a name of 1 MiB.
	MiB = strings.Repeat("n", 1<<20)
	// Invalid is a name with invalid UTF-8.
	Invalid = "pool\xff\xfe"
	// NilCtx is a nil context, as a careless caller passes.
	NilCtx context.Context
)

// Cancelled returns a context already cancelled.
func Cancelled() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}

// Cleaned returns the Call of a case that gives a handle a bad type or
// name: kept makes the handle on the rig and returns the type or name it
// kept, which must be want.
func Cleaned[R any](kept func(r R) string, want string) func(*testing.T, R) error {
	return func(t *testing.T, r R) error {
		t.Helper()
		if got := kept(r); got != want {
			t.Errorf("kept %.40q (%d bytes), want %.40q (%d bytes)", got, len(got), want, len(want))
		}
		return nil
	}
}

// NothingNamed returns the Check of a case that gives handles named value
// to a tracker already shut down: no metric may have a point with an
// attribute of that value.
func NothingNamed[R any](value string) func(*testing.T, R, metricdata.ResourceMetrics) {
	return func(t *testing.T, _ R, rm metricdata.ResourceMetrics) {
		t.Helper()
		if names := SeriesNamed(rm, value); len(names) > 0 {
			t.Errorf("reported after Shutdown: %v", names)
		}
	}
}
