package conn

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/keyset"
	"github.com/otelvitals/vitals/internal/rejected"
	"github.com/otelvitals/vitals/semconv"
)

// ScopeName is the instrumentation scope of the tracker's meter.
const ScopeName = "github.com/otelvitals/vitals/instrument/conn"

// Tracker tracks the life of connections, per connection type and pool. Make
// one with [New], get a [Pool] handle per pool with [Tracker.Pool], and keep
// the handle. A Tracker is safe for concurrent use.
//
// A nil *Tracker is a tracker that records nothing: Pool returns a nil
// [Pool], the keyed API returns nil (or [ErrEmptyID] for an empty ID),
// Snapshot is empty and Shutdown returns nil. Nothing is counted, since
// nothing could count it.
type Tracker struct {
	cfg       config
	shell     core.Shell[state]
	ageBounds []int64 // nanoseconds: semconv.AgeBuckets, then the max age
	ageLabels []string

	rejects *rejected.Counter

	pools keyset.Set[*Pool]

	keyed keyedTable

	// lastExpire is the clock reading of the last expiry pass.
	lastExpire atomic.Int64
	// statsPools counts the pools that report their own stats.
	statsPools atomic.Int64

	stop chan struct{}
	done chan struct{}
}

// state is one read of the tracker: its snapshot, and the handle of each
// of its pools, in the same order.
type state struct {
	snap      Snapshot
	pools     []*Pool
	lifetimes []core.HistRead // on the fast path
}

// The tracker's metrics, indexed as its Sink points name them.
const (
	mOpen = iota
	mEvents
	mLifetime
	mAgeDist
	mAgeOldest
	mAgeMean
	mHealth
	mRejected
)

var metrics = []semconv.Metric{
	mOpen:      semconv.ConnectionCount.Metric,
	mEvents:    semconv.ConnectionEvents.Metric,
	mLifetime:  semconv.ConnectionDuration.Metric,
	mAgeDist:   semconv.ConnectionAgeDistribution.Metric,
	mAgeOldest: semconv.ConnectionAgeOldest.Metric,
	mAgeMean:   semconv.ConnectionAgeMean.Metric,
	mHealth:    semconv.ConnectionHealth.Metric,
	mRejected:  semconv.InputRejections.Metric,
}

// New returns a Tracker recording into the configured MeterProvider (the
// global one by default). It emits:
//
//   - vitals.connection.count: open connections by type, pool and, for pools
//     that report acquire and release, state (used or idle);
//   - vitals.connection.events: created, reused, destroyed and expired
//     connections;
//   - vitals.connection.duration: lifetimes of destroyed connections, in
//     1 s to 12 h buckets;
//   - vitals.connection.age.distribution, .age.oldest and .age.mean: the ages
//     of the open connections, computed at collection;
//   - vitals.connection.health: each pool's age-based health, 0 to 1;
//   - vitals.input.rejections: calls whose input was rejected or cleaned.
//
// A background goroutine expires connections unused for longer than the
// retention, and [Tracker.Snapshot] does when the goroutine has not for an
// expiry period on the tracker's clock; [Tracker.Shutdown] stops the
// goroutine. If creating an instrument or
// registering the callback fails, New returns the error together with a
// Tracker that works with whatever could be made.
func New(opts ...Option) (*Tracker, error) {
	cfg := newConfig(opts)
	t := &Tracker{
		cfg:   cfg,
		pools: keyset.Set[*Pool]{Max: cfg.maxPools, Limit: ErrPoolLimit},
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	for _, b := range semconv.AgeBuckets() {
		t.ageBounds = append(t.ageBounds, int64(b*float64(time.Second)))
		t.ageLabels = append(t.ageLabels, strconv.FormatFloat(b, 'f', -1, 64))
	}
	t.ageBounds = append(t.ageBounds, int64(cfg.maxAge))
	t.keyed.init(cfg.maxIDs)
	t.rejects = rejected.New(semconv.SignalConnection,
		reasonInvalidUTF8, reasonNameTooLong, reasonEmptyName, reasonDoubleClose,
		reasonUseAfterClose, reasonUnknownID, reasonDuplicateID, reasonEmptyID, reasonReleaseNotHeld, reasonIDLimit, reasonNegativeLimit, rejected.ReasonNilFunc)
	setup := cfg.Setup
	setup.Scope, setup.Metrics = ScopeName, metrics
	setup.Traced = []string{semconv.ConnectionDuration.Name} // CloseContext
	setup.Changed = t.changed
	err := t.shell.Init(setup, t.read, t.emit)
	t.lastExpire.Store(t.shell.Clock.Nanotime())
	go t.expireLoop()
	return t, err
}

// Pool returns the handle of the pool named name of connections of type
// connType ("database", "http", "redis", "grpc" or any other string), making
// it on first use. Keep the handle: Pool takes a lock and a map lookup,
// the handle's methods do not.
//
// Names are cleaned rather than refused: invalid UTF-8 becomes U+FFFD, an
// empty name becomes "unknown", and a name longer than [MaxNameLength] bytes
// is cut; each cleaning is counted in vitals.input.rejections. Once the
// tracker holds its maximum of pools, Pool returns the shared overflow pool.
func (t *Tracker) Pool(connType, name string) *Pool {
	if t == nil {
		return nil
	}
	p, _ := t.pools.Get(t.cleanName(connType), t.cleanName(name), t.newPool)
	return p
}

// cleanName makes s a valid, bounded attribute value, counting each repair.
func (t *Tracker) cleanName(s string) string { return keyset.Clean(s, MaxNameLength, t.reject) }

// poolList returns the pools in creation order, overflow included.
func (t *Tracker) poolList() []*Pool { return t.pools.List() }

// emit reports one read, st, to out.
func (t *Tracker) emit(st *state, out core.Sink) {
	for i, p := range st.pools {
		p.emit(out, &st.snap.Pools[i])
	}
	core.EmitHists(out, mLifetime, st.lifetimes)
	t.rejects.Emit(out, mRejected)
}

// expireLoop expires idle connections until Shutdown, every minute or every
// quarter of the retention if that is shorter.
func (t *Tracker) expireLoop() {
	defer close(t.done)
	tick := time.NewTicker(t.cfg.expireEvery())
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			t.expire()
		}
	}
}

// changed reports whether the tracker's state may have changed at now
// with nothing recorded: an expiry pass is due, or a pool reports stats,
// which change out of the tracker's sight.
func (t *Tracker) changed(now int64) bool {
	return t.statsPools.Load() > 0 || now-t.lastExpire.Load() >= int64(t.cfg.expireEvery())
}

// expireIfDue runs an expiry pass if at least the expiry period has passed
// on the tracker's clock since the last one, so that an injected clock
// drives expiry too. Of concurrent callers, one runs it. A clock that
// stepped back behind the last pass restarts the period from now.
func (t *Tracker) expireIfDue(now int64) {
	last := t.lastExpire.Load()
	if now < last {
		t.lastExpire.CompareAndSwap(last, now)
		return
	}
	if now-last >= int64(t.cfg.expireEvery()) && t.lastExpire.CompareAndSwap(last, now) {
		t.expireAt(now)
	}
}

// expire forgets, in every pool, the connections unused for longer than the
// retention, counting them as expired.
func (t *Tracker) expire() {
	now := t.shell.Clock.Nanotime()
	t.lastExpire.Store(now)
	t.expireAt(now)
}

func (t *Tracker) expireAt(now int64) {
	for _, p := range t.poolList() {
		for _, c := range p.expire(now, int64(t.cfg.retention)) {
			if c.id != "" {
				t.keyed.forget(c.id, c)
			}
		}
	}
}

// Shutdown stops the tracker: the expiry goroutine ends, its metrics are
// no longer reported (its series leave the producer, or its callback is
// unregistered), handles stay safe to call and record nothing, and
// Snapshot returns the state at Shutdown. Under a MeterProvider without
// the producer, the SDK goes on reporting the last values of the lifetime
// histograms it holds, as it does for every synchronous instrument.
// Shutdown is idempotent; on a nil Tracker it returns nil. ctx is unused:
// the goroutine stops at once.
func (t *Tracker) Shutdown(ctx context.Context) error {
	if t == nil {
		return nil
	}
	return t.shell.Shutdown(ctx, func(context.Context) error {
		close(t.stop)
		<-t.done
		return nil
	})
}

// Errors of the keyed API and of the tracker's limits.
var (
	// ErrUnknownConnection is returned by the keyed API for an ID it does not
	// know: never created, already destroyed, or expired.
	ErrUnknownConnection = errors.New("conn: unknown connection")
	// ErrDuplicateConnection is returned by [Tracker.Created] for an ID that
	// is already open.
	ErrDuplicateConnection = errors.New("conn: duplicate connection")
	// ErrEmptyID is returned by the keyed API for an empty ID.
	ErrEmptyID = errors.New("conn: empty connection ID")
	// ErrPoolLimit is reported through otel.Handle, once, when the tracker
	// reaches its maximum of pools.
	ErrPoolLimit = errors.New("conn: pool limit reached")
	// ErrIDLimit is returned by [Tracker.Created] when the keyed API
	// already holds its maximum of IDs (see [WithMaxIDs]); it is also
	// reported through otel.Handle, once.
	ErrIDLimit = errors.New("conn: connection ID limit reached")
	// ErrNilFunc is returned by [Pool.Track], and by the function [Wrap]
	// returns, for a nil function: no connection is opened, and the bad
	// input is counted as nil_function.
	ErrNilFunc = errors.New("conn: nil function")
)

// Reasons counted in vitals.input.rejections (error.type).
const (
	reasonInvalidUTF8    = keyset.ReasonInvalidUTF8
	reasonNameTooLong    = keyset.ReasonNameTooLong
	reasonEmptyName      = keyset.ReasonEmptyName
	reasonDoubleClose    = "double_close"
	reasonUseAfterClose  = "use_after_close"
	reasonUnknownID      = "unknown_id"
	reasonDuplicateID    = "duplicate_id"
	reasonEmptyID        = "empty_id"
	reasonReleaseNotHeld = "release_not_acquired"
	reasonIDLimit        = "id_limit"
	reasonNegativeLimit  = "negative_limit"
)

// reject counts bad input, until Shutdown; a nil Tracker counts nothing.
func (t *Tracker) reject(reason string) {
	if t != nil && t.shell.Live() {
		t.rejects.Add(reason)
		t.shell.Touch()
	}
}
