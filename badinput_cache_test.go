package vitals_test

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func badCacheCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badReasons(semconv.SignalCache, reasons...) }
	bad := []attribute.KeyValue{semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("bad")}
	result := func(r string) []attribute.KeyValue {
		return append(append([]attribute.KeyValue(nil), bad...), semconv.CacheResultKey.String(r))
	}
	badCache := func(r *badRig) *cache.Cache { return r.caches.Cache(cache.TypeApplication, "bad") }
	return []badCase{
		{
			name: "lookup nil function", api: "cache.Lookup", input: "fn: nil",
			result: "zero value, not found; nothing recorded but nil_function", counts: reject("nil_function"),
			call: func(t *testing.T, r *badRig) error {
				if v, ok := cache.Lookup[string](badCache(r), nil); v != "" || ok {
					t.Errorf("Lookup = %q, %v", v, ok)
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				metrictest.Want(t, rm, int64(0), semconv.CacheOperations.Name, result(semconv.CacheResultMiss)...)
			},
		},
		{
			name: "wrap nil getter", api: "cache.Wrap", input: "g: nil, then Get",
			result: "Get finds nothing; nothing recorded but nil_function", counts: reject("nil_function"),
			call: func(t *testing.T, r *badRig) error {
				if v, ok := cache.Wrap[string, int](nil, badCache(r)).Get("k"); v != 0 || ok {
					t.Errorf("Get = %v, %v", v, ok)
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(0), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				metrictest.Want(t, rm, int64(0), semconv.CacheOperations.Name, result(semconv.CacheResultMiss)...)
			},
		},
		{
			name: "negative hit duration", api: "cache.Cache.Hit", input: "d = -1ms",
			result: "hit counted without duration, counted negative_duration", counts: reject("negative_duration"),
			call: func(t *testing.T, r *badRig) error {
				badCache(r).Hit(-time.Millisecond)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				badWantNone(t, rm, semconv.CacheOperationDuration.Name, bad...)
			},
		},
		{
			name: "-Inf miss duration", api: "cache.Cache.Miss", input: "d = math.MinInt64 (-Inf saturated)",
			result: "miss counted without duration, counted negative_duration", counts: reject("negative_duration"),
			call: func(t *testing.T, r *badRig) error {
				badCache(r).Miss(math.MinInt64)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(semconv.CacheResultMiss)...)
				badWantNone(t, rm, semconv.CacheOperationDuration.Name, bad...)
			},
		},
		{
			name: "+Inf hit duration", api: "cache.Cache.Hit", input: "d = math.MaxInt64 (+Inf saturated)",
			result: "hit counted without duration, counted infinite_duration; the mean of the other hits stays exact",
			counts: reject("infinite_duration"),
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Hit(125 * time.Millisecond)
				c.Hit(math.MaxInt64)
				c.Hit(375 * time.Millisecond)
				for _, s := range r.caches.Snapshot().Caches {
					if s.Name == "bad" && (s.Hits != 3 || s.MeanHitSeconds != 0.25) {
						t.Errorf("%d hits, mean %vs; want 3 and 0.25s", s.Hits, s.MeanHitSeconds)
					}
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantHist(t, rm, 2, 0.5, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
			},
		},
		{
			name: "negative sets", api: "cache.Cache.Set", input: "n = -1",
			result: "ignored, counted negative_count", counts: reject("negative_count"),
			call: func(t *testing.T, r *badRig) error {
				badCache(r).Set(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badWantNone(t, rm, semconv.CacheSets.Name, bad...)
			},
		},
		{
			name: "negative evictions", api: "cache.Cache.Evicted", input: "n = -1",
			result: "ignored, counted negative_count", counts: reject("negative_count"),
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Evicted(2)
				c.Evicted(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.CacheEvictions.Name, bad...)
			},
		},
		{
			name: "negative size", api: "cache.Cache.SetSize", input: "n = -1 after 7",
			result: "ignored (size stays 7), counted negative_count", counts: reject("negative_count"),
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.SetSize(7)
				c.SetSize(-1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(7), semconv.CacheSize.Name, bad...)
			},
		},
		{
			name: "cache empty type", api: "cache.Monitor.Cache", input: `type ""`,
			result: `cleaned to "unknown", counted empty_name`, counts: reject("empty_name"),
			call: func(t *testing.T, r *badRig) error {
				if c := r.caches.Cache("", "bad"); c.Type() != "unknown" {
					t.Errorf("type %q", c.Type())
				}
				return nil
			},
		},
		{
			name: "cache 1 MiB name", api: "cache.Monitor.Cache", input: "name of 1 MiB",
			result: "cut to MaxNameLength, counted name_too_long", counts: reject("name_too_long"),
			call: func(t *testing.T, r *badRig) error {
				if c := r.caches.Cache(cache.TypeApplication, badMiB); len(c.Name()) != cache.MaxNameLength {
					t.Errorf("name of %d bytes", len(c.Name()))
				}
				return nil
			},
		},
		{
			name: "cache invalid UTF-8 name", api: "cache.Monitor.Cache", input: `name "pool\xff\xfe"`,
			result: "invalid bytes become U+FFFD, counted invalid_utf8", counts: reject("invalid_utf8"),
			call: func(t *testing.T, r *badRig) error {
				if c := r.caches.Cache(cache.TypeApplication, badInvalid); c.Name() != "pool\uFFFD" {
					t.Errorf("name %q", c.Name())
				}
				return nil
			},
		},
		{
			name: "op ended twice", api: "cache.Op.End", input: "second End",
			result: "recorded once, with its duration",
			call: func(t *testing.T, r *badRig) error {
				op := badCache(r).Start()
				r.clock.Advance(250 * time.Millisecond)
				op.Hit()
				op.End()
				op.End()
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				badWantHist(t, rm, 1, 0.25, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
			},
		},
		{
			name: "zero op", api: "cache.Op.Hit/End", input: "cache.Op{}",
			result: "no-op, not counted",
			call: func(t *testing.T, _ *badRig) error {
				var op cache.Op
				op.Hit()
				op.End()
				return nil
			},
		},
		{
			name: "nil cache monitor", api: "cache.Monitor (nil)", input: "every method of a nil *cache.Monitor",
			result: "no-ops: Cache nil, empty Snapshot, Close nil",
			call: func(t *testing.T, _ *badRig) error {
				var m *cache.Monitor
				if c := m.Cache(cache.TypeApplication, "bad"); c != nil {
					t.Errorf("Cache = %v, want nil", c)
				}
				if s := m.Snapshot(); len(s.Caches) != 0 || !s.Time.IsZero() {
					t.Errorf("Snapshot = %+v, want the zero Snapshot", s)
				}
				return m.Shutdown(context.Background())
			},
		},
		{
			name: "nil cache", api: "cache.Cache (nil)", input: "every method of a nil *cache.Cache; Lookup, LookupOrFill and Wrap of one",
			result: "no-ops: Start returns the zero Op; Lookup, LookupOrFill and the wrapped Get still look up and return what they find; nothing recorded or counted",
			call: func(t *testing.T, _ *badRig) error {
				var c *cache.Cache
				c.Hit(time.Millisecond)
				c.Miss(-1)
				c.CountHit()
				c.CountMiss()
				c.Set(-1)
				c.Evicted(3)
				c.SetSize(7)
				op := c.Start()
				if c.Type() != "" || c.Name() != "" || op != (cache.Op{}) {
					t.Errorf("Type %q, Name %q, Op %+v; want empty and the zero Op", c.Type(), c.Name(), op)
				}
				op.Hit()
				op.End()
				if v, ok := cache.Lookup(c, func() (int, bool) { return 1, true }); v != 1 || !ok {
					t.Errorf("Lookup = %v, %v; want 1, true", v, ok)
				}
				if v, err := cache.LookupOrFill(c, func() (int, bool) { return 0, false }, func() (int, error) { return 2, nil }); v != 2 || err != nil {
					t.Errorf("LookupOrFill = %v, %v; want 2, nil", v, err)
				}
				w := cache.Wrap[string, int](badMap{"k": 3}, c)
				if v, ok := w.Get("k"); v != 3 || !ok {
					t.Errorf("wrapped Get = %v, %v; want 3, true", v, ok)
				}
				if v, err := w.GetOrFill("x", func(string) (int, error) { return 4, nil }); v != 4 || err != nil {
					t.Errorf("wrapped GetOrFill = %v, %v; want 4, nil", v, err)
				}
				if v, ok := cache.Wrap[string, int](nil, c).Get("k"); v != 0 || ok {
					t.Errorf("Get of a nil getter = %v, %v; want 0, false", v, ok)
				}
				return nil
			},
		},
		{
			name: "nil instrumented cache", api: "cache.Instrumented (nil)", input: "Get and GetOrFill of a nil *cache.Instrumented",
			result: "no Getter: Get finds nothing, GetOrFill returns cache.ErrNilFunc; nothing counted", want: cache.ErrNilFunc,
			call: func(t *testing.T, _ *badRig) error {
				var w *cache.Instrumented[string, int]
				if v, ok := w.Get("k"); v != 0 || ok {
					t.Errorf("Get = %v, %v; want 0, false", v, ok)
				}
				_, err := w.GetOrFill("k", func(string) (int, error) { return 1, nil })
				return err
			},
		},
		{
			name: "nil op", api: "cache.Op (nil)", input: "Hit and End of a nil *cache.Op",
			result: "no-op, not counted",
			call: func(t *testing.T, _ *badRig) error {
				var op *cache.Op
				op.Hit()
				op.End()
				return nil
			},
		},
		{
			name: "cache window 1ns", api: "cache.WithWindow", input: "1ns",
			result: "clamped to cache.MinWindow (1s), so the window's 30 buckets are 1/30 s wide, never 0",
			call: func(t *testing.T, r *badRig) error {
				m, err := cache.New(cache.WithMeterProvider(r.reader.Provider), cache.WithClock(r.clock.Now), cache.WithWindow(1))
				badFatal(t, err)
				t.Cleanup(func() { _ = m.Shutdown(context.Background()) })
				m.Cache(cache.TypeApplication, "bad").CountHit()
				if s := m.Snapshot().Caches[0]; s.WindowSeconds != 1 || s.WindowLookups != 1 {
					t.Errorf("window %vs with %d lookups, want 1s with 1", s.WindowSeconds, s.WindowLookups)
				}
				return nil
			},
		},
		{
			name: "cache clock steps back", api: "cache.WithClock", input: "the clock steps back 3h (before the monitor was made) between lookups, and within an Op",
			result: "no time passed: the lookups behind count in the newest bucket, and the Op across the step takes 0",
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Hit(125 * time.Millisecond)
				op := c.Start()
				r.clock.Advance(-3 * time.Hour)
				c.Hit(125 * time.Millisecond)
				c.CountMiss()
				op.Hit()
				op.End()
				r.clock.Advance(3 * time.Hour)
				for _, s := range r.caches.Snapshot().Caches {
					if s.Name == "bad" && (s.WindowLookups != 4 || s.WindowHitRatio != 0.75) {
						t.Errorf("%d lookups in the window, hit ratio %v; want 4 and 0.75", s.WindowLookups, s.WindowHitRatio)
					}
				}
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(3), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				badWantHist(t, rm, 3, 0.25, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
				metrictest.Want(t, rm, 0.75, semconv.CacheHitRatio.Name, bad...)
			},
		},
		{
			name: "sets and evictions past MaxInt64", api: "cache.Cache.Set/Evicted", input: "n = math.MaxInt, then 1 more",
			result: "saturate at math.MaxInt64, never wrap to negative",
			call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Set(math.MaxInt)
				c.Set(1)
				c.Evicted(math.MaxInt)
				c.Evicted(1)
				return nil
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(math.MaxInt64), semconv.CacheSets.Name, bad...)
				metrictest.Want(t, rm, int64(math.MaxInt64), semconv.CacheEvictions.Name, bad...)
			},
		},
		{
			name: "cache monitor use after close", api: "cache.Monitor.Close", input: "handles used after Close, bad input included; Close twice",
			result: "no-op: nothing reported or counted; second Close nil",
			call: func(t *testing.T, r *badRig) error {
				err := r.closeCaches()
				c := r.caches.Cache(cache.TypeApplication, "after")
				c.Hit(time.Millisecond)
				c.Miss(-1)
				c.Set(-1)
				c.SetSize(3)
				_, _ = cache.Lookup(c, func() (int, bool) { return 1, true })
				return err
			},
			check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				if names := badSeriesNamed(rm, "after"); len(names) > 0 {
					t.Errorf("reported after Close: %v", names)
				}
			},
		},
	}
}

// badMap is a Getter over a map.
type badMap map[string]int

func (m badMap) Get(k string) (int, bool) {
	v, ok := m[k]
	return v, ok
}
