package cache

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/goleak"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/internal/nanosum"
	"github.com/otelvitals/vitals/internal/rejected"
	"github.com/otelvitals/vitals/semconv"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

type fixture struct {
	clock  *clock.Fake
	reader *metrictest.Reader
	m      *Monitor
}

func newFixture(t *testing.T, fast bool, opts ...Option) *fixture {
	t.Helper()
	f := &fixture{clock: clock.NewFake(t0), reader: metrictest.NewReader(t, fast)}
	m, err := New(append([]Option{WithMeterProvider(f.reader.Provider), WithProducer(f.reader.Producer), WithClock(f.clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
	f.m = m
	return f
}

func (f *fixture) collect() metricdata.ResourceMetrics { return f.reader.Collect() }

var point = metrictest.Point

func want[T comparable](t *testing.T, rm metricdata.ResourceMetrics, w T, name string, kv ...attribute.KeyValue) {
	t.Helper()
	metrictest.Want(t, rm, w, name, kv...)
}

var (
	appType  = semconv.CacheTypeKey.String("application")
	users    = semconv.CacheNameKey.String("users")
	hitAttr  = semconv.CacheResultKey.String("hit")
	missAttr = semconv.CacheResultKey.String("miss")
)

// TestWindowRollsOff records hits in minute 1 and misses in minute 16 of a
// 15-minute window: the ratio then reflects only the misses.
func TestWindowRollsOff(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(map[bool]string{false: "sdk", true: "fast"}[fast], func(t *testing.T) {
			f := newFixture(t, fast)
			c := f.m.Cache(TypeApplication, "users")
			for range 60 { // minute 1: one hit a second, 1 ms each
				c.Hit(time.Millisecond)
				f.clock.Advance(time.Second)
			}
			rm := f.collect()
			want(t, rm, 1.0, semconv.CacheHitRatio.Name, appType, users)
			want(t, rm, int64(60), semconv.CacheOperations.Name, appType, users, hitAttr)

			f.clock.Advance(14 * time.Minute) // now 15:00
			for range 30 {                    // minute 16: misses, 10 ms each
				c.Miss(10 * time.Millisecond)
				f.clock.Advance(2 * time.Second)
			}
			rm = f.collect()
			want(t, rm, 0.0, semconv.CacheHitRatio.Name, appType, users)
			want(t, rm, 0.0, semconv.CacheEfficiency.Name, appType, users)
			want(t, rm, int64(60), semconv.CacheOperations.Name, appType, users, hitAttr)
			want(t, rm, int64(30), semconv.CacheOperations.Name, appType, users, missAttr)

			got, _ := point(rm, semconv.CacheOperationDuration.Name, appType, users, missAttr)
			h := got.(metricdata.HistogramDataPoint[float64])
			if h.Count != 30 || math.Abs(h.Sum-0.3) > 1e-9 || !slices.Equal(h.Bounds, semconv.LatencyBuckets()) {
				t.Fatalf("miss durations %+v", h)
			}
			s := f.m.Snapshot().Caches[0]
			if s.Hits != 60 || s.Misses != 30 || s.HitRatio != 60.0/90 || s.WindowLookups != 30 || s.WindowHitRatio != 0 {
				t.Fatalf("snapshot %+v", s)
			}
			if s.MeanHitSeconds != 0.001 || s.MeanMissSeconds != 0.01 {
				t.Fatalf("means %v %v", s.MeanHitSeconds, s.MeanMissSeconds)
			}

			// Mixed traffic inside the window: the ratio counts only it.
			for range 10 {
				c.Hit(time.Millisecond)
			}
			s = f.m.Snapshot().Caches[0]
			if s.WindowLookups != 40 || s.WindowHitRatio != 0.25 {
				t.Fatalf("after 10 more hits: %d lookups, ratio %v", s.WindowLookups, s.WindowHitRatio)
			}
			// Efficiency: 0.25 × (1 − 1ms/10ms) = 0.225.
			if math.Abs(s.Efficiency-0.225) > 1e-12 {
				t.Fatalf("efficiency %v, want 0.225", s.Efficiency)
			}

			// Past the window, nothing is left: no ratio is reported.
			f.clock.Advance(16 * time.Minute)
			if _, ok := point(f.collect(), semconv.CacheHitRatio.Name, appType, users); ok {
				t.Fatal("a hit ratio was reported for a window without lookups")
			}
		})
	}
}

// TestWithWindow shortens the window to 2 minutes: hits 3 minutes old no
// longer count in the window's ratio, and a window without lookups
// reports none; the lifetime counts keep everything.
func TestWithWindow(t *testing.T) {
	f := newFixture(t, true, WithWindow(2*time.Minute))
	c := f.m.Cache(TypeApplication, "users")
	for range 3 {
		c.Hit(time.Millisecond)
	}
	f.clock.Advance(3 * time.Minute)
	c.Miss(time.Millisecond)
	s := f.m.Snapshot().Caches[0]
	if s.WindowSeconds != 120 || s.WindowLookups != 1 || s.WindowHitRatio != 0 || s.Hits != 3 || s.HitRatio != 0.75 {
		t.Errorf("snapshot %+v: want a 120 s window holding the miss only, and 3 of 4 hits in all", s)
	}
	want(t, f.collect(), 0.0, semconv.CacheHitRatio.Name, appType, users)

	f.clock.Advance(3 * time.Minute)
	if s := f.m.Snapshot().Caches[0]; s.WindowLookups != 0 || s.Hits+s.Misses != 4 {
		t.Errorf("snapshot %+v: want an empty window, 4 lookups in all", s)
	}
}

// TestDurationSumsPastInt64 records lookups whose durations sum past what
// an int64 of nanoseconds holds (292 years): the means and the efficiency
// stay right.
func TestDurationSumsPastInt64(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(map[bool]string{false: "sdk", true: "fast"}[fast], func(t *testing.T) {
			f := newFixture(t, fast)
			c := f.m.Cache(TypeApplication, "users")
			long := time.Duration(math.MaxInt64 - 1)
			for range 8 {
				c.Hit(long / 2)
			}
			for range 4 {
				c.Miss(long)
			}
			s := f.m.Snapshot().Caches[0]
			if hit, miss := long.Seconds()/2, long.Seconds(); math.Abs(s.MeanHitSeconds/hit-1) > 1e-12 || math.Abs(s.MeanMissSeconds/miss-1) > 1e-12 {
				t.Errorf("means %v %v, want %v %v", s.MeanHitSeconds, s.MeanMissSeconds, hit, miss)
			}
			// Two thirds hits, each half as slow as a miss: 2/3 × (1 − 1/2).
			if math.Abs(s.Efficiency-1.0/3) > 1e-12 {
				t.Errorf("efficiency %v, want 1/3", s.Efficiency)
			}
			got, _ := point(f.collect(), semconv.CacheEfficiency.Name, appType, users)
			if e, _ := got.(float64); math.Abs(e-1.0/3) > 1e-12 {
				t.Errorf("%s = %v, want 1/3", semconv.CacheEfficiency.Name, got)
			}
		})
	}
}

func TestEfficiencyBoundaries(t *testing.T) {
	ms := uint64(time.Millisecond)
	ns := func(n uint64) nanosum.Total { return nanosum.Total{Lo: n} }
	tests := []struct {
		name     string
		t        totals
		want     float64
		measured bool // the latency term applied
	}{
		{"no traffic", totals{}, 0, false},
		{"all hits", totals{hits: 10, hitNanos: ns(10 * ms), timedHits: 10}, 1, false},
		{"all misses", totals{misses: 10, missNanos: ns(10 * ms), timedMisses: 10}, 0, false},
		// Misses no dearer than hits cannot have included their fill: the
		// latency term abstains and the efficiency is the hit ratio.
		{"hits slower than misses", totals{hits: 5, misses: 5, hitNanos: ns(50 * ms), missNanos: ns(5 * ms), timedHits: 5, timedMisses: 5}, 0.5, false},
		{"hits as slow as misses", totals{hits: 5, misses: 5, hitNanos: ns(5 * ms), missNanos: ns(5 * ms), timedHits: 5, timedMisses: 5}, 0.5, false},
		{"untimed misses", totals{hits: 5, misses: 5, hitNanos: ns(5 * ms), timedHits: 5}, 0.5, false},
		{"half hits, ten times faster", totals{hits: 5, misses: 5, hitNanos: ns(5 * ms), missNanos: ns(50 * ms), timedHits: 5, timedMisses: 5}, 0.45, true},
		{"instant hits", totals{hits: 3, misses: 1, hitNanos: ns(0), missNanos: ns(ms), timedHits: 3, timedMisses: 1}, 0.75, true},
		{"untimed lookups", totals{hits: 3, misses: 1}, 0.75, false},
		// Sums past 64 bits: hits average 2^64/3 ns, misses 3 × 2^64 ns.
		{"sums past 64 bits", totals{hits: 3, misses: 1, hitNanos: nanosum.Total{Carries: 1}, missNanos: nanosum.Total{Carries: 3}, timedHits: 3, timedMisses: 1}, 0.75 * (1 - 1.0/9), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.t.efficiency(); math.Abs(got-tt.want) > 1e-12 {
				t.Fatalf("efficiency %v, want %v", got, tt.want)
			}
			if _, got := tt.t.speed(); got != tt.measured {
				t.Fatalf("latency measured %v, want %v", got, tt.measured)
			}
		})
	}
}

type mapCache struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *mapCache) Get(k string) (int, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[k]
	return v, ok
}

func TestScopesAndAdapters(t *testing.T) {
	f := newFixture(t, true)
	c := f.m.Cache(TypeSession, "sessions")

	op := c.Start()
	f.clock.Advance(3 * time.Millisecond)
	op.Hit()
	op.End()
	op.End() // once only

	miss := c.Start()
	f.clock.Advance(7 * time.Millisecond)
	miss.End()

	v, ok := Lookup(c, func() (string, bool) { f.clock.Advance(time.Millisecond); return "x", true })
	if v != "x" || !ok {
		t.Fatal("Lookup changed the result")
	}
	store := &mapCache{m: map[string]int{"a": 1}}
	w := Wrap[string, int](store, c)
	if v, ok := w.Get("a"); v != 1 || !ok {
		t.Fatal("Wrap changed a hit")
	}
	if _, ok := w.Get("b"); ok {
		t.Fatal("Wrap changed a miss")
	}
	c.CountHit()
	c.CountMiss()
	c.Set(3)
	c.Evicted(1)
	c.SetSize(2)

	s := f.m.Snapshot().Caches[0]
	if s.Hits != 4 || s.Misses != 3 || s.Sets != 3 || s.Evictions != 1 || s.Size != 2 {
		t.Fatalf("snapshot %+v", s)
	}
	// Wrap's miss is counted but, timed without its fill, left out of the
	// mean miss.
	if s.MeanHitSeconds != (0.003+0.001+0)/3 || s.MeanMissSeconds != 0.007 {
		t.Fatalf("means %v %v", s.MeanHitSeconds, s.MeanMissSeconds)
	}
	rm := f.collect()
	sessions := []attribute.KeyValue{semconv.CacheTypeKey.String("session"), semconv.CacheNameKey.String("sessions")}
	want(t, rm, int64(3), semconv.CacheSets.Name, sessions...)
	want(t, rm, int64(1), semconv.CacheEvictions.Name, sessions...)
	want(t, rm, int64(2), semconv.CacheSize.Name, sessions...)
	got, _ := point(rm, semconv.CacheOperationDuration.Name, append(sessions, hitAttr)...)
	if h := got.(metricdata.HistogramDataPoint[float64]); h.Count != 3 {
		t.Fatalf("timed hits %d, want 3 (CountHit is not timed)", h.Count)
	}
	got, _ = point(rm, semconv.CacheOperationDuration.Name, append(sessions, missAttr)...)
	if h := got.(metricdata.HistogramDataPoint[float64]); h.Count != 2 {
		t.Fatalf("miss durations %d, want 2 (End's and Wrap's; CountMiss is not timed)", h.Count)
	}
}

func TestBadInput(t *testing.T) {
	f := newFixture(t, true)
	c := f.m.Cache("", "a\xffb")
	if c.Type() != "unknown" || c.Name() != "a\uFFFDb" {
		t.Fatalf("names %q %q", c.Type(), c.Name())
	}
	c.Hit(-time.Second)
	c.Set(-1)
	c.Evicted(-1)
	c.SetSize(-1)
	var zero Op
	zero.End()
	rm := f.collect()
	reason := func(r string) attribute.KeyValue { return semconv.ErrorTypeKey.String(r) }
	want(t, rm, int64(1), semconv.InputRejections.Name, reason(rejected.ReasonNegativeDuration))
	want(t, rm, int64(3), semconv.InputRejections.Name, reason(reasonNegativeCount))
	want(t, rm, int64(1), semconv.InputRejections.Name, reason(reasonEmptyName))
	want(t, rm, int64(1), semconv.InputRejections.Name, reason(reasonInvalidUTF8))
	if s := f.m.Snapshot().Caches[0]; s.Hits != 1 || s.Sets != 0 || s.Size != -1 {
		t.Fatalf("%+v", s)
	}
}

func TestCacheLimit(t *testing.T) {
	f := newFixture(t, true, WithMaxCaches(1))
	a, b, c := f.m.Cache("x", "a"), f.m.Cache("x", "b"), f.m.Cache("y", "c")
	if a == b || b != c || !b.overflow {
		t.Fatal("caches past the limit must share the overflow cache")
	}
	b.CountHit()
	want(t, f.collect(), int64(1), semconv.CacheOperations.Name, semconv.Overflow, hitAttr)
}

func TestCloseUnregisters(t *testing.T) {
	f := newFixture(t, true)
	f.m.Cache(TypeApplication, "users").Hit(time.Millisecond)
	if err := f.m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	rm := f.collect()
	for _, name := range []string{semconv.CacheOperations.Name, semconv.CacheOperationDuration.Name} {
		if _, ok := point(rm, name); ok {
			t.Errorf("%s reported after Close", name)
		}
	}
}

// TestConcurrentSafe runs 8 goroutines of hits and misses with collections
// and checks exact totals.
func TestConcurrentSafe(t *testing.T) {
	f := newFixture(t, true)
	c := f.m.Cache(TypeApplication, "users")
	const workers, ops = 8, 20000
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range ops {
				if (i+w)%4 == 0 {
					c.Miss(time.Microsecond)
				} else {
					c.Hit(time.Microsecond)
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range 100 {
			f.collect()
			f.clock.Advance(time.Second)
		}
	}()
	wg.Wait()
	<-done
	s := f.m.Snapshot().Caches[0]
	if s.Hits != workers*ops*3/4 || s.Misses != workers*ops/4 {
		t.Fatalf("hits %d misses %d", s.Hits, s.Misses)
	}
	got, _ := point(f.collect(), semconv.CacheOperationDuration.Name, appType, users, hitAttr)
	if h := got.(metricdata.HistogramDataPoint[float64]); h.Count != workers*ops*3/4 {
		t.Fatalf("hit durations %d", h.Count)
	}
}
