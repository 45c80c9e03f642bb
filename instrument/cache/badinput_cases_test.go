package cache_test

import (
	"context"
	"math"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelvitals/vitals/instrument/cache"
	"github.com/otelvitals/vitals/internal/badinput"
	"github.com/otelvitals/vitals/internal/metrictest"
	"github.com/otelvitals/vitals/semconv"
)

func badCacheCases() []badCase {
	reject := func(reasons ...string) map[string]int64 { return badinput.Reasons(semconv.SignalCache, reasons...) }
	bad := []attribute.KeyValue{semconv.CacheTypeKey.String(cache.TypeApplication), semconv.CacheNameKey.String("bad")}
	result := func(r string) []attribute.KeyValue {
		return badinput.With(bad, semconv.CacheResultKey.String(r))
	}
	badCache := func(r *badRig) *cache.Cache { return r.Tracker.Cache(cache.TypeApplication, "bad") }
	// nameOf makes a cache named name and returns the name it kept.
	nameOf := func(name string) func(*badRig) string {
		return func(r *badRig) string { return r.Tracker.Cache(cache.TypeApplication, name).Name() }
	}
	// noLookups checks that the bad cache counted no hit and no miss.
	noLookups := func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
		metrictest.Want(t, rm, int64(0), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
		metrictest.Want(t, rm, int64(0), semconv.CacheOperations.Name, result(semconv.CacheResultMiss)...)
	}
	// untimed checks that the bad cache counted one lookup of res, and
	// timed none.
	untimed := func(res string) func(*testing.T, *badRig, metricdata.ResourceMetrics) {
		return func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
			metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(res)...)
			badinput.WantNone(t, rm, semconv.CacheOperationDuration.Name, bad...)
		}
	}
	return []badCase{
		{
			Name: "lookup nil function", API: "cache.Lookup", Input: "fn: nil",
			Result: "zero value, not found; nothing recorded but nil_function", Counts: reject("nil_function"),
			Call: func(t *testing.T, r *badRig) error {
				if v, ok := cache.Lookup[string](badCache(r), nil); v != "" || ok {
					t.Errorf("Lookup = %q, %v", v, ok)
				}
				return nil
			},
			Check: noLookups,
		},
		{
			Name: "wrap nil getter", API: "cache.Wrap", Input: "g: nil, then Get",
			Result: "Get finds nothing; nothing recorded but nil_function", Counts: reject("nil_function"),
			Call: func(t *testing.T, r *badRig) error {
				if v, ok := cache.Wrap[string, int](nil, badCache(r)).Get("k"); v != 0 || ok {
					t.Errorf("Get = %v, %v", v, ok)
				}
				return nil
			},
			Check: noLookups,
		},
		{
			Name: "negative hit duration", API: "cache.Cache.Hit", Input: "d = -1ms",
			Result: "hit counted without duration, counted negative_duration", Counts: reject("negative_duration"),
			Call: func(t *testing.T, r *badRig) error {
				badCache(r).Hit(-time.Millisecond)
				return nil
			},
			Check: untimed(semconv.CacheResultHit),
		},
		{
			Name: "-Inf miss duration", API: "cache.Cache.Miss", Input: "d = math.MinInt64 (-Inf saturated)",
			Result: "miss counted without duration, counted negative_duration", Counts: reject("negative_duration"),
			Call: func(t *testing.T, r *badRig) error {
				badCache(r).Miss(math.MinInt64)
				return nil
			},
			Check: untimed(semconv.CacheResultMiss),
		},
		{
			Name: "+Inf hit duration", API: "cache.Cache.Hit", Input: "d = math.MaxInt64 (+Inf saturated)",
			Result: "hit counted without duration, counted infinite_duration; the mean of the other hits stays exact",
			Counts: reject("infinite_duration"),
			Call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Hit(125 * time.Millisecond)
				c.Hit(math.MaxInt64)
				c.Hit(375 * time.Millisecond)
				for _, s := range r.Tracker.Snapshot().Caches {
					if s.Name == "bad" && (s.Hits != 3 || s.MeanHitSeconds != 0.25) {
						t.Errorf("%d hits, mean %vs; want 3 and 0.25s", s.Hits, s.MeanHitSeconds)
					}
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badinput.WantHist(t, rm, 2, 0.5, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
			},
		},
		{
			Name: "negative sets", API: "cache.Cache.Set", Input: "n = -1",
			Result: "ignored, counted negative_count", Counts: reject("negative_count"),
			Call: func(t *testing.T, r *badRig) error {
				badCache(r).Set(-1)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				badinput.WantNone(t, rm, semconv.CacheSets.Name, bad...)
			},
		},
		{
			Name: "negative evictions", API: "cache.Cache.Evicted", Input: "n = -1",
			Result: "ignored, counted negative_count", Counts: reject("negative_count"),
			Call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Evicted(2)
				c.Evicted(-1)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(2), semconv.CacheEvictions.Name, bad...)
			},
		},
		{
			Name: "negative size", API: "cache.Cache.SetSize", Input: "n = -1 after 7",
			Result: "ignored (size stays 7), counted negative_count", Counts: reject("negative_count"),
			Call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.SetSize(7)
				c.SetSize(-1)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(7), semconv.CacheSize.Name, bad...)
			},
		},
		{
			Name: "cache empty type", API: "cache.Monitor.Cache", Input: `type ""`,
			Result: `cleaned to "unknown", counted empty_name`, Counts: reject("empty_name"),
			Call: badinput.Cleaned(func(r *badRig) string { return r.Tracker.Cache("", "bad").Type() }, "unknown"),
		},
		{
			Name: "cache 1 MiB name", API: "cache.Monitor.Cache", Input: "name of 1 MiB",
			Result: "cut to MaxNameLength, counted name_too_long", Counts: reject("name_too_long"),
			Call: badinput.Cleaned(nameOf(badinput.MiB), badinput.MiB[:cache.MaxNameLength]),
		},
		{
			Name: "cache invalid UTF-8 name", API: "cache.Monitor.Cache", Input: `name "pool\xff\xfe"`,
			Result: "invalid bytes become U+FFFD, counted invalid_utf8", Counts: reject("invalid_utf8"),
			Call: badinput.Cleaned(nameOf(badinput.Invalid), "pool\uFFFD"),
		},
		{
			Name: "op ended twice", API: "cache.Op.End", Input: "second End",
			Result: "recorded once, with its duration",
			Call: func(t *testing.T, r *badRig) error {
				op := badCache(r).Start()
				r.Clock.Advance(250 * time.Millisecond)
				op.Hit()
				op.End()
				op.End()
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(1), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				badinput.WantHist(t, rm, 1, 0.25, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
			},
		},
		{
			Name: "zero op", API: "cache.Op.Hit/End", Input: "cache.Op{}",
			Result: "no-op, not counted",
			Call: func(t *testing.T, _ *badRig) error {
				var op cache.Op
				op.Hit()
				op.End()
				return nil
			},
		},
		{
			Name: "nil cache monitor", API: "cache.Monitor (nil)", Input: "every method of a nil *cache.Monitor",
			Result: "no-ops: Cache nil, empty Snapshot, Shutdown nil",
			Call: func(t *testing.T, _ *badRig) error {
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
			Name: "nil cache", API: "cache.Cache (nil)", Input: "every method of a nil *cache.Cache; Lookup, LookupOrFill and Wrap of one",
			Result: "no-ops: Start returns the zero Op; Lookup, LookupOrFill and the wrapped Get still look up and return what they find; nothing recorded or counted",
			Call: func(t *testing.T, _ *badRig) error {
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
			Name: "nil instrumented cache", API: "cache.Instrumented (nil)", Input: "Get and GetOrFill of a nil *cache.Instrumented",
			Result: "no Getter: Get finds nothing, GetOrFill returns cache.ErrNilFunc; nothing counted", Want: cache.ErrNilFunc,
			Call: func(t *testing.T, _ *badRig) error {
				var w *cache.Instrumented[string, int]
				if v, ok := w.Get("k"); v != 0 || ok {
					t.Errorf("Get = %v, %v; want 0, false", v, ok)
				}
				_, err := w.GetOrFill("k", func(string) (int, error) { return 1, nil })
				return err
			},
		},
		{
			Name: "nil op", API: "cache.Op (nil)", Input: "Hit and End of a nil *cache.Op",
			Result: "no-op, not counted",
			Call: func(t *testing.T, _ *badRig) error {
				var op *cache.Op
				op.Hit()
				op.End()
				return nil
			},
		},
		{
			Name: "cache window 1ns", API: "cache.WithWindow", Input: "1ns",
			Result: "clamped to cache.MinWindow (1s), reported to otel.Handle, so the window's 30 buckets are 1/30 s wide, never 0",
			Call: func(t *testing.T, r *badRig) error {
				m := r.New(cache.WithWindow(1))
				m.Cache(cache.TypeApplication, "bad").CountHit()
				if s := m.Snapshot().Caches[0]; s.WindowSeconds != 1 || s.WindowLookups != 1 {
					t.Errorf("window %vs with %d lookups, want 1s with 1", s.WindowSeconds, s.WindowLookups)
				}
				return nil
			},
		},
		{
			Name: "cache clock steps back", API: "cache.WithClock", Input: "the clock steps back 3h (before the monitor was made) between lookups, and within an Op",
			Result: "no time passed: the lookups behind count in the newest bucket, and the Op across the step takes 0",
			Call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Hit(125 * time.Millisecond)
				op := c.Start()
				r.Clock.Advance(-3 * time.Hour)
				c.Hit(125 * time.Millisecond)
				c.CountMiss()
				op.Hit()
				op.End()
				r.Clock.Advance(3 * time.Hour)
				for _, s := range r.Tracker.Snapshot().Caches {
					if s.Name == "bad" && (s.WindowLookups != 4 || s.WindowHitRatio != 0.75) {
						t.Errorf("%d lookups in the window, hit ratio %v; want 4 and 0.75", s.WindowLookups, s.WindowHitRatio)
					}
				}
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(3), semconv.CacheOperations.Name, result(semconv.CacheResultHit)...)
				badinput.WantHist(t, rm, 3, 0.25, semconv.CacheOperationDuration.Name, result(semconv.CacheResultHit)...)
				metrictest.Want(t, rm, 0.75, semconv.CacheHitRatio.Name, bad...)
			},
		},
		{
			Name: "sets and evictions past MaxInt64", API: "cache.Cache.Set/Evicted", Input: "n = math.MaxInt, then 1 more",
			Result: "saturate at math.MaxInt64, never wrap to negative",
			Call: func(t *testing.T, r *badRig) error {
				c := badCache(r)
				c.Set(math.MaxInt)
				c.Set(1)
				c.Evicted(math.MaxInt)
				c.Evicted(1)
				return nil
			},
			Check: func(t *testing.T, _ *badRig, rm metricdata.ResourceMetrics) {
				metrictest.Want(t, rm, int64(math.MaxInt64), semconv.CacheSets.Name, bad...)
				metrictest.Want(t, rm, int64(math.MaxInt64), semconv.CacheEvictions.Name, bad...)
			},
		},
		{
			Name: "cache monitor use after shutdown", API: "cache.Monitor.Shutdown", Input: "handles used after Shutdown, bad input included; Shutdown twice",
			Result: "no-op: nothing reported or counted; second Shutdown nil",
			Call: func(t *testing.T, r *badRig) error {
				err := r.Shutdown(context.Background())
				c := r.Tracker.Cache(cache.TypeApplication, "after")
				c.Hit(time.Millisecond)
				c.Miss(-1)
				c.Set(-1)
				c.SetSize(3)
				_, _ = cache.Lookup(c, func() (int, bool) { return 1, true })
				return err
			},
			Check: badinput.NothingNamed[*badRig]("after"),
		},
	}
}

// badMap is a Getter over a map.
type badMap map[string]int

func (m badMap) Get(k string) (int, bool) {
	v, ok := m[k]
	return v, ok
}
