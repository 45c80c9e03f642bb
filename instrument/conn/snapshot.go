package conn

import (
	"slices"
	"time"

	"github.com/otelvitals/vitals/internal/core"
)

// Snapshot is the state of every pool of a tracker at one moment, for the
// health score and for people.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// Pools holds one entry per pool, in the order the pools were made; the
	// overflow pool, if any, has Overflow set.
	Pools []Entry `json:"pools"`
}

// Entry is the state of one pool.
type Entry struct {
	Type     string `json:"type"`
	Name     string `json:"name"`
	Overflow bool   `json:"overflow,omitempty"`

	// Open is the number of open connections; Used and Idle split it for
	// pools that report acquire and release (Stateful), and are 0 and Open
	// otherwise.
	Open     int64 `json:"open"`
	Used     int64 `json:"used"`
	Idle     int64 `json:"idle"`
	Stateful bool  `json:"stateful"`

	// Lifecycle events since the pool was made.
	Created   int64 `json:"created"`
	Reused    int64 `json:"reused"`
	Destroyed int64 `json:"destroyed"`
	Expired   int64 `json:"expired"`

	// Ages is the live-age distribution: for each bound of
	// semconv.AgeBuckets, the open connections at most that old (Open
	// counts them all).
	Ages []AgeCount `json:"ages"`
	// OlderThanMaxAge counts the open connections older than the max age.
	OlderThanMaxAge int64 `json:"older_than_max_age"`
	// OldestSeconds and MeanAgeSeconds are the age of the oldest open
	// connection and the mean age, 0 with none open.
	OldestSeconds  float64 `json:"oldest_seconds"`
	MeanAgeSeconds float64 `json:"mean_age_seconds"`
	// Health is the pool's age-based health, 0 to 1 (see [Tracker.Pool]'s
	// package documentation for the formula).
	Health float64 `json:"health"`

	// MaxOpen is the most connections the pool opens at once: [Stats].MaxOpen
	// when the pool reports stats with one (> 0), else [Limits].MaxOpen; 0
	// when unknown. Saturation is InUse against it, and only against it:
	// a pool without a known maximum (a server's connections) cannot be
	// saturated, however many of its connections are in use.
	MaxOpen int64 `json:"max_open,omitempty"`
	// InUse is the number of connections handed out now: [Stats].InUse when
	// the pool reports stats, else Used for a stateful pool, else 0.
	// InUseKnown says whether it is known: stats are reported, or the pool
	// is stateful.
	InUse      int64 `json:"in_use"`
	InUseKnown bool  `json:"in_use_known"`
	// MaxAgeSeconds is [Limits].MaxAge, 0 without one, and OlderThanLimit
	// counts the open connections older than it (0 without one; at most
	// 100 000 are looked at).
	MaxAgeSeconds  float64 `json:"max_age_seconds,omitempty"`
	OlderThanLimit int64   `json:"older_than_limit"`
	// StatsReported says whether the pool reports its own [Stats] (see
	// [Pool.SetStats]); Waits and WaitSeconds are their acquisitions that
	// had to wait and the total wait, since the pool was made, and 0
	// without stats.
	StatsReported bool    `json:"stats_reported"`
	Waits         int64   `json:"waits"`
	WaitSeconds   float64 `json:"wait_seconds"`

	// The Window fields count over the recent window ([WithWindow], default
	// 5m), exact to 1/30 of it: see the package documentation, Window.
	// WindowSeconds is the window; WindowCoveredSeconds how much of it the
	// pool existed for, min(window, time since the pool was made), so that
	// a pool made a minute ago is not read as five quiet minutes.
	WindowSeconds        float64 `json:"window_seconds"`
	WindowCoveredSeconds float64 `json:"window_covered_seconds"`
	// Connections created, destroyed and expired within the window.
	WindowCreated   int64 `json:"window_created"`
	WindowDestroyed int64 `json:"window_destroyed"`
	WindowExpired   int64 `json:"window_expired"`
	// Waits and their total wait within the window, from [Stats].
	WindowWaits       int64   `json:"window_waits"`
	WindowWaitSeconds float64 `json:"window_wait_seconds"`
	// RecentWaits counts the waits that began in the recent part of the
	// window, its last two buckets (1/15 of it): the sign that callers
	// wait now, not only earlier in the window.
	RecentWaits int64 `json:"recent_waits"`
}

// AgeCount is one bound of the live-age distribution.
type AgeCount struct {
	// LE is the bound, in seconds.
	LE float64 `json:"le"`
	// Count is the number of open connections at most LE seconds old.
	Count int64 `json:"count"`
}

// Snapshot returns the state of every pool now. Its cost grows with the
// number of pools, not of connections, plus the connections it finds past
// a pool's [Limits].MaxAge.
//
// When at least the expiry period (a minute, or a quarter of the retention
// if shorter) has passed on the tracker's clock since the last expiry pass,
// Snapshot runs one first, so that connections unused past the retention
// are expired on an injected clock too ([WithClock]), without waiting for
// the background goroutine.
//
// On a nil Tracker, Snapshot returns the zero Snapshot.
//
// The state is read once per collection cycle: a read is shared by the
// collections, the health score and Snapshot calls within
// one second of it while nothing is recorded (the
// stats of a pool that reports them may then be that old), and made
// afresh otherwise. After Shutdown it is the state at Shutdown.
//
// The Snapshot is yours to keep; its Pools slice is a copy, but the slices
// and maps inside its entries are shared with the other consumers of the
// same read: treat them as read-only.
func (t *Tracker) Snapshot() Snapshot {
	if t == nil {
		return Snapshot{}
	}
	s := t.shell.Read().snap
	s.Pools = slices.Clone(s.Pools)
	return s
}

// read reads the state of every pool at now, after an expiry pass if one
// is due.
func (t *Tracker) read(now int64) *state {
	t.expireIfDue(now)
	pools := t.poolList()
	st := &state{pools: pools, snap: Snapshot{Time: t.shell.Clock.Now(), Pools: make([]Entry, 0, len(pools))}}
	n := len(t.ageLabels)
	ages := make([]AgeCount, n*len(pools)) // one allocation for every pool's ages
	var slab core.Slab
	st.lifetimes = make([]core.HistRead, 0, len(pools))
	for i, p := range pools {
		st.lifetimes = p.lifetime.ReadInto(st.lifetimes, &slab)
		st.snap.Pools = append(st.snap.Pools, p.read(now, ages[i*n:(i+1)*n:(i+1)*n]))
	}
	return st
}

// read returns the pool's state at now, with its ages in ages (one per
// age bound), and leaves a mark of its counters in the window.
func (p *Pool) read(now int64, ages []AgeCount) Entry {
	ps := Entry{
		Type: p.typ, Name: p.name, Overflow: p.overflow,
		Reused:   p.reused.Load(),
		Stateful: p.stateful.Load(),
		Ages:     ages,
	}
	// The pool's own stats are read outside p.mu: the function may take the
	// connection pool's own lock, which that pool may hold while it closes
	// a connection, which takes p.mu.
	st, reported := p.poolStats()
	var lim Limits
	if l := p.limits.Load(); l != nil {
		lim = *l
	}
	if lim.MaxAge == 0 && p.t.cfg.maxAgeSet {
		lim.MaxAge = p.t.cfg.maxAge // the tracker's declared max age
	}
	p.mu.Lock()
	cur := totals{
		created: p.created.Load(), destroyed: p.destroyed.Load(), expired: p.expired.Load(),
		waits: st.Waits, waitNanos: int64(st.WaitTime),
	}
	p.ages.advance(now)
	ps.Open = p.ages.n
	for i := range ps.Ages {
		ps.Ages[i] = AgeCount{LE: float64(p.t.ageBounds[i]) / 1e9, Count: p.ages.atMost(i)}
	}
	young := p.ages.atMost(p.maxAgeIndex)
	ps.OldestSeconds = float64(p.ages.oldest(now)) / 1e9
	ps.MeanAgeSeconds = p.ages.mean(now) / 1e9
	ps.OlderThanLimit = p.olderThan(now, lim.MaxAge)
	in, recent, covered := p.win.observe(now, cur)
	p.mu.Unlock()
	ps.Created, ps.Destroyed, ps.Expired = cur.created, cur.destroyed, cur.expired
	ps.OlderThanMaxAge = ps.Open - young
	if ps.Stateful {
		ps.Used = min(max(p.used.Load(), 0), ps.Open)
	}
	ps.Idle = ps.Open - ps.Used
	ps.Health = p.health(ps.Open, young)

	ps.MaxOpen = int64(lim.MaxOpen)
	if reported && st.MaxOpen > 0 {
		ps.MaxOpen = int64(st.MaxOpen)
	}
	switch {
	case reported:
		ps.InUse, ps.InUseKnown = int64(st.InUse), true
	case ps.Stateful:
		ps.InUse, ps.InUseKnown = ps.Used, true
	}
	ps.MaxAgeSeconds = lim.MaxAge.Seconds()
	ps.StatsReported = reported
	ps.Waits, ps.WaitSeconds = st.Waits, st.WaitTime.Seconds()

	ps.WindowSeconds = float64(p.win.span) / 1e9
	ps.WindowCoveredSeconds = float64(covered) / 1e9
	ps.WindowCreated, ps.WindowDestroyed, ps.WindowExpired = in.created, in.destroyed, in.expired
	ps.RecentWaits = recent.waits
	ps.WindowWaits, ps.WindowWaitSeconds = in.waits, float64(in.waitNanos)/1e9
	return ps
}
