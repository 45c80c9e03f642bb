package feature

import (
	"context"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelvitals/vitals/internal/clock"
	"github.com/otelvitals/vitals/internal/hll"
	"github.com/otelvitals/vitals/internal/rejected"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/keyset"
	"github.com/otelvitals/vitals/internal/nanosum"
	"github.com/otelvitals/vitals/semconv"
)

// subBuckets is the number of parts a window is kept in: window usage and
// unique users are exact to a quarter of the window.
const subBuckets = 4

// Feature is the handle of one feature, returned by [Analytics.Feature].
// Its methods are safe for concurrent use and allocate nothing. A nil
// *Feature (what nil [Analytics] return) records nothing: Record and
// RecordVariant do nothing, Start returns the zero [Op] (End does nothing), Do
// runs its function and returns its error, and Type and Name are empty.
type Feature struct {
	a        *Analytics
	typ      string
	name     string
	overflow bool

	uses     [MaxPatterns][2]atomic.Int64 // by pattern, by outcome (0 success, 1 failure)
	durNanos nanosum.Sum                  // durations of the timed uses, without a fast histogram
	timed    atomic.Int64
	hours    [24]atomic.Int64 // uses by hour of day

	mu     sync.Mutex                  // guards latest, users and counts
	latest int64                       // the newest quarter recorded in; noEpoch before
	users  *hll.Window                 // distinct users by quarter, and of the window
	counts [2 * subBuckets]countBucket // this window's and the one before

	hist  *core.Hist
	base  []attribute.KeyValue
	attrs *core.Attrs

	optMu    sync.Mutex // serialises the making of useAttrs and variants' attrs, at first collection
	useAttrs [MaxPatterns][2]atomic.Pointer[core.Attrs]

	// version counts the uses recorded, bumped under mu once a use's
	// counters are all in; last is the read made at a version and quarter,
	// which the next read reuses while neither moves. Only the read touches
	// last.
	version uint64
	last    *lastRead

	variantMu sync.Mutex                    // guards the names of variants, taken in order
	variants  [MaxVariants + 1]variantCount // the last is "other"
	nVariants atomic.Int32
}

type variantCount struct {
	name  string
	count atomic.Int64
	attrs atomic.Pointer[core.Attrs] // made at first collection
}

type countBucket struct {
	epoch         int64 // quarter number; noEpoch when unused
	uses, success int64
}

// noEpoch is the epoch of a bucket that holds nothing.
const noEpoch = math.MinInt64

// quarter returns the quarter of the window that now falls in: now divided
// by the quarter's width, rounded down (readings before the clock's origin
// are negative), and never older than the newest quarter recorded in, so
// that a clock that steps back reads as one that stood still and never
// overwrites a newer quarter. The caller holds f.mu.
func (f *Feature) quarter(now int64) int64 {
	w := f.a.sub
	q := now / w
	if now < 0 && q*w != now {
		q--
	}
	return max(q, f.latest)
}

func (a *Analytics) newFeature(typ, name string, overflow bool) *Feature {
	f := &Feature{a: a, typ: typ, name: name, overflow: overflow, latest: noEpoch, users: hll.NewWindow(subBuckets)}
	for i := range f.counts {
		f.counts[i].epoch = noEpoch
	}
	base := []attribute.KeyValue{semconv.FeatureTypeKey.String(typ), semconv.FeatureNameKey.String(name)}
	if overflow {
		base = []attribute.KeyValue{semconv.Overflow}
	}
	f.base = base
	f.attrs = core.NewAttrs(base...)
	f.hist = a.shell.Hist(mDuration, f.attrs)
	return f
}

// usageAttrs returns the attributes of pattern p and outcome o, making
// them the first time.
func (f *Feature) usageAttrs(p, o int) *core.Attrs {
	if a := f.useAttrs[p][o].Load(); a != nil {
		return a
	}
	f.optMu.Lock()
	defer f.optMu.Unlock()
	if f.useAttrs[p][o].Load() == nil {
		outcome := semconv.FeatureOutcomeSuccess
		if o == 1 {
			outcome = semconv.FeatureOutcomeFailure
		}
		kvs := append(append([]attribute.KeyValue(nil), f.base...),
			semconv.FeaturePatternKey.String(f.a.patterns.name(p)), semconv.FeatureOutcomeKey.String(outcome))
		f.useAttrs[p][o].Store(core.NewAttrs(kvs...))
	}
	return f.useAttrs[p][o].Load()
}

// Type returns the feature's type, and [Feature.Name] its name; both are
// empty for the overflow feature.
func (f *Feature) Type() string {
	if f == nil {
		return ""
	}
	return f.typ
}

// Name returns the feature's name.
func (f *Feature) Name() string {
	if f == nil {
		return ""
	}
	return f.name
}

// Record records one use of the feature by user (an identifier that is
// hashed at once and never stored; "" for an anonymous use), in the usage
// pattern ("direct_call", "batch_operation", "background_task" or another
// string), taking d, and whether it succeeded. A negative d, or the
// saturated math.MaxInt64 that stands for an infinite duration (what
// time.Time.Sub returns on overflow), records the use without a duration,
// counted as bad input. ctx only carries the trace of exemplars; a nil ctx
// is taken as context.Background(). A clock that stepped back ([WithClock])
// books the use in the newest quarter of the window: no time passed.
func (f *Feature) Record(ctx context.Context, user, pattern string, d time.Duration, success bool) {
	if f == nil || !f.a.shell.Live() {
		return
	}
	defer f.a.shell.Touch()
	if ctx == nil {
		ctx = context.Background()
	}
	now := f.a.shell.Clock.Nanotime()
	p := f.a.patternIndex(pattern)
	o := 0
	if !success {
		o = 1
	}
	f.uses[p][o].Add(1)
	f.hours[f.a.hour(now)].Add(1)
	if r := rejected.DurationReason(d); r != "" {
		f.a.reject(r)
	} else {
		if !f.hist.Fast() { // a fast histogram keeps the count and the sum itself
			f.durNanos.Add(int64(d))
			f.timed.Add(1)
		}
		f.hist.Record(ctx, d.Seconds())
	}
	var h uint64
	if user != "" {
		h = f.a.hashUser(user)
	}
	f.mu.Lock()
	sub := f.quarter(now)
	f.latest = sub
	if user != "" {
		f.users.Insert(sub, h)
	}
	c := &f.counts[clock.Slot(sub, 2*subBuckets)]
	if c.epoch != sub {
		*c = countBucket{epoch: sub}
	}
	c.uses++
	if success {
		c.success++
	}
	f.version++ // last, under the lock: every change of this use is in
	f.mu.Unlock()
	if s := f.a.sink.Load(); s != nil && user != "" {
		s.AddUser(f, h)
	}
}

// RecordVariant records one use as [Feature.Record] does, and the variant
// it gave (a feature flag's "on", "off", "blue"...). At most [MaxVariants]
// variants are kept per feature; further ones count as "other". An empty
// variant records the use alone. On a nil Feature it does nothing.
func (f *Feature) RecordVariant(ctx context.Context, user, pattern, variant string, d time.Duration, success bool) {
	if f == nil || !f.a.shell.Live() {
		return
	}
	if variant != "" { // before Record, whose version mark then covers it
		f.variant(variant).count.Add(1)
	}
	f.Record(ctx, user, pattern, d, success)
}

// variant returns the counter of variant, taking it in while there is room.
// Known variants are found by a scan of at most MaxVariants names, without
// a lock.
func (f *Feature) variant(name string) *variantCount {
	n := int(f.nVariants.Load())
	for i := range n {
		if f.variants[i].name == name {
			return &f.variants[i]
		}
	}
	// A name that needs cleaning never matches a kept one as it is: match
	// it cleaned (each such call is bad input, counted).
	clean := keyset.Clean(name, MaxNameLength, f.a.reject)
	f.variantMu.Lock()
	defer f.variantMu.Unlock()
	n = int(f.nVariants.Load())
	for i := range n {
		if f.variants[i].name == clean {
			return &f.variants[i]
		}
	}
	if n == MaxVariants {
		f.a.reject(reasonTooManyVariants)
		return &f.variants[MaxVariants]
	}
	f.variants[n].name = clean
	f.nVariants.Store(int32(n + 1))
	return &f.variants[n]
}

// variantAttrs returns the attributes of variant i, making them the first
// time.
func (f *Feature) variantAttrs(i int) *core.Attrs {
	v := &f.variants[i]
	if a := v.attrs.Load(); a != nil {
		return a
	}
	f.optMu.Lock()
	defer f.optMu.Unlock()
	if v.attrs.Load() == nil {
		name := v.name
		if i == MaxVariants {
			name = PatternOther
		}
		kvs := append(append([]attribute.KeyValue(nil), f.base...), semconv.FeatureVariantKey.String(name))
		v.attrs.Store(core.NewAttrs(kvs...))
	}
	return v.attrs.Load()
}

// useCounts is what one read took of a feature's use counters, with the
// maps a snapshot shows of them. Reads share one while the feature stands
// still (lastRead), so its maps are read-only.
type useCounts struct {
	uses       [MaxPatterns][2]int64  // by pattern and outcome
	variants   [MaxVariants + 1]int64 // the last is "other"
	patterns   map[string]int64       // uses by pattern name
	variantMap map[string]int64       // uses by variant, nil with none
}

// useCounts reads the feature's use counters into a new record. Reads
// share it through lastRead while the feature stands still.
func (f *Feature) useCounts() *useCounts {
	c := &useCounts{patterns: map[string]int64{}}
	for p := range MaxPatterns {
		c.uses[p][0], c.uses[p][1] = f.uses[p][0].Load(), f.uses[p][1].Load()
	}
	for v := range c.variants {
		c.variants[v] = f.variants[v].count.Load()
	}
	for p := range MaxPatterns {
		if n := c.uses[p][0] + c.uses[p][1]; n > 0 {
			c.patterns[f.a.patterns.name(p)] = n
		}
	}
	n := int(f.nVariants.Load())
	for i, k := range c.variants {
		if k == 0 || (i >= n && i < MaxVariants) {
			continue
		}
		if c.variantMap == nil {
			c.variantMap = map[string]int64{}
		}
		name := PatternOther
		if i < MaxVariants {
			name = f.variants[i].name
		}
		c.variantMap[name] = k
	}
	return c
}

// Start begins timing one use by user in pattern; call [Op.End] with the
// use's error (nil for success) when it ends: the Go form of a context
// manager, as [github.com/otelvitals/vitals/instrument/cache.Cache.Start]
// is for a lookup.
//
//	op := f.Start(ctx, userID, feature.PatternDirectCall)
//	err := work()
//	op.End(err)
//
// Keep the Op in a local variable; it allocates nothing. A clock that
// stepped back ([WithClock]) times the use as 0. On a nil Feature, Start
// returns the zero Op, whose End does nothing.
func (f *Feature) Start(ctx context.Context, user, pattern string) Op {
	if f == nil {
		return Op{}
	}
	return Op{f: f, ctx: ctx, user: user, pattern: pattern, start: f.a.shell.Mono.Nanotime()}
}

// Op times one use of a feature, from [Feature.Start] to [Op.End]. The
// zero Op, and a nil *Op, record nothing.
type Op struct {
	f             *Feature
	ctx           context.Context
	user, pattern string
	start         int64
	ended         uint32 // set, atomically, by the first End
}

// End records the use, timed from Start, as a success when err is nil and
// a failure otherwise. Only the first End of an Op records; it is safe to
// call from several goroutines at once.
func (o *Op) End(err error) {
	if o == nil || o.f == nil || !atomic.CompareAndSwapUint32(&o.ended, 0, 1) {
		return
	}
	o.f.Record(o.ctx, o.user, o.pattern, o.f.since(o.start), err == nil)
}

// since returns the time from start on the monotonic clock, 0 if the clock
// stepped back: no time passed.
func (f *Feature) since(start int64) time.Duration {
	return time.Duration(max(f.a.shell.Mono.Nanotime()-start, 0))
}

// Do runs fn as one use of f by user in pattern, timed, with fn's error as
// its outcome, and returns that error: the Go form of a decorator. fn gets
// ctx, context.Background() for a nil ctx; Do does not check ctx itself, so
// a cancelled ctx is fn's to honour. A nil fn returns [ErrNilFunc].
//
// If fn panics (or ends its goroutine with runtime.Goexit), the use is
// recorded as a failure, timed to then, and the panic goes on unchanged,
// with its stack. On a nil Feature, Do runs fn and returns its error,
// recording nothing (and still returns ErrNilFunc, uncounted, for a nil
// fn).
func (f *Feature) Do(ctx context.Context, user, pattern string, fn func(context.Context) error) error {
	if fn == nil {
		f.reject(rejected.ReasonNilFunc)
		return ErrNilFunc
	}
	if ctx == nil {
		ctx = context.Background()
	}
	if f == nil {
		return fn(ctx)
	}
	start := f.a.shell.Mono.Nanotime()
	returned := false
	defer func() {
		if !returned {
			f.Record(ctx, user, pattern, f.since(start), false)
		}
	}()
	err := fn(ctx)
	returned = true
	f.Record(ctx, user, pattern, f.since(start), err == nil)
	return err
}

// reject counts bad input; a nil Feature counts nothing.
func (f *Feature) reject(reason string) {
	if f != nil {
		f.a.reject(reason)
	}
}

// window returns, at now, the uses and successes of this window and of the
// one before, and the unique users of this window: O(1), the users read
// from a union of the window's quarters that Record keeps up to date.
func (f *Feature) window(now int64) (cur, prev countBucket, users uint64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	sub := f.quarter(now)
	for _, c := range f.counts {
		if c.epoch == noEpoch {
			continue
		}
		switch age := sub - c.epoch; {
		case age < 0:
		case age < subBuckets:
			cur.uses += c.uses
			cur.success += c.success
		case age < 2*subBuckets:
			prev.uses += c.uses
			prev.success += c.success
		}
	}
	return cur, prev, f.users.Estimate(sub)
}
