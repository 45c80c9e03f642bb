package rejected

import (
	"math"
	"testing"
	"time"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/fasthist"
	"github.com/otelvitals/vitals/semconv"
)

// sink keeps the integer points it is given, by reason.
type sink struct {
	t      *testing.T
	m      int
	counts map[string]int64
}

func (s *sink) Int64(m int, a *core.Attrs, v int64) {
	if m != s.m {
		s.t.Errorf("metric %d, want %d", m, s.m)
	}
	signal, _ := a.Set.Value(semconv.SignalKey)
	if signal.AsString() != semconv.SignalQueue {
		s.t.Errorf("signal %q", signal.AsString())
	}
	reason, _ := a.Set.Value(semconv.ErrorTypeKey)
	s.counts[reason.AsString()] = v
}
func (s *sink) Float64(int, *core.Attrs, float64)              { s.t.Error("a float point") }
func (s *sink) Histogram(int, *core.Attrs, *fasthist.Snapshot) { s.t.Error("a histogram point") }

// TestCounter checks that a known reason counts without allocating, that
// an unknown one counts too, and that Emit reports each counted reason,
// and only those, under the given metric.
func TestCounter(t *testing.T) {
	r := New(semconv.SignalQueue, "negative_depth", "never")
	if n := testing.AllocsPerRun(100, func() { r.Add("negative_depth") }); n != 0 {
		t.Errorf("a known reason allocates %v times", n)
	}
	r.Add("other")
	r.Add("other")
	out := &sink{t: t, m: 7, counts: map[string]int64{}}
	r.Emit(out, 7)
	want := map[string]int64{"negative_depth": 101, "other": 2}
	if len(out.counts) != len(want) || out.counts["negative_depth"] != 101 || out.counts["other"] != 2 {
		t.Fatalf("emitted %v, want %v", out.counts, want)
	}
	if got := r.Count("other"); got != 2 {
		t.Errorf("Count(other) = %d, want 2", got)
	}
}

// TestDurationReason checks which durations cannot be recorded, and why.
func TestDurationReason(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0:                 "",
		time.Second:       "",
		math.MaxInt64 - 1: "",
		-1:                ReasonNegativeDuration,
		math.MinInt64:     ReasonNegativeDuration,
		math.MaxInt64:     ReasonInfiniteDuration,
	} {
		if got := DurationReason(d); got != want {
			t.Errorf("DurationReason(%d) = %q, want %q", int64(d), got, want)
		}
	}
}
