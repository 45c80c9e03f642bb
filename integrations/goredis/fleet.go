package goredis

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/otelvitals/vitals/instrument/feature"
	"github.com/otelvitals/vitals/semconv"
)

// Defaults of the fleet options.
const (
	DefaultFleetKeyPrefix       = "vitals:fleet-users:"
	DefaultFleetFlushInterval   = time.Second
	DefaultFleetRefreshInterval = 15 * time.Second
	DefaultFleetMaxPending      = 100_000
	DefaultFleetTimeout         = 5 * time.Second
)

// ErrNilAnalytics is returned by [NewFleetUsers] for nil analytics.
var ErrNilAnalytics = errors.New("goredis: nil analytics")

// FleetUsers counts the distinct users of each feature across every process
// of a fleet, in Redis HyperLogLogs (PFADD, PFCOUNT), where the
// per-process estimate of vitals.feature.users counts a user once per
// replica she reached. Every process gives its [feature.Analytics] the same
// user hash key ([feature.WithUserHashKey]) and a FleetUsers on the same
// Redis; each then reports the fleet's count as vitals.feature.fleet.users,
// the same number in every process (aggregate it with max, not sum).
//
// Recording stays in the process: [feature.Feature.Record] hands the
// user's keyed hash (never the identifier) to FleetUsers, which keeps it in
// a bounded buffer. A background goroutine sends the buffer every flush
// interval in one pipeline of PFADDs, one HyperLogLog per feature and
// quarter of the usage window (keys expire a quarter after they leave the
// window), and reads the window's count per feature every refresh interval
// with one PFCOUNT over its quarters. Quarters are aligned to the Unix
// epoch, so processes agree on them as far as their clocks do; the fleet
// window is the current quarter and the three before it, as the local
// window is.
//
// While Redis cannot be reached, local counting goes on, the buffer keeps
// what it can hold ([WithFleetMaxPending]; the excess is dropped and
// counted), the fleet gauge is absent rather than stale, and the error goes
// to otel.Handle once per outage. Sending resumes when Redis answers again.
// A Redis that restarts without persistence has lost the window's users;
// the count then starts again from what the fleet sends after it, and
// never reads below this process's own estimate, which the fleet's
// includes.
//
// Keys share a hash tag per feature, so the PFCOUNT over a feature's
// quarters works on Redis Cluster too.
type FleetUsers struct {
	client  redis.UniversalClient
	a       *feature.Analytics
	cfg     fleetConfig
	quarter int64         // nanoseconds per quarter of the usage window
	current atomic.Int64  // the quarter now, as of the last round: Record reads no clock
	ttl     time.Duration // how long a quarter's key outlives its start

	mu       sync.Mutex
	pending  map[fleetKey]map[uint64]struct{} // hashes not yet sent, by feature and quarter
	npending int
	features map[*feature.Feature]*fleetFeature

	counts  atomic.Pointer[map[*feature.Feature]int64] // the fleet counts last read; nil while unknown
	dropped atomic.Int64
	failing atomic.Bool // an error went to otel.Handle since the last round that worked
	full    atomic.Bool // the buffer's overflow was reported

	reg      metric.Registration
	stop     chan struct{}
	done     chan struct{}
	shutOnce sync.Once
	flushMu  sync.Mutex // one round at a time
}

// fleetKey is one HyperLogLog: a feature's users in one quarter.
type fleetKey struct {
	f       *feature.Feature
	quarter int64
}

// fleetFeature is what FleetUsers keeps of a feature it has seen.
type fleetFeature struct {
	base  string // the Redis key without its quarter
	attrs metric.MeasurementOption
	last  int64 // the newest quarter a user was buffered in
}

// FleetOption configures [NewFleetUsers].
type FleetOption interface {
	applyFleet(*fleetConfig)
}

type fleetOptionFunc func(*fleetConfig)

func (f fleetOptionFunc) applyFleet(c *fleetConfig) { f(c) }

type fleetConfig struct {
	provider metric.MeterProvider
	prefix   string
	flush    time.Duration
	refresh  time.Duration
	timeout  time.Duration
	max      int
	now      func() time.Time
}

// WithFleetMeterProvider sets the MeterProvider the fleet gauge is reported
// through; the default, and what nil keeps, is the global one. Under
// vitals.Start, pass the System's MeterProvider().
func WithFleetMeterProvider(mp metric.MeterProvider) FleetOption {
	return fleetOptionFunc(func(c *fleetConfig) {
		if mp != nil {
			c.provider = mp
		}
	})
}

// WithFleetKeyPrefix sets the prefix of the Redis keys; default
// [DefaultFleetKeyPrefix]. Fleets that must not count together use
// different prefixes on one Redis. An empty prefix keeps the default.
func WithFleetKeyPrefix(p string) FleetOption {
	return fleetOptionFunc(func(c *fleetConfig) {
		if p != "" {
			c.prefix = p
		}
	})
}

// WithFleetFlushInterval sets how often buffered users are sent to Redis;
// default 1s, values <= 0 keep it, others are raised to at least 10ms.
func WithFleetFlushInterval(d time.Duration) FleetOption {
	return fleetOptionFunc(func(c *fleetConfig) { c.flush = d })
}

// WithFleetRefreshInterval sets how often the fleet counts are read from
// Redis; default 15s, values <= 0 keep it, others are raised to at least
// 10ms.
func WithFleetRefreshInterval(d time.Duration) FleetOption {
	return fleetOptionFunc(func(c *fleetConfig) { c.refresh = d })
}

// WithFleetTimeout bounds each round trip to Redis; default 5s, values <= 0
// keep it.
func WithFleetTimeout(d time.Duration) FleetOption {
	return fleetOptionFunc(func(c *fleetConfig) { c.timeout = d })
}

// WithFleetMaxPending bounds the user hashes buffered between flushes, and
// while Redis is away: about 40 bytes each. Past it, further users are
// dropped from the fleet count (not from the local one), counted by
// [FleetUsers.Dropped], and reported to otel.Handle once. Default 100000;
// values <= 0 keep it.
func WithFleetMaxPending(n int) FleetOption {
	return fleetOptionFunc(func(c *fleetConfig) { c.max = n })
}

// WithFleetClock sets the clock quarters are taken from; tests pass a fake.
// The default, and what nil keeps, is time.Now.
func WithFleetClock(now func() time.Time) FleetOption {
	return fleetOptionFunc(func(c *fleetConfig) {
		if now != nil {
			c.now = now
		}
	})
}

// NewFleetUsers starts counting the users of a's features across the fleet
// in the Redis of client, and reports the counts through the configured
// MeterProvider. a must have a user hash key shared by the fleet: without
// one it returns [feature.ErrNoHashKey], since per-process hashes would
// count a user once per replica. It returns [ErrNilClient] for a nil client
// and [ErrNilAnalytics] for nil analytics. Call [FleetUsers.Shutdown] to send what is buffered and
// stop; a's Shutdown stops the users reaching it.
func NewFleetUsers(client redis.UniversalClient, a *feature.Analytics, opts ...FleetOption) (*FleetUsers, error) {
	if isNil(client) {
		return nil, ErrNilClient
	}
	if a == nil {
		return nil, ErrNilAnalytics
	}
	cfg := fleetConfig{
		provider: otel.GetMeterProvider(),
		prefix:   DefaultFleetKeyPrefix,
		flush:    DefaultFleetFlushInterval,
		refresh:  DefaultFleetRefreshInterval,
		timeout:  DefaultFleetTimeout,
		max:      DefaultFleetMaxPending,
		now:      time.Now,
	}
	for _, o := range opts {
		if o != nil {
			o.applyFleet(&cfg)
		}
	}
	defaultDur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
		*d = max(*d, 10*time.Millisecond)
	}
	defaultDur(&cfg.flush, DefaultFleetFlushInterval)
	defaultDur(&cfg.refresh, DefaultFleetRefreshInterval)
	defaultDur(&cfg.timeout, DefaultFleetTimeout)
	if cfg.max <= 0 {
		cfg.max = DefaultFleetMaxPending
	}
	window := a.Window()
	u := &FleetUsers{
		client:   client,
		a:        a,
		cfg:      cfg,
		quarter:  int64(window / 4),
		ttl:      window + window/4,
		pending:  map[fleetKey]map[uint64]struct{}{},
		features: map[*feature.Feature]*fleetFeature{},
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	u.tick()
	if err := a.SetUserSink(u); err != nil {
		return nil, fmt.Errorf("goredis: fleet users: %w", err)
	}
	m := cfg.provider.Meter(ScopeName, metric.WithInstrumentationVersion(Version), metric.WithSchemaURL(semconv.SchemaURL))
	gauge, err := semconv.FeatureFleetUsers.New(m)
	if err == nil {
		u.reg, err = m.RegisterCallback(func(_ context.Context, o metric.Observer) error {
			counts := u.counts.Load()
			if counts == nil {
				return nil
			}
			u.mu.Lock()
			defer u.mu.Unlock()
			for f, n := range *counts {
				if ff := u.features[f]; ff != nil {
					o.ObserveInt64(gauge, n, ff.attrs)
				}
			}
			return nil
		}, gauge)
	}
	if u.reg == nil {
		u.reg = noop.Registration{}
	}
	go u.run()
	return u, err
}

// tick takes the current quarter from the clock, for AddUser.
func (u *FleetUsers) tick() { u.current.Store(u.cfg.now().UnixNano() / u.quarter) }

// AddUser buffers the keyed hash of a user of f, for the next flush; it is
// the [feature.UserSink] that Record calls. The quarter it is booked in is
// the one of the last flush round (at most a flush interval old), so that
// Record reads no clock for it.
func (u *FleetUsers) AddUser(f *feature.Feature, user uint64) {
	q := u.current.Load()
	k := fleetKey{f, q}
	u.mu.Lock()
	defer u.mu.Unlock()
	set := u.pending[k]
	if _, ok := set[user]; ok {
		return
	}
	if u.npending >= u.cfg.max {
		u.dropped.Add(1)
		if !u.full.Swap(true) {
			otel.Handle(fmt.Errorf("goredis: fleet users: %d user hashes buffered, the most WithFleetMaxPending allows; further users are left out of the fleet count until Redis takes the buffer", u.cfg.max))
		}
		return
	}
	if set == nil {
		set = map[uint64]struct{}{}
		u.pending[k] = set
	}
	set[user] = struct{}{}
	u.npending++
	ff := u.features[f]
	if ff == nil {
		ff = &fleetFeature{
			base: u.cfg.prefix + "{" + f.Type() + "\x1f" + f.Name() + "}:",
			attrs: metric.WithAttributeSet(attribute.NewSet(
				semconv.FeatureTypeKey.String(f.Type()), semconv.FeatureNameKey.String(f.Name()))),
		}
		u.features[f] = ff
	}
	ff.last = max(ff.last, q)
}

// Users returns the fleet-wide count of f's users as last read from Redis,
// and false while it is unknown: before the first read, or since one
// failed.
func (u *FleetUsers) Users(f *feature.Feature) (int64, bool) {
	if u == nil {
		return 0, false
	}
	counts := u.counts.Load()
	if counts == nil {
		return 0, false
	}
	n, ok := (*counts)[f]
	return n, ok
}

// Dropped returns the number of user hashes left out of the fleet count
// because the buffer was full ([WithFleetMaxPending]).
func (u *FleetUsers) Dropped() int64 {
	if u == nil {
		return 0
	}
	return u.dropped.Load()
}

// Flush sends the buffered users to Redis and reads the fleet counts
// afresh, now rather than at the next interval; ctx bounds it. It returns
// the error of either round trip; what could not be sent stays buffered.
func (u *FleetUsers) Flush(ctx context.Context) error {
	if u == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return errors.Join(u.send(ctx), u.refresh(ctx))
}

// Shutdown stops the background rounds, sends what is buffered (within
// ctx), stops taking users from the analytics and unregisters the gauge.
// It is idempotent; on a nil FleetUsers it returns nil.
func (u *FleetUsers) Shutdown(ctx context.Context) error {
	if u == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	var err error
	u.shutOnce.Do(func() {
		_ = u.a.SetUserSink(nil)
		close(u.stop)
		<-u.done
		err = errors.Join(u.send(ctx), u.reg.Unregister())
		u.counts.Store(nil)
	})
	return err
}

// run sends the buffer every flush interval and reads the counts every
// refresh interval, each round bounded by the timeout.
func (u *FleetUsers) run() {
	defer close(u.done)
	flush := time.NewTicker(u.cfg.flush)
	defer flush.Stop()
	refresh := time.NewTicker(u.cfg.refresh)
	defer refresh.Stop()
	for {
		select {
		case <-u.stop:
			return
		case <-flush.C:
			ctx, cancel := context.WithTimeout(context.Background(), u.cfg.timeout)
			_ = u.send(ctx)
			cancel()
		case <-refresh.C:
			ctx, cancel := context.WithTimeout(context.Background(), u.cfg.timeout)
			_ = u.refresh(ctx)
			cancel()
		}
	}
}

// send sends the buffer in one pipeline: a PFADD of each HyperLogLog's new
// users, and a PEXPIRE that keeps its key until a quarter after it leaves
// the window. On failure the users go back to the buffer, as far as it
// holds them.
func (u *FleetUsers) send(ctx context.Context) error {
	u.flushMu.Lock()
	defer u.flushMu.Unlock()
	u.tick()
	u.mu.Lock()
	batch := u.pending
	if len(batch) == 0 {
		u.mu.Unlock()
		return nil
	}
	u.pending, u.npending = map[fleetKey]map[uint64]struct{}{}, 0
	bases := make(map[*feature.Feature]string, len(batch))
	for k := range batch {
		bases[k.f] = u.features[k.f].base
	}
	u.mu.Unlock()

	pipe := u.client.Pipeline()
	for k, set := range batch {
		key := bases[k.f] + strconv.FormatInt(k.quarter, 10)
		els := make([]any, 0, len(set))
		for h := range set {
			var b [8]byte
			binary.LittleEndian.PutUint64(b[:], h)
			els = append(els, string(b[:]))
		}
		pipe.PFAdd(ctx, key, els...)
		pipe.PExpire(ctx, key, u.ttl)
	}
	if _, err := pipe.Exec(ctx); err != nil {
		u.requeue(batch)
		u.counts.Store(nil)
		return u.fail(fmt.Errorf("goredis: fleet users: sending to Redis: %w", err))
	}
	u.full.Store(false)
	u.failing.Store(false)
	return nil
}

// requeue puts users that could not be sent back into the buffer, as far
// as it holds them; the rest are dropped and counted.
func (u *FleetUsers) requeue(batch map[fleetKey]map[uint64]struct{}) {
	u.mu.Lock()
	defer u.mu.Unlock()
	for k, set := range batch {
		cur := u.pending[k]
		if cur == nil {
			cur = map[uint64]struct{}{}
			u.pending[k] = cur
		}
		for h := range set {
			if _, ok := cur[h]; ok {
				continue
			}
			if u.npending >= u.cfg.max {
				u.dropped.Add(1)
				continue
			}
			cur[h] = struct{}{}
			u.npending++
		}
	}
}

// refresh reads each known feature's fleet count: one PFCOUNT over the
// window's quarters, all in one pipeline. Features with no user in the
// window, here or anywhere in the fleet, are forgotten.
func (u *FleetUsers) refresh(ctx context.Context) error {
	now := u.cfg.now().UnixNano() / u.quarter
	u.mu.Lock()
	type ask struct {
		f   *feature.Feature
		cmd *redis.IntCmd
	}
	asks := make([]ask, 0, len(u.features))
	pipe := u.client.Pipeline()
	for f, ff := range u.features {
		keys := make([]string, 4)
		for i := range keys {
			keys[i] = ff.base + strconv.FormatInt(now-int64(i), 10)
		}
		asks = append(asks, ask{f, pipe.PFCount(ctx, keys...)})
	}
	u.mu.Unlock()
	if len(asks) == 0 {
		empty := map[*feature.Feature]int64{}
		u.counts.Store(&empty)
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		u.counts.Store(nil)
		return u.fail(fmt.Errorf("goredis: fleet users: counting in Redis: %w", err))
	}
	// The fleet has at least this process's users: after Redis lost the
	// window (a restart without persistence), the count is never below
	// what this process alone saw.
	local := map[[2]string]int64{}
	for _, e := range u.a.Snapshot().Features {
		local[[2]string{e.Type, e.Name}] = int64(e.UniqueUsers)
	}
	counts := make(map[*feature.Feature]int64, len(asks))
	u.mu.Lock()
	for _, a := range asks {
		n := a.cmd.Val()
		if ff := u.features[a.f]; n == 0 && ff != nil && ff.last <= now-4 && !u.buffered(a.f) {
			delete(u.features, a.f)
			continue
		}
		counts[a.f] = max(n, local[[2]string{a.f.Type(), a.f.Name()}])
	}
	u.mu.Unlock()
	u.counts.Store(&counts)
	u.failing.Store(false)
	return nil
}

// buffered reports whether users of f wait in the buffer. The caller holds
// u.mu.
func (u *FleetUsers) buffered(f *feature.Feature) bool {
	for k := range u.pending {
		if k.f == f {
			return true
		}
	}
	return false
}

// fail reports err to otel.Handle, once until a round works again, and
// returns it.
func (u *FleetUsers) fail(err error) error {
	if !u.failing.Swap(true) {
		otel.Handle(err)
	}
	return err
}
