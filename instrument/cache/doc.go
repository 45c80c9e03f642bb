// Package cache monitors how well caches hit: lookups by result, their
// durations, the hit ratio over a rolling window (not since process start),
// and an efficiency score to alert on, per cache type and name.
//
//	m, _ := cache.New()
//	users := m.Cache(cache.TypeApplication, "users") // once; keep the handle
//
//	users.Hit(d)  // a hit that took d
//	users.Miss(d) // a miss that took d
//	users.CountHit() // a hit not worth timing: the cheapest record
//
//	op := users.Start() // times the lookup: the Go form of a context manager
//	if v, ok := store[key]; ok {
//		op.Hit()
//	}
//	op.End() // a miss unless marked a hit
//
//	v, ok := cache.Lookup(users, func() (User, bool) { return lru.Get(id) })
//	wrapped := cache.Wrap[string, User](lru, users) // any Get(K) (V, bool)
//
// The handle's methods allocate nothing and take no lock: counters are
// atomics spread over a few cache lines, so lookups from several cores
// scale, and durations go into histograms.
//
// # Window
//
// The hit ratio and the efficiency cover the rolling window (default 15m,
// [WithWindow]), kept in 30 time buckets: exact to a bucket, 1/30 of the
// window, with old buckets rolling off. A cache not looked up within the
// window reports neither.
//
// # Efficiency
//
// The efficiency score, from 0 to 1, weighs the hit ratio by how much
// faster hits are than misses, over the window:
//
//	efficiency = hitRatio × clamp(1 - meanHit/meanMiss, 0, 1)
//
// with defined values at the edges: without lookups it is 0 (and not
// reported as a metric); with no timed hits or no timed misses, the speed
// factor cannot be measured and is 1, so the efficiency is the hit ratio
// (all hits: 1; all misses: 0); hits as slow as misses or slower give 0.
//
// # Bad input
//
// Nothing panics. A negative duration, or math.MaxInt64 (the saturated
// value that stands for an infinite one), counts the lookup without its
// duration; negative set, eviction or size counts are ignored; names are
// cleaned as in package conn. Each is counted in vitals.input.rejected.
// After [Monitor.Close], handles stay safe to call and nothing they record
// is reported.
package cache // import "github.com/otelvitals/vitals/instrument/cache"
