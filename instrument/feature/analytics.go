package feature

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/keyset"
	"github.com/otelvitals/vitals/internal/rejected"
	"github.com/otelvitals/vitals/internal/siphash"
	"github.com/otelvitals/vitals/semconv"
)

// ScopeName is the instrumentation scope of the analytics' meter.
const ScopeName = "github.com/otelvitals/vitals/instrument/feature"

// ErrFeatureLimit is reported through otel.Handle, once, when the analytics
// reach their maximum of features.
var ErrFeatureLimit = errors.New("feature: feature limit reached")

// ErrNilFunc is returned by [Feature.Do] for a nil function: nothing is
// run or recorded, and the bad input is counted as nil_function.
var ErrNilFunc = errors.New("feature: nil function")

// Analytics tracks which features are used, by how many distinct users,
// how successfully and how fast. Make one with [New], get a handle per
// feature with [Analytics.Feature], and keep it. Analytics are safe for
// concurrent use.
//
// Nil *Analytics record nothing: Feature returns a nil [Feature], Snapshot
// is empty and Shutdown returns nil.
type Analytics struct {
	cfg      config
	shell    core.Shell[state]
	sub      int64 // nanoseconds per quarter window
	rejects  *rejected.Counter
	features keyset.Set[*Feature]
	patterns patternTable

	seed maphash.Seed
	key  *siphash.Key            // nil: maphash under seed
	sink atomic.Pointer[sinkBox] // where Record hands users' hashes too; nil for nowhere

	hourMu    sync.Mutex
	hourUntil atomic.Int64 // clock nanoseconds when the cached hour ends
	hourNow   atomic.Int64 // hour of day, 0-23, in the configured zone

}

// state is one read of the analytics: the snapshot, and what the export
// needs beyond it, per feature in the same order.
type state struct {
	snap      Snapshot
	features  []featureRead
	durations []core.HistRead // on the fast path
}

// featureRead is what one read took of a feature for the export.
type featureRead struct {
	f *Feature
	c *useCounts
}

// The analytics' metrics, indexed as their Sink points name them.
const (
	mUsage = iota
	mVariants
	mDuration
	mUsers
	mSuccessRatio
	mRejected
)

var metrics = []semconv.Metric{
	mUsage:        semconv.FeatureUses.Metric,
	mVariants:     semconv.FeatureVariantUses.Metric,
	mDuration:     semconv.FeatureUseDuration.Metric,
	mUsers:        semconv.FeatureUsers.Metric,
	mSuccessRatio: semconv.FeatureSuccessRatio.Metric,
	mRejected:     semconv.InputRejections.Metric,
}

// New returns Analytics recording into the configured MeterProvider (the
// global one by default). They emit, per feature:
//
//   - vitals.feature.uses: uses by pattern and outcome (success, failure);
//   - vitals.feature.use.duration: durations of the timed uses;
//   - vitals.feature.users: distinct users over the usage window,
//     estimated;
//   - vitals.feature.success_ratio: successful uses over the window;
//   - vitals.input.rejections: calls whose input was rejected or cleaned.
//
// If creating an instrument or registering the callback fails, or
// [WithUserHashKey] refused its key ([ErrHashKeyLength]), New returns the
// error together with Analytics that work with whatever could be made.
func New(opts ...Option) (*Analytics, error) {
	cfg := newConfig(opts)
	a := &Analytics{
		cfg:      cfg,
		features: keyset.Set[*Feature]{Max: cfg.maxFeatures, Limit: ErrFeatureLimit},
		seed:     maphash.MakeSeed(),
	}
	if cfg.key != nil {
		a.key = userKey(cfg.key)
	}
	a.patterns.init()
	a.hourUntil.Store(-1 << 62)
	a.sub = max(int64(cfg.window)/subBuckets, 1)
	a.rejects = rejected.New(semconv.SignalFeature,
		rejected.ReasonNegativeDuration, rejected.ReasonInfiniteDuration, reasonTooManyPatterns, reasonTooManyVariants,
		keyset.ReasonInvalidUTF8, keyset.ReasonNameTooLong, keyset.ReasonEmptyName, rejected.ReasonNilFunc)
	setup := cfg.Setup
	setup.Scope, setup.Metrics = ScopeName, metrics
	setup.Traced = []string{semconv.FeatureUseDuration.Name}
	err := a.shell.Init(setup, a.read, a.emit)
	if cfg.badKey >= 0 {
		err = errors.Join(fmt.Errorf("%w: WithUserHashKey got %d bytes", ErrHashKeyLength, cfg.badKey), err)
	}
	return a, err
}

// Feature returns the handle of the feature name of type featureType
// ("feature_flag", "api_endpoint", "ml_model", "component" or any other
// string), making it on first use. Keep the handle: Feature takes a lock
// and a map lookup, the handle's methods do not. Names are cleaned as in
// package conn; past the feature limit, Feature returns the shared overflow
// feature.
func (a *Analytics) Feature(featureType, name string) *Feature {
	if a == nil {
		return nil
	}
	clean := func(s string) string { return keyset.Clean(s, MaxNameLength, a.reject) }
	f, _ := a.features.Get(clean(featureType), clean(name), a.newFeature)
	return f
}

// userKeyLabel names what the SipHash key derived from a user hash key is
// for; a change of it changes every keyed user hash.
const userKeyLabel = "vitals feature user hash v1"

// userKey derives the SipHash key users are hashed with from key: the
// first 16 bytes of HMAC-SHA256(key, userKeyLabel), so that keys of any
// length from 16 bytes up give a full 128-bit key, and processes with the
// same key agree.
func userKey(key []byte) *siphash.Key {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(userKeyLabel))
	k := siphash.NewKey([16]byte(mac.Sum(nil)[:16]))
	return &k
}

// hashUser returns the keyed hash users are counted by; see
// [WithUserHashKey].
func (a *Analytics) hashUser(user string) uint64 {
	if a.key == nil {
		return maphash.String(a.seed, user)
	}
	return a.key.String(user)
}

// UserSink receives the hash of every user [Feature.Record] counts, for
// counting distinct users beyond this process: FleetUsers of package
// github.com/otelvitals/vitals/integrations/goredis counts them across a
// fleet, in Redis.
type UserSink interface {
	// AddUser is called by Record once the use is counted, outside the
	// analytics' locks, with the feature and the user's keyed hash (never
	// the identifier). It must be safe for concurrent use and must not
	// block: it runs on the caller's path.
	AddUser(f *Feature, user uint64)
}

// sinkBox holds a UserSink for an atomic pointer.
type sinkBox struct{ UserSink }

// ErrNoHashKey is returned by [Analytics.SetUserSink] for analytics made
// without [WithUserHashKey]: each process then hashes with a random seed of
// its own, and hashes from two processes cannot be counted together.
var ErrNoHashKey = errors.New("feature: users counted beyond one process need a shared key (WithUserHashKey)")

// SetUserSink makes [Feature.Record] hand every counted user's keyed hash
// to s as well, from the next use on; a nil s stops it. Without a hash key
// it returns [ErrNoHashKey] and sets nothing. With no sink set, Record pays
// one atomic load for the feature. On nil Analytics it returns nil.
func (a *Analytics) SetUserSink(s UserSink) error {
	if a == nil {
		return nil
	}
	if s == nil {
		a.sink.Store(nil)
		return nil
	}
	if a.key == nil {
		return ErrNoHashKey
	}
	a.sink.Store(&sinkBox{s})
	return nil
}

// Window returns the usage window, after the default and clamping of
// [WithWindow]; on nil Analytics, [DefaultWindow].
func (a *Analytics) Window() time.Duration {
	if a == nil {
		return DefaultWindow
	}
	return a.cfg.window
}

// hour returns the hour of day at now in the configured zone, computing it
// once an hour.
func (a *Analytics) hour(now int64) int {
	if now < a.hourUntil.Load() {
		return int(a.hourNow.Load())
	}
	a.hourMu.Lock()
	defer a.hourMu.Unlock()
	if now < a.hourUntil.Load() {
		return int(a.hourNow.Load())
	}
	wall := a.shell.Clock.Now().In(a.cfg.location)
	next := wall.Truncate(time.Hour).Add(time.Hour)
	a.hourNow.Store(int64(wall.Hour()))
	a.hourUntil.Store(now + int64(next.Sub(wall)))
	return wall.Hour()
}

// emit reports one read, st, to out.
func (a *Analytics) emit(st *state, out core.Sink) {
	for i := range st.features {
		fr := &st.features[i]
		f, fs := fr.f, &st.snap.Features[i]
		for p := range MaxPatterns {
			for o := range 2 {
				if n := fr.c.uses[p][o]; n > 0 {
					out.Int64(mUsage, f.usageAttrs(p, o), n)
				}
			}
		}
		for v, n := range fr.c.variants {
			if n > 0 {
				out.Int64(mVariants, f.variantAttrs(v), n)
			}
		}
		if fs.WindowUses > 0 {
			out.Int64(mUsers, f.attrs, int64(fs.UniqueUsers))
			out.Float64(mSuccessRatio, f.attrs, fs.WindowSuccessRatio)
		}
	}
	core.EmitHists(out, mDuration, st.durations)
	a.rejects.Emit(out, mRejected)
}

// Shutdown stops the analytics: their metrics are no longer reported
// (their series leave the producer, or their callback is unregistered),
// handles stay safe to use and record nothing, and Snapshot returns the
// state at Shutdown. Under a MeterProvider without the producer, the SDK
// goes on reporting the last values of the duration histograms it holds,
// as it does for every synchronous instrument. Shutdown is idempotent; on
// nil Analytics it returns nil. ctx is unused: nothing waits.
func (a *Analytics) Shutdown(ctx context.Context) error {
	if a == nil {
		return nil
	}
	return a.shell.Shutdown(ctx, nil)
}

// Reasons counted in vitals.input.rejections (error.type).
const (
	reasonTooManyPatterns = "too_many_patterns"
	reasonTooManyVariants = "too_many_variants"
)

// reject counts bad input, until Shutdown.
func (a *Analytics) reject(reason string) {
	if a.shell.Live() {
		a.rejects.Add(reason)
		a.shell.Touch()
	}
}

// patternTable maps usage patterns to indexes: the built-in ones, "other",
// and custom ones up to MaxPatterns.
type patternTable struct {
	mu     sync.RWMutex
	list   []string
	custom map[string]int
}

func (t *patternTable) init() {
	t.list = []string{PatternDirectCall, PatternBatchOperation, PatternBackgroundTask, PatternOther}
	t.custom = map[string]int{}
}

// name returns the pattern of index i.
func (t *patternTable) name(i int) string {
	t.mu.RLock()
	defer t.mu.RUnlock()
	return t.list[i]
}

// index returns the index of pattern, taking a custom pattern into the
// table while there is room and mapping it to "other" after, which
// report counts. Built-in patterns take no lock.
func (a *Analytics) patternIndex(pattern string) int {
	t := &a.patterns
	if i := t.builtin(pattern); i >= 0 {
		return i
	}
	t.mu.RLock()
	i, ok := t.custom[pattern]
	t.mu.RUnlock()
	if ok {
		return i
	}
	pattern = keyset.Clean(pattern, MaxNameLength, a.reject)
	t.mu.Lock()
	defer t.mu.Unlock()
	if i, ok := t.custom[pattern]; ok {
		return i
	}
	if len(t.list) >= MaxPatterns {
		a.reject(reasonTooManyPatterns)
		return 3
	}
	t.list = append(t.list, pattern)
	t.custom[pattern] = len(t.list) - 1
	return len(t.list) - 1
}

// builtin returns the index of a built-in pattern, -1 for another.
func (t *patternTable) builtin(pattern string) int {
	switch pattern {
	case PatternDirectCall, "":
		return 0
	case PatternBatchOperation:
		return 1
	case PatternBackgroundTask:
		return 2
	case PatternOther:
		return 3
	}
	return -1
}
