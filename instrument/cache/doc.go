// Package cache monitors how well caches hit: lookups by result, their
// durations, the hit ratio over a rolling window (not since process start),
// and an efficiency score to alert on, per cache type and name.
//
// In a service set up by [github.com/otelvitals/vitals.Start], give the
// monitor Start's provider and producer, so that its metrics leave through
// Start's exporters (the package example shows it whole); without options,
// cache.New() records into the global MeterProvider, which Start does not
// set.
//
//	m, err := cache.New(cache.WithMeterProvider(sys.MeterProvider()), cache.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer m.Shutdown(ctx)
//	users := m.Cache(cache.TypeApplication, "users") // once; keep the handle
//
//	users.Hit(200 * time.Microsecond) // a hit that took 200µs
//	users.Miss(3 * time.Millisecond)  // a miss that took 3ms, its fill included
//	users.CountHit()                  // a hit not worth timing: the cheapest record
//
//	op := users.Start() // times the lookup: the Go form of a context manager
//	v, ok := store[key]
//	if ok {
//		op.Hit()
//	} else {
//		v = load(key) // the fill, timed with the miss
//		store[key] = v
//	}
//	op.End() // a miss unless marked a hit
//
// [Lookup] and [Wrap] time the lookups of a cache of your own, whatever
// its type:
//
//	models := m.Cache(cache.TypeMLModel, "models")
//	if n, ok := cache.Lookup(models, func() (int, bool) { return lru.Get("resnet") }); ok {
//		fmt.Println("found", n)
//	}
//	wrapped := cache.Wrap[string, int](lru, models) // any Get(K) (V, bool)
//	n, err := wrapped.GetOrFill(id, loadModel)      // times the fill too
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
//	efficiency = hitRatio × (1 - meanHit/meanMiss)
//
// where meanHit is the mean duration of the timed hits and meanMiss that
// of the timed misses. A miss is timed when its duration includes its
// fill, the loading of the missing value, since that is what a hit saves:
// the misses of [Instrumented.GetOrFill], [LookupOrFill], [Cache.Miss] and
// [Cache.Start] to [Op.End] are timed. The Get of [Wrap] and [Lookup] time
// the lookup alone, never seeing the fill, so their misses are counted and
// their durations recorded in vitals.cache.operation.duration, but they do
// not enter the latency term; their hits do. [Cache.CountHit] and
// [Cache.CountMiss] carry no duration.
//
// The latency term abstains, being 1 so that the efficiency is the hit
// ratio, when the window holds no timed hits, no timed misses, or timed
// misses no dearer than the hits on average (meanMiss <= meanHit): a timed
// miss no dearer than a hit cannot have included its fill.
// [Entry.LatencyMeasured] says whether the term applied. Without
// lookups the efficiency is 0 (and not reported as a metric); all hits
// give 1, all misses 0.
//
// # Bad input
//
// Nothing panics. A negative duration, or math.MaxInt64 (the saturated
// value that stands for an infinite one), counts the lookup without its
// duration; negative set, eviction or size counts are ignored; names are
// cleaned as in package conn; a nil Getter or lookup function records no
// lookup, and a nil fill leaves a miss unfilled, each counted as
// nil_function ([Instrumented.GetOrFill] and [LookupOrFill] then return
// [ErrNilFunc]). Each is counted in vitals.input.rejections. After
// [Monitor.Shutdown], handles stay safe to call and nothing they record is
// reported. The set and eviction counts saturate at math.MaxInt64 instead
// of wrapping to negative.
//
// A clock that steps back ([WithClock]) counts as no time passing: a
// lookup while it is behind counts in the window's latest bucket, never
// over a newer one, and an [Op] timed across the step takes 0.
//
// A window out of range is clamped, and reported to otel.Handle, never
// refused: to [MinWindow] (1s) to [MaxWindow] (24h), so that the window's
// buckets never shrink to nothing; values <= 0 keep the default.
//
// Nil handles are no-ops: every method of a nil [*Monitor], [*Cache] or
// [*Instrumented], of the zero [Op] and of a nil *Op does nothing and
// returns zero values (a nil Cache, the zero Op, an empty Snapshot, nil
// errors); [Lookup] and [LookupOrFill] on a nil Cache still call their
// functions, recording nothing, and return what they return. Arguments
// that are errors in themselves still return theirs, uncounted:
// [ErrNilFunc] for a nil function, and from a nil *Instrumented's
// GetOrFill, which has no Getter. A nil check is all it costs.
package cache // import "github.com/otelvitals/vitals/instrument/cache"
