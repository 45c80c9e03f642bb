package cache

import (
	"context"
	"errors"
	"math"
	"slices"
	"time"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/keyset"
	"github.com/otelvitals/vitals/internal/rejected"
	"github.com/otelvitals/vitals/semconv"
)

// ScopeName is the instrumentation scope of the monitor's meter.
const ScopeName = "github.com/otelvitals/vitals/instrument/cache"

// ErrCacheLimit is reported through otel.Handle, once, when the monitor
// reaches its maximum of caches.
var ErrCacheLimit = errors.New("cache: cache limit reached")

// ErrNilFunc is returned by [Instrumented.GetOrFill] and [LookupOrFill]
// for a nil function or getter, and for a nil fill on a miss: the bad
// input is counted as nil_function.
var ErrNilFunc = errors.New("cache: nil function")

// Monitor watches how well caches hit. Make one with [New], get a handle
// per cache with [Monitor.Cache], and keep it. A Monitor is safe for
// concurrent use.
//
// A nil *Monitor records nothing: Cache returns a nil [Cache], Snapshot is
// empty and Shutdown returns nil.
type Monitor struct {
	cfg     config
	width   int64 // nanoseconds per window bucket
	shell   core.Shell[state]
	rejects *rejected.Counter

	caches keyset.Set[*Cache]
}

// state is one read of the monitor: its snapshot, and the handle of each
// of its caches, in the same order.
type state struct {
	snap   Snapshot
	caches []*Cache
	hists  []core.HistRead // the lookup durations on the fast path
}

// The monitor's metrics, indexed as its Sink points name them.
const (
	mOperations = iota
	mHitRatio
	mEfficiency
	mSets
	mEvictions
	mSize
	mDuration
	mRejected
)

var metrics = []semconv.Metric{
	mOperations: semconv.CacheOperations.Metric,
	mHitRatio:   semconv.CacheHitRatio.Metric,
	mEfficiency: semconv.CacheEfficiency.Metric,
	mSets:       semconv.CacheSets.Metric,
	mEvictions:  semconv.CacheEvictions.Metric,
	mSize:       semconv.CacheSize.Metric,
	mDuration:   semconv.CacheOperationDuration.Metric,
	mRejected:   semconv.InputRejections.Metric,
}

// New returns a Monitor reporting through the configured producer
// ([WithProducer]), or else through observable instruments of the
// configured MeterProvider (the global one by default). It emits, per
// cache:
//
//   - vitals.cache.operations: lookups by result (hit, miss);
//   - vitals.cache.operation.duration: lookup durations by result, 50 µs
//     to 10 s buckets;
//   - vitals.cache.hit_ratio and vitals.cache.efficiency: over the rolling
//     window, for caches looked up in it;
//   - vitals.cache.sets, vitals.cache.evictions and vitals.cache.size, for
//     caches that report them;
//   - vitals.input.rejections: calls whose input was rejected or cleaned.
func New(opts ...Option) (*Monitor, error) {
	cfg := newConfig(opts)
	m := &Monitor{cfg: cfg, caches: keyset.Set[*Cache]{Max: cfg.maxCaches, Limit: ErrCacheLimit}}
	m.width = max(int64(cfg.window)/windowBuckets, 1)
	m.rejects = rejected.New(semconv.SignalCache,
		rejected.ReasonNegativeDuration, rejected.ReasonInfiniteDuration, reasonNegativeCount, reasonInvalidUTF8, reasonNameTooLong, reasonEmptyName,
		rejected.ReasonNilFunc)
	setup := cfg.Setup
	setup.Scope, setup.Metrics = ScopeName, metrics
	setup.Traced = []string{semconv.CacheOperationDuration.Name} // HitContext, MissContext, StartContext
	err := m.shell.Init(setup, m.read, m.emit)
	return m, err
}

// Cache returns the handle of the cache name of type cacheType
// ("application", "ml_model", "configuration", "session" or any other
// string), making it on first use. Keep the handle: Cache takes a lock and
// a map lookup, the handle's methods do not.
//
// Names are cleaned rather than refused: invalid UTF-8 becomes U+FFFD, an
// empty name "unknown", and a name longer than [MaxNameLength] bytes is cut,
// each counted. Past the cache limit, Cache returns the shared overflow
// cache.
func (m *Monitor) Cache(cacheType, name string) *Cache {
	if m == nil {
		return nil
	}
	c, _ := m.caches.Get(m.clean(cacheType), m.clean(name), m.newCache)
	return c
}

func (m *Monitor) cacheList() []*Cache { return m.caches.List() }

// clean makes s a valid, bounded attribute value, counting each repair.
func (m *Monitor) clean(s string) string { return keyset.Clean(s, MaxNameLength, m.reject) }

// emit reports one read, st, to out.
func (m *Monitor) emit(st *state, out core.Sink) {
	for i, c := range st.caches {
		cs := &st.snap.Caches[i]
		out.Int64(mOperations, c.hitAttrs, cs.Hits)
		out.Int64(mOperations, c.missAttrs, cs.Misses)
		if cs.WindowLookups > 0 {
			out.Float64(mHitRatio, c.attrs, cs.WindowHitRatio)
			out.Float64(mEfficiency, c.attrs, cs.Efficiency)
		}
		if cs.Sets > 0 {
			out.Int64(mSets, c.attrs, cs.Sets)
		}
		if cs.Evictions > 0 {
			out.Int64(mEvictions, c.attrs, cs.Evictions)
		}
		if cs.Size >= 0 {
			out.Int64(mSize, c.attrs, cs.Size)
		}
	}
	core.EmitHists(out, mDuration, st.hists)
	m.rejects.Emit(out, mRejected)
}

// window returns the counts of the lookups in the window at now: the totals
// less those marked at the oldest bucket of the window that saw a lookup. A
// clock that stepped back behind the latest bucket reads as one that stood
// still there.
func (c *Cache) window(now int64) totals {
	c.mu.Lock()
	defer c.mu.Unlock()
	cur := max(clock.Bucket(now, c.m.width), c.lastEpoch.Load())
	first := cur - windowBuckets + 1
	var base *mark
	for i := range c.ring {
		mk := &c.ring[i]
		if e := mk.epoch; e != noEpoch && e >= first && e <= cur && (base == nil || e < base.epoch) {
			base = mk
		}
	}
	if base == nil {
		return totals{} // no lookup within the window
	}
	t := c.totals()
	return totals{
		hits: t.hits - base.at.hits, misses: t.misses - base.at.misses,
		hitNanos: t.hitNanos.Minus(base.at.hitNanos), missNanos: t.missNanos.Minus(base.at.missNanos),
		timedHits: t.timedHits - base.at.timedHits, timedMisses: t.timedMisses - base.at.timedMisses,
	}
}

func (t totals) lookups() int64 { return t.hits + t.misses }

// hitRatio is hits over lookups, 0 without lookups.
func (t totals) hitRatio() float64 {
	if n := t.lookups(); n > 0 {
		return float64(t.hits) / float64(n)
	}
	return 0
}

// efficiency is the score of the package documentation.
func (t totals) efficiency() float64 {
	speed, _ := t.speed()
	return t.hitRatio() * speed
}

// speed is the efficiency's latency term, 1 - meanHit/meanMiss, and
// whether it was measured. It abstains, returning 1 and false, without
// timed hits or timed misses, or when the timed misses are no dearer than
// the hits on average: such a miss cannot have included its fill.
func (t totals) speed() (float64, bool) {
	if t.timedHits == 0 || t.timedMisses == 0 {
		return 1, false
	}
	meanHit := t.hitNanos.Nanoseconds() / float64(t.timedHits)
	meanMiss := t.missNanos.Nanoseconds() / float64(t.timedMisses)
	if meanMiss <= meanHit {
		return 1, false
	}
	return math.Min(1-meanHit/meanMiss, 1), true
}

// Shutdown stops the monitor: its metrics are no longer reported (its
// series leave the producer, or its callback is unregistered), handles stay
// safe to use and record nothing, and Snapshot returns the state at
// Shutdown. Under a MeterProvider without the producer, the SDK goes on
// reporting the last values of the duration histograms it holds, as it
// does for every synchronous instrument. Shutdown is idempotent; on a nil
// Monitor it returns nil. ctx is unused: nothing waits.
func (m *Monitor) Shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	return m.shell.Shutdown(ctx, nil)
}

// Reasons counted in vitals.input.rejections (error.type).
const (
	reasonNegativeCount = "negative_count"
	reasonInvalidUTF8   = keyset.ReasonInvalidUTF8
	reasonNameTooLong   = keyset.ReasonNameTooLong
	reasonEmptyName     = keyset.ReasonEmptyName
)

// reject counts bad input, until Shutdown.
func (m *Monitor) reject(reason string) {
	if m != nil && m.shell.Live() {
		m.rejects.Add(reason)
		m.shell.Touch()
	}
}

// Snapshot is the state of every cache of a monitor at one moment.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// Caches holds one entry per cache, in the order they were made.
	Caches []Entry `json:"caches"`
}

// Entry is the state of one cache.
type Entry struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Overflow bool   `json:"overflow,omitempty"`

	// Hits and Misses count the lookups since the cache was made;
	// HitRatio is their ratio (0 without lookups).
	Hits     int64   `json:"hits"`
	Misses   int64   `json:"misses"`
	HitRatio float64 `json:"hit_ratio"`

	// WindowSeconds is the rolling window; WindowLookups, WindowHitRatio and
	// Efficiency are over it (0 without lookups in it).
	WindowSeconds  float64 `json:"window_seconds"`
	WindowLookups  int64   `json:"window_lookups"`
	WindowHitRatio float64 `json:"window_hit_ratio"`
	Efficiency     float64 `json:"efficiency"`
	// LatencyMeasured is whether Efficiency applied its latency term over
	// the window: true when the window holds timed hits and timed misses
	// and the misses are dearer than the hits on average. When false,
	// Efficiency is WindowHitRatio (see the package documentation).
	LatencyMeasured bool `json:"latency_measured"`

	// MeanHitSeconds and MeanMissSeconds are the mean durations of the
	// timed hits and misses since the cache was made, 0 without any. A
	// miss is timed when its duration includes its fill: the misses of
	// [Instrumented.Get], [Lookup] and [Cache.CountMiss] are not.
	MeanHitSeconds  float64 `json:"mean_hit_seconds"`
	MeanMissSeconds float64 `json:"mean_miss_seconds"`
	// SinceFirstLookupSeconds is the time from the cache's first lookup
	// (hit or miss, timed or not) to the snapshot, by the monitor's clock,
	// and 0 before any lookup: how long the cache has been warming, for
	// rules that give a cache filling from cold time to warm up.
	SinceFirstLookupSeconds float64 `json:"since_first_lookup_seconds"`

	Sets      int64 `json:"sets"`
	Evictions int64 `json:"evictions"`
	// Size is the last size reported with SetSize, -1 if never.
	Size int64 `json:"size"`
}

// Snapshot returns the state of every cache, read once per collection
// cycle: a read is shared by the collections, the health score and
// Snapshot calls within one second of it while nothing
// is recorded, and made afresh otherwise. After Shutdown it is the state
// at Shutdown. On a nil Monitor it is the zero Snapshot.
//
// The Snapshot is yours to keep; its Caches slice is a copy, but the slices
// and maps inside its entries are shared with the other consumers of the
// same read: treat them as read-only.
func (m *Monitor) Snapshot() Snapshot {
	if m == nil {
		return Snapshot{}
	}
	s := m.shell.Read().snap
	s.Caches = slices.Clone(s.Caches)
	return s
}

// read reads the state of every cache at now.
func (m *Monitor) read(now int64) *state {
	caches := m.cacheList()
	st := &state{caches: caches, snap: Snapshot{Time: m.shell.Clock.Now(), Caches: make([]Entry, 0, len(caches))}}
	s := &st.snap
	var slab core.Slab
	st.hists = make([]core.HistRead, 0, 2*len(caches))
	for _, c := range caches {
		st.hists = c.missHist.ReadInto(c.hitHist.ReadInto(st.hists, &slab), &slab)
		t := c.totals()
		w := c.window(now)
		cs := Entry{
			Type: c.typ, Name: c.name, Overflow: c.overflow,
			Hits: t.hits, Misses: t.misses, HitRatio: t.hitRatio(),
			WindowSeconds: m.cfg.window.Seconds(), WindowLookups: w.lookups(),
			WindowHitRatio: w.hitRatio(), Efficiency: w.efficiency(),
			Sets: c.sets.Load(), Evictions: c.evictions.Load(), Size: -1,
		}
		if w.lookups() == 0 {
			cs.Efficiency = 0
		}
		_, cs.LatencyMeasured = w.speed()
		if first := c.first.Load(); first != noLookup {
			cs.SinceFirstLookupSeconds = float64(max(now-first, 0)) / 1e9
		}
		if t.timedHits > 0 {
			cs.MeanHitSeconds = t.hitNanos.Nanoseconds() / float64(t.timedHits) / 1e9
		}
		if t.timedMisses > 0 {
			cs.MeanMissSeconds = t.missNanos.Nanoseconds() / float64(t.timedMisses) / 1e9
		}
		if c.sized.Load() {
			cs.Size = c.size.Load()
		}
		s.Caches = append(s.Caches, cs)
	}
	return st
}
