package cache

import (
	"errors"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/rejected"
	"github.com/otelvitals/vitals/semconv"
)

// clockedMap is a map-backed Getter whose Get takes hit on a hit and miss
// on a miss, by the fake clock.
type clockedMap struct {
	clock     *clock.Fake
	hit, miss time.Duration
	m         map[string]int
}

func (c *clockedMap) Get(k string) (int, bool) {
	v, ok := c.m[k]
	if ok {
		c.clock.Advance(c.hit)
	} else {
		c.clock.Advance(c.miss)
	}
	return v, ok
}

var modes = []struct {
	name string
	fast bool
}{{"sdk", false}, {"fast", true}}

// durations returns the duration histogram's point of the users cache for
// result, failing t without one.
func durations(t *testing.T, rm metricdata.ResourceMetrics, result attribute.KeyValue) metricdata.HistogramDataPoint[float64] {
	t.Helper()
	got, ok := point(rm, semconv.CacheOperationDuration.Name, appType, users, result)
	if !ok {
		t.Fatalf("no %s durations", result.Value.AsString())
	}
	return got.(metricdata.HistogramDataPoint[float64])
}

// TestUnfilledMissesLeaveLatencyTerm looks a map up 1,000 times through
// Wrap and through Lookup, 998 hits and 2 misses, the misses as cheap as
// a Get because neither sees the fill: the efficiency is the hit ratio,
// not the 0 that comparing a miss's Get with a hit's would give, and the
// misses' durations are still recorded.
func TestUnfilledMissesLeaveLatencyTerm(t *testing.T) {
	lookups := []struct {
		name string
		get  func(c *Cache, store *clockedMap, key string)
	}{
		{"Wrap.Get", func(c *Cache, store *clockedMap, key string) { Wrap[string, int](store, c).Get(key) }},
		{"Lookup", func(c *Cache, store *clockedMap, key string) {
			Lookup(c, func() (int, bool) { return store.Get(key) })
		}},
	}
	for _, mode := range modes {
		for _, lk := range lookups {
			t.Run(mode.name+"/"+lk.name, func(t *testing.T) {
				f := newFixture(t, mode.fast)
				c := f.m.Cache(TypeApplication, "users")
				store := &clockedMap{clock: f.clock, hit: 300 * time.Microsecond, miss: 200 * time.Microsecond, m: map[string]int{"a": 1}}
				for i := range 1000 {
					key := "a"
					if i%500 == 499 {
						key = "b"
					}
					lk.get(c, store, key)
				}
				s := f.m.Snapshot().Caches[0]
				if s.Hits != 998 || s.Misses != 2 || s.WindowHitRatio != 0.998 {
					t.Fatalf("snapshot %+v: want 998 hits, 2 misses", s)
				}
				if s.Efficiency != s.WindowHitRatio || s.LatencyMeasured {
					t.Errorf("efficiency %v, latency measured %v; want the hit ratio %v, unmeasured", s.Efficiency, s.LatencyMeasured, s.WindowHitRatio)
				}
				if s.MeanHitSeconds != 0.0003 || s.MeanMissSeconds != 0 {
					t.Errorf("means %v %v, want 0.0003 and 0 (no miss timed with its fill)", s.MeanHitSeconds, s.MeanMissSeconds)
				}
				rm := f.collect()
				want(t, rm, 0.998, semconv.CacheEfficiency.Name, appType, users)
				if h := durations(t, rm, missAttr); h.Count != 2 || math.Abs(h.Sum-0.0004) > 1e-12 {
					t.Errorf("miss durations: %d summing to %v s, want 2 summing to 0.0004 s", h.Count, h.Sum)
				}
				if h := durations(t, rm, hitAttr); h.Count != 998 {
					t.Errorf("hit durations: %d, want 998", h.Count)
				}
			})
		}
	}
}

// TestFillIsTimed looks a key up 3 times found, each Get taking 1 ms, and
// once missing, its Get taking 1 ms and its fill 9 ms, through GetOrFill
// and LookupOrFill: the miss takes 10 ms, and the efficiency weighs the
// hit ratio by 1 - 1ms/10ms.
func TestFillIsTimed(t *testing.T) {
	const key = "b"
	errLoad := errors.New("load failed")
	lookups := []struct {
		name string
		get  func(c *Cache, store *clockedMap, key string, fill func(string) (int, error)) (int, error)
	}{
		{"GetOrFill", func(c *Cache, store *clockedMap, key string, fill func(string) (int, error)) (int, error) {
			return Wrap[string, int](store, c).GetOrFill(key, fill)
		}},
		{"LookupOrFill", func(c *Cache, store *clockedMap, key string, fill func(string) (int, error)) (int, error) {
			return LookupOrFill(c, func() (int, bool) { return store.Get(key) }, func() (int, error) { return fill(key) })
		}},
	}
	for _, mode := range modes {
		for _, lk := range lookups {
			t.Run(mode.name+"/"+lk.name, func(t *testing.T) {
				f := newFixture(t, mode.fast)
				c := f.m.Cache(TypeApplication, "users")
				store := &clockedMap{clock: f.clock, hit: time.Millisecond, miss: time.Millisecond, m: map[string]int{"a": 1}}
				var filled []string
				fill := func(k string) (int, error) {
					filled = append(filled, k)
					f.clock.Advance(9 * time.Millisecond)
					return 2, errLoad
				}
				for range 3 {
					if v, err := lk.get(c, store, "a", fill); v != 1 || err != nil {
						t.Fatalf("hit = %v, %v; want 1, nil", v, err)
					}
				}
				if v, err := lk.get(c, store, key, fill); v != 2 || !errors.Is(err, errLoad) {
					t.Fatalf("miss = %v, %v; want fill's 2, %v", v, err, errLoad)
				}
				if len(filled) != 1 || filled[0] != key {
					t.Fatalf("fill called for %q, want once for %q", filled, key)
				}

				s := f.m.Snapshot().Caches[0]
				if s.Hits != 3 || s.Misses != 1 || !s.LatencyMeasured {
					t.Fatalf("snapshot %+v: want 3 hits, 1 miss, latency measured", s)
				}
				if s.MeanHitSeconds != 0.001 || s.MeanMissSeconds != 0.010 {
					t.Errorf("means %v %v, want 0.001 and 0.010 (get + fill)", s.MeanHitSeconds, s.MeanMissSeconds)
				}
				meanHit, meanMiss := float64(time.Millisecond), float64(10*time.Millisecond)
				if wantEff := s.WindowHitRatio * (1 - meanHit/meanMiss); s.Efficiency != wantEff {
					t.Errorf("efficiency %v, want %v", s.Efficiency, wantEff)
				}
				rm := f.collect()
				if h := durations(t, rm, missAttr); h.Count != 1 || math.Abs(h.Sum-0.010) > 1e-12 {
					t.Errorf("miss durations: %d summing to %v s, want one of 0.010 s", h.Count, h.Sum)
				}
				if h := durations(t, rm, hitAttr); h.Count != 3 || math.Abs(h.Sum-0.003) > 1e-12 {
					t.Errorf("hit durations: %d summing to %v s, want 3 summing to 0.003 s", h.Count, h.Sum)
				}
			})
		}
	}
}

// TestCheapMissAbstains records misses with Miss(d), d no more than the
// mean hit: they cannot have included a fill, so the latency term abstains
// until the misses are dearer than the hits.
func TestCheapMissAbstains(t *testing.T) {
	f := newFixture(t, true)
	c := f.m.Cache(TypeApplication, "users")
	for range 3 {
		c.Hit(2 * time.Millisecond)
	}
	c.Miss(time.Millisecond) // cheaper than a hit
	if s := f.m.Snapshot().Caches[0]; s.Efficiency != 0.75 || s.LatencyMeasured {
		t.Errorf("cheaper miss: efficiency %v, latency measured %v; want 0.75, unmeasured", s.Efficiency, s.LatencyMeasured)
	}
	c.Miss(3 * time.Millisecond) // misses now average 2 ms, as hits do
	if s := f.m.Snapshot().Caches[0]; s.Efficiency != 0.6 || s.LatencyMeasured {
		t.Errorf("misses as dear as hits: efficiency %v, latency measured %v; want 0.6, unmeasured", s.Efficiency, s.LatencyMeasured)
	}
	want(t, f.collect(), 0.6, semconv.CacheEfficiency.Name, appType, users)
	c.Miss(8 * time.Millisecond) // misses now average 4 ms: 0.5 × (1 - 2/4)
	if s := f.m.Snapshot().Caches[0]; s.Efficiency != 0.25 || !s.LatencyMeasured {
		t.Errorf("dearer misses: efficiency %v, latency measured %v; want 0.25, measured", s.Efficiency, s.LatencyMeasured)
	}
}

// TestSinceFirstLookup reads the time since the first lookup: 0 for a
// cache made but not yet looked up, then the clock's distance from the
// first lookup, still counted once that lookup has left the window.
func TestSinceFirstLookup(t *testing.T) {
	f := newFixture(t, true)
	c := f.m.Cache(TypeApplication, "users")
	c.SetSize(10) // not a lookup
	f.clock.Advance(5 * time.Second)
	if s := f.m.Snapshot().Caches[0]; s.SinceFirstLookupSeconds != 0 {
		t.Fatalf("before any lookup: %v s, want 0", s.SinceFirstLookupSeconds)
	}
	c.CountMiss()
	if s := f.m.Snapshot().Caches[0]; s.SinceFirstLookupSeconds != 0 {
		t.Fatalf("at the first lookup: %v s, want 0", s.SinceFirstLookupSeconds)
	}
	f.clock.Advance(42 * time.Second)
	c.Hit(time.Millisecond)
	if s := f.m.Snapshot().Caches[0]; s.SinceFirstLookupSeconds != 42 {
		t.Fatalf("42 s after the first lookup: %v s", s.SinceFirstLookupSeconds)
	}
	f.clock.Advance(20 * time.Minute)
	if s := f.m.Snapshot().Caches[0]; s.SinceFirstLookupSeconds != 42+20*60 || s.WindowLookups != 0 {
		t.Fatalf("past the window: %v s, %d lookups in it; want %v s, 0", s.SinceFirstLookupSeconds, s.WindowLookups, 42+20*60)
	}
}

// TestNilFill passes nil getters and fills: a nil fill is fine on a hit;
// on a miss the miss is counted, untimed by the latency term, and
// ErrNilFunc returned; a nil getter records nothing but the bad input.
func TestNilFill(t *testing.T) {
	store := map[string]int{"a": 1}
	get := func(k string) func() (int, bool) {
		return func() (int, bool) { v, ok := store[k]; return v, ok }
	}
	tests := []struct {
		name         string
		fn           func(c *Cache) (int, error)
		want         int
		err          error
		hits, misses int64
		rejects      int64
	}{
		{"GetOrFill nil fill, hit", func(c *Cache) (int, error) {
			return Wrap[string, int](&mapCache{m: store}, c).GetOrFill("a", nil)
		}, 1, nil, 1, 0, 0},
		{"GetOrFill nil fill, miss", func(c *Cache) (int, error) {
			return Wrap[string, int](&mapCache{m: store}, c).GetOrFill("b", nil)
		}, 0, ErrNilFunc, 0, 1, 1},
		{"GetOrFill nil getter", func(c *Cache) (int, error) {
			return Wrap[string, int](nil, c).GetOrFill("a", func(string) (int, error) { return 2, nil })
		}, 0, ErrNilFunc, 0, 0, 1},
		{"LookupOrFill nil fill, hit", func(c *Cache) (int, error) { return LookupOrFill(c, get("a"), nil) }, 1, nil, 1, 0, 0},
		{"LookupOrFill nil fill, miss", func(c *Cache) (int, error) { return LookupOrFill(c, get("b"), nil) }, 0, ErrNilFunc, 0, 1, 1},
		{"LookupOrFill nil get", func(c *Cache) (int, error) {
			return LookupOrFill(c, nil, func() (int, error) { return 2, nil })
		}, 0, ErrNilFunc, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, true)
			c := f.m.Cache(TypeApplication, "users")
			v, err := tt.fn(c)
			if v != tt.want || !errors.Is(err, tt.err) {
				t.Fatalf("got %v, %v; want %v, %v", v, err, tt.want, tt.err)
			}
			s := f.m.Snapshot().Caches[0]
			if s.Hits != tt.hits || s.Misses != tt.misses || s.MeanMissSeconds != 0 || s.LatencyMeasured {
				t.Fatalf("snapshot %+v: want %d hits, %d misses, no timed miss", s, tt.hits, tt.misses)
			}
			got, _ := point(f.collect(), semconv.InputRejections.Name, semconv.ErrorTypeKey.String(rejected.ReasonNilFunc))
			if n, _ := got.(int64); n != tt.rejects {
				t.Fatalf("nil_function counted %v times, want %d", got, tt.rejects)
			}
		})
	}
}

// TestFillAllocations checks that the lookup and fill paths allocate
// nothing, on the SDK's histogram and on the fast path.
func TestFillAllocations(t *testing.T) {
	for _, mode := range modes {
		t.Run(mode.name, func(t *testing.T) {
			f := newFixture(t, mode.fast)
			c := f.m.Cache(TypeApplication, "users")
			w := Wrap[string, int](&mapCache{m: map[string]int{"a": 1}}, c)
			fill := func(string) (int, error) { return 2, nil }
			found := func() (int, bool) { return 1, true }
			missing := func() (int, bool) { return 0, false }
			load := func() (int, error) { return 2, nil }
			cases := []struct {
				name string
				fn   func()
			}{
				{"Miss", func() { c.Miss(time.Millisecond) }},
				{"Wrap.Get miss", func() { w.Get("b") }},
				{"Lookup miss", func() { Lookup(c, missing) }},
				{"GetOrFill hit", func() { _, _ = w.GetOrFill("a", fill) }},
				{"GetOrFill miss", func() { _, _ = w.GetOrFill("b", fill) }},
				{"LookupOrFill hit", func() { _, _ = LookupOrFill(c, found, load) }},
				{"LookupOrFill miss", func() { _, _ = LookupOrFill(c, missing, load) }},
			}
			for _, tc := range cases {
				if n := testing.AllocsPerRun(1000, tc.fn); n != 0 {
					t.Errorf("%s: %v allocs, want 0", tc.name, n)
				}
			}
			if s := f.m.Snapshot().Caches[0]; s.Hits+s.Misses != int64(len(cases))*1001 {
				t.Fatalf("%d lookups counted, want %d", s.Hits+s.Misses, len(cases)*1001)
			}
		})
	}
}
