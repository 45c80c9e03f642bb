package cache

import (
	"context"
	"math"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/rejected"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/fasthist"
	"github.com/otelvitals/vitals/internal/nanosum"
	"github.com/otelvitals/vitals/semconv"
)

// counters are one stripe of a cache's lookup counters, padded to two
// cache lines so that neighbouring stripes never share one.
type counters struct {
	hits, misses         atomic.Int64
	timedHits, timedMiss atomic.Int64 // hits with a duration, misses with one that includes the fill
	hitNanos, missNanos  nanosum.Sum  // durations of the timed lookups
	_                    [64]byte
}

// totals are a cache's cumulative counts at one moment.
type totals struct {
	hits, misses, timedHits, timedMisses int64
	hitNanos, missNanos                  nanosum.Total
}

// Cache is the handle of one cache, returned by [Monitor.Cache]. Its
// methods are safe for concurrent use and allocate nothing. A nil *Cache
// (what a nil [Monitor] returns) records nothing: its methods do nothing,
// Start returns the zero [Op], and Type and Name are empty; [Lookup],
// [LookupOrFill] and [Wrap] given one still look up, and record nothing.
type Cache struct {
	m        *Monitor
	typ      string
	name     string
	overflow bool

	// stripes are the copies of the counters, fasthist.Stripes of them
	// (GOMAXPROCS rounded up to a power of two, at most 16): a lookup
	// adds to one chosen at random, so lookups on different cores rarely
	// write the same cache line, and a read adds them up.
	stripes   []counters
	mask      uint32
	lastEpoch atomic.Int64 // window bucket of the latest lookup; noEpoch before it
	first     atomic.Int64 // clock reading of the first lookup; noLookup before it
	sets      atomic.Int64
	evictions atomic.Int64
	size      atomic.Int64
	sized     atomic.Bool

	mu   sync.Mutex // guards ring
	ring [windowBuckets]mark

	hitHist, missHist *core.Hist
	hitAttrs          *core.Attrs
	missAttrs         *core.Attrs
	attrs             *core.Attrs
}

// noLookup is Cache.first before the cache's first lookup, and noEpoch a
// window bucket that holds nothing.
const (
	noLookup = math.MinInt64
	noEpoch  = math.MinInt64
)

// windowBuckets is the number of time buckets of the hit-ratio window: the
// ratio is exact to a bucket, 1/30 of the window.
const windowBuckets = 30

// mark holds a cache's totals when the first lookup of a window bucket came.
type mark struct {
	epoch int64 // bucket number; noEpoch when unused
	at    totals
}

func (m *Monitor) newCache(typ, name string, overflow bool) *Cache {
	c := &Cache{m: m, typ: typ, name: name, overflow: overflow,
		stripes: make([]counters, fasthist.Stripes), mask: uint32(fasthist.Stripes - 1)}
	c.lastEpoch.Store(noEpoch)
	c.first.Store(noLookup)
	for i := range c.ring {
		c.ring[i].epoch = noEpoch
	}
	base := []attribute.KeyValue{semconv.CacheTypeKey.String(typ), semconv.CacheNameKey.String(name)}
	if overflow {
		base = []attribute.KeyValue{semconv.Overflow}
	}
	with := func(kv ...attribute.KeyValue) *core.Attrs {
		return core.NewAttrs(append(append([]attribute.KeyValue(nil), base...), kv...)...)
	}
	c.hitAttrs = with(semconv.CacheResultKey.String(semconv.CacheResultHit))
	c.missAttrs = with(semconv.CacheResultKey.String(semconv.CacheResultMiss))
	c.attrs = with()
	c.hitHist = m.shell.Hist(mDuration, c.hitAttrs)
	c.missHist = m.shell.Hist(mDuration, c.missAttrs)
	return c
}

// Type returns the cache's type, and [Cache.Name] its name; both are empty
// for the overflow cache.
func (c *Cache) Type() string {
	if c == nil {
		return ""
	}
	return c.typ
}

// Name returns the cache's name.
func (c *Cache) Name() string {
	if c == nil {
		return ""
	}
	return c.name
}

// reject counts bad input; a nil Cache counts nothing.
func (c *Cache) reject(reason string) {
	if c != nil {
		c.m.reject(reason)
	}
}

// Hit records a lookup that found its entry and took d. A negative d, or
// the saturated math.MaxInt64 that stands for an infinite duration (what
// time.Time.Sub returns on overflow), is counted as a hit without a
// duration, and as bad input.
func (c *Cache) Hit(d time.Duration) {
	if c == nil {
		return
	}
	c.hit(context.Background(), d)
}

// HitContext records a hit as [Cache.Hit] does, with the trace of ctx: with
// exemplars on (vitals.Config.Exemplars, or OTEL_METRICS_EXEMPLAR_FILTER),
// its duration can carry the trace as an exemplar. A nil ctx is taken as
// context.Background().
func (c *Cache) HitContext(ctx context.Context, d time.Duration) {
	if c == nil {
		return
	}
	c.hit(orBackground(ctx), d)
}

// orBackground returns ctx, or context.Background() for a nil ctx.
func orBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}

// hit records a hit that took d, with the trace of ctx.
func (c *Cache) hit(ctx context.Context, d time.Duration) {
	st := c.count()
	if st == nil {
		return
	}
	defer c.m.shell.Touch()
	st.hits.Add(1)
	if r := rejected.DurationReason(d); r != "" {
		c.m.reject(r)
		return
	}
	st.hitNanos.Add(int64(d))
	st.timedHits.Add(1)
	c.hitHist.Record(ctx, d.Seconds())
}

// Miss records a lookup that did not find its entry and took d. Let d
// include the fill, the loading of the missing value: it is what a hit
// saves, and what the efficiency's latency term weighs hits against (see
// the package documentation). A negative or infinite (math.MaxInt64) d is
// counted as a miss without a duration, and as bad input.
func (c *Cache) Miss(d time.Duration) {
	if c == nil {
		return
	}
	c.miss(context.Background(), d, true)
}

// MissContext records a miss as [Cache.Miss] does, with the trace of ctx,
// as [Cache.HitContext] does for hits.
func (c *Cache) MissContext(ctx context.Context, d time.Duration) {
	if c == nil {
		return
	}
	c.miss(orBackground(ctx), d, true)
}

// missUnfilled records a miss whose d is the lookup's alone, without the
// fill: the durations of [Instrumented.Get] and [Lookup]. Its d goes into
// the duration histogram but not into the efficiency's latency term, which
// it would make look as if misses cost no more than hits.
func (c *Cache) missUnfilled(ctx context.Context, d time.Duration) { c.miss(ctx, d, false) }

// miss records a miss that took d; filled says whether d includes the
// fill, so that the miss feeds the latency term.
func (c *Cache) miss(ctx context.Context, d time.Duration, filled bool) {
	st := c.count()
	if st == nil {
		return
	}
	defer c.m.shell.Touch()
	st.misses.Add(1)
	if r := rejected.DurationReason(d); r != "" {
		c.m.reject(r)
		return
	}
	if filled {
		st.missNanos.Add(int64(d))
		st.timedMiss.Add(1)
	}
	c.missHist.Record(ctx, d.Seconds())
}

// CountHit records a hit without a duration: the cheapest record, for hot
// lookups not worth timing. The efficiency then weighs the hit ratio alone
// (see the package documentation).
func (c *Cache) CountHit() {
	if c == nil {
		return
	}
	if st := c.count(); st != nil {
		st.hits.Add(1)
		c.m.shell.Touch()
	}
}

// CountMiss records a miss without a duration.
func (c *Cache) CountMiss() {
	if c == nil {
		return
	}
	if st := c.count(); st != nil {
		st.misses.Add(1)
		c.m.shell.Touch()
	}
}

// count moves the window on when the lookup opens a new bucket and returns
// the stripe to add to, or nil after Shutdown. A clock that stepped back
// behind the latest bucket opens none: the lookup counts in the latest
// bucket, as if no time had passed, and never overwrites a newer bucket's
// mark.
func (c *Cache) count() *counters {
	if !c.m.shell.Live() {
		return nil
	}
	now := c.m.shell.Clock.Nanotime()
	if e := clock.Bucket(now, c.m.width); e > c.lastEpoch.Load() {
		c.roll(e, now)
	}
	return &c.stripes[rand.Uint32()&c.mask]
}

// roll marks the totals at the start of bucket e, once, and keeps now as
// the time of the first lookup if none came before.
func (c *Cache) roll(e, now int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e <= c.lastEpoch.Load() {
		return
	}
	if c.first.Load() == noLookup {
		c.first.Store(now)
	}
	c.ring[clock.Slot(e, windowBuckets)] = mark{epoch: e, at: c.totals()}
	c.lastEpoch.Store(e)
}

// totals adds the stripes up.
func (c *Cache) totals() totals {
	var t totals
	for i := range c.stripes {
		st := &c.stripes[i]
		t.hits += st.hits.Load()
		t.misses += st.misses.Load()
		t.hitNanos = t.hitNanos.Plus(st.hitNanos.Load())
		t.missNanos = t.missNanos.Plus(st.missNanos.Load())
		t.timedHits += st.timedHits.Load()
		t.timedMisses += st.timedMiss.Load()
	}
	return t
}

// Set counts n entries written to the cache. A negative n is bad input,
// ignored. The count saturates at math.MaxInt64 instead of wrapping to a
// negative one: a counter that went back would read as a reset.
func (c *Cache) Set(n int) {
	if c == nil {
		return
	}
	if n < 0 {
		c.m.reject(reasonNegativeCount)
		return
	}
	if c.m.shell.Live() {
		addSaturating(&c.sets, int64(n))
		c.m.shell.Touch()
	}
}

// Evicted counts n entries evicted from the cache. A negative n is bad
// input, ignored. The count saturates at math.MaxInt64, as Set's does.
func (c *Cache) Evicted(n int) {
	if c == nil {
		return
	}
	if n < 0 {
		c.m.reject(reasonNegativeCount)
		return
	}
	if c.m.shell.Live() {
		addSaturating(&c.evictions, int64(n))
		c.m.shell.Touch()
	}
}

// addSaturating adds n >= 0 to a, stopping at math.MaxInt64.
func addSaturating(a *atomic.Int64, n int64) {
	for {
		old := a.Load()
		sum := old + n
		if sum < old {
			sum = math.MaxInt64
		}
		if sum == old || a.CompareAndSwap(old, sum) {
			return
		}
	}
}

// SetSize reports the number of entries the cache holds; once called, the
// size is reported at every collection. A negative n is bad input, ignored.
func (c *Cache) SetSize(n int) {
	if c == nil {
		return
	}
	if n < 0 {
		c.m.reject(reasonNegativeCount)
		return
	}
	if !c.m.shell.Live() {
		return
	}
	c.size.Store(int64(n))
	if !c.sized.Load() {
		c.sized.Store(true)
	}
	c.m.shell.Touch()
}

// Op times one lookup, from [Cache.Start] to [Op.End]: the Go form of a
// context manager. Keep it in a local variable; it allocates nothing. The
// zero Op, which a nil [Cache] hands out, and a nil *Op record nothing.
type Op struct {
	c     *Cache
	ctx   context.Context // the trace the duration is recorded with; nil for none
	start int64
	hit   bool
	done  bool
}

// Start begins timing a lookup. End a miss after its fill, so that its
// duration is the whole cost of the miss, as [Cache.Miss] asks.
//
//	op := c.Start()
//	v, ok := lookup(key)
//	if ok {
//		op.Hit()
//	} else {
//		v = load(key) // the fill, timed with the miss
//	}
//	op.End()
func (c *Cache) Start() Op {
	if c == nil {
		return Op{}
	}
	return Op{c: c, start: c.m.shell.Mono.Nanotime()}
}

// StartContext begins timing a lookup as [Cache.Start] does; End records
// its duration with the trace of ctx, as [Cache.HitContext] does.
func (c *Cache) StartContext(ctx context.Context) Op {
	if c == nil {
		return Op{}
	}
	return Op{c: c, ctx: ctx, start: c.m.shell.Mono.Nanotime()}
}

// Hit marks the lookup as a hit; without it, End records a miss.
func (o *Op) Hit() {
	if o != nil {
		o.hit = true
	}
}

// End records the lookup as a hit or a miss with its duration, as
// [Cache.Hit] and [Cache.Miss] do. Ending an Op twice records it once. A
// clock that stepped back since Start ([WithClock]) gives a duration of 0:
// no time passed.
func (o *Op) End() { o.end(true) }

// end records the lookup; filled says whether a miss's duration includes
// its fill (see [Cache.missUnfilled]).
func (o *Op) end(filled bool) {
	if o == nil || o.done || o.c == nil {
		return
	}
	o.done = true
	d := time.Duration(max(o.c.m.shell.Mono.Nanotime()-o.start, 0))
	ctx := orBackground(o.ctx)
	switch {
	case o.hit:
		o.c.hit(ctx, d)
	case filled:
		o.c.miss(ctx, d, true)
	default:
		o.c.missUnfilled(ctx, d)
	}
}

// Lookup times fn, a lookup that reports whether it found its entry, and
// records it as a hit or a miss: the Go form of a decorator.
//
//	v, ok := cache.Lookup(users, func() (User, bool) { return store.Get(id) })
//
// Lookup never sees the fill that follows a miss, so a miss's duration is
// recorded in vitals.cache.operation.duration but does not enter the
// efficiency's latency term; use [LookupOrFill] to time the fill too.
//
// A nil fn finds nothing and records nothing but the bad input, counted as
// nil_function. With a nil c, fn is called and nothing is recorded.
func Lookup[V any](c *Cache, fn func() (V, bool)) (V, bool) {
	if fn == nil {
		c.reject(rejected.ReasonNilFunc)
		var zero V
		return zero, false
	}
	op := c.Start()
	v, ok := fn()
	if ok {
		op.Hit()
	}
	op.end(false)
	return v, ok
}

// LookupOrFill is [Lookup] with the fill: it calls get, and on a miss fill,
// which loads the value (from a database, say), and records a hit that
// took get's time or a miss that took get's and fill's, the whole cost of
// the miss, which the efficiency's latency term weighs hits against. It
// returns the value get found, or fill's value and error; a miss is timed
// with its fill whatever fill returns.
//
//	u, err := cache.LookupOrFill(users,
//		func() (User, bool) { return lru.Get(id) },
//		func() (User, error) {
//			u, err := db.User(ctx, id)
//			if err == nil {
//				lru.Add(id, u) // LookupOrFill stores nothing
//			}
//			return u, err
//		})
//
// LookupOrFill does not store the filled value: fill, or the caller, does.
// A nil get finds nothing and records nothing but the bad input, counted
// as nil_function, and returns [ErrNilFunc]. A nil fill is allowed on a
// hit; on a miss, the miss is recorded as Lookup records it, the bad input
// is counted as nil_function, and LookupOrFill returns the zero V and
// [ErrNilFunc]. With a nil c, get and fill are called as usual and nothing
// is recorded or counted.
func LookupOrFill[V any](c *Cache, get func() (V, bool), fill func() (V, error)) (V, error) {
	var zero V
	if get == nil {
		c.reject(rejected.ReasonNilFunc)
		return zero, ErrNilFunc
	}
	op := c.Start()
	if v, ok := get(); ok {
		op.Hit()
		op.End()
		return v, nil
	}
	if fill == nil {
		op.end(false)
		c.reject(rejected.ReasonNilFunc)
		return zero, ErrNilFunc
	}
	v, err := fill()
	op.End()
	return v, err
}

// Getter is any cache with a Get(K) (V, bool) method: a map behind a
// mutex, hashicorp/golang-lru, dgraph-io/ristretto, and most others.
type Getter[K comparable, V any] interface {
	Get(key K) (V, bool)
}

// Instrumented is a Getter whose lookups are recorded in a Cache. One made
// with a nil Cache looks up and records nothing. A nil *Instrumented holds
// no Getter: its Get finds nothing and its GetOrFill returns [ErrNilFunc],
// as with a nil Getter, and nothing is counted.
type Instrumented[K comparable, V any] struct {
	inner Getter[K, V]
	cache *Cache
}

// Wrap returns g with every Get timed and recorded in c as a hit or a miss.
// The wrapped cache is unchanged; use it for writes and everything else.
// With a nil g, every Get finds nothing and records nothing but the bad
// input, counted as nil_function, and every GetOrFill returns [ErrNilFunc]
// the same way.
func Wrap[K comparable, V any](g Getter[K, V], c *Cache) *Instrumented[K, V] {
	return &Instrumented[K, V]{inner: g, cache: c}
}

// Get looks key up in the wrapped cache and records the lookup. Get never
// sees the fill that follows a miss, so a miss's duration is recorded in
// vitals.cache.operation.duration but does not enter the efficiency's
// latency term; use [Instrumented.GetOrFill] to time the fill too.
func (w *Instrumented[K, V]) Get(key K) (V, bool) {
	if w == nil {
		var zero V
		return zero, false
	}
	if w.inner == nil {
		w.cache.reject(rejected.ReasonNilFunc)
		var zero V
		return zero, false
	}
	op := w.cache.Start()
	v, ok := w.inner.Get(key)
	if ok {
		op.Hit()
	}
	op.end(false)
	return v, ok
}

// GetOrFill looks key up in the wrapped cache and, on a miss, calls fill,
// which loads the value (from a database, say). It records a hit that
// took the Get's time, or a miss that took the Get's and fill's, the whole
// cost of the miss, which the efficiency's latency term weighs hits
// against. It returns the value found, or fill's value and error; a miss
// is timed with its fill whatever fill returns.
//
//	users := cache.Wrap[int, User](lru, c)
//	u, err := users.GetOrFill(id, func(id int) (User, error) {
//		u, err := db.User(ctx, id)
//		if err == nil {
//			lru.Add(id, u) // GetOrFill stores nothing
//		}
//		return u, err
//	})
//
// GetOrFill does not store the filled value, since a Getter has no Set:
// fill, or the caller, writes it to the wrapped cache. A nil fill is
// allowed on a hit; on a miss, the miss is recorded as Get records it, the
// bad input is counted as nil_function, and GetOrFill returns the zero V
// and [ErrNilFunc]. GetOrFill is safe for concurrent use if the wrapped
// cache is; concurrent misses of one key each call fill.
func (w *Instrumented[K, V]) GetOrFill(key K, fill func(K) (V, error)) (V, error) {
	var zero V
	if w == nil {
		return zero, ErrNilFunc
	}
	if w.inner == nil {
		w.cache.reject(rejected.ReasonNilFunc)
		return zero, ErrNilFunc
	}
	op := w.cache.Start()
	if v, ok := w.inner.Get(key); ok {
		op.Hit()
		op.End()
		return v, nil
	}
	if fill == nil {
		op.end(false)
		w.cache.reject(rejected.ReasonNilFunc)
		return zero, ErrNilFunc
	}
	v, err := fill(key)
	op.End()
	return v, err
}
