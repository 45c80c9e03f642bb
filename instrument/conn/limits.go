package conn

import "time"

// Limits are what is known of a pool's bounds: 0 means unknown. The zero
// value knows nothing.
type Limits struct {
	// MaxOpen is the most connections the pool opens at once, reported as
	// [Entry].MaxOpen unless the pool's [Stats] give one.
	MaxOpen int
	// MaxAge is the age past which an open connection should have been
	// closed (e.g. the pool's max lifetime): open connections older than
	// it are counted in [Entry].OlderThanLimit.
	MaxAge time.Duration
}

// Stats is what a connection pool knows of itself that the tracker cannot
// see, read at each snapshot and collection. The zero value reports an
// idle pool without a maximum.
type Stats struct {
	// MaxOpen is the pool's maximum, 0 for none; when > 0 it overrides
	// [Limits].MaxOpen.
	MaxOpen int
	// InUse is the number of connections handed out now.
	InUse int
	// Waits counts the acquisitions that had to wait, since the pool was
	// made.
	Waits int64
	// WaitTime is their total wait.
	WaitTime time.Duration
}

// SetLimits sets what is known of the pool's bounds, replacing the limits
// set before. They are read at each snapshot and collection; nothing
// enforces them. A negative value is bad input: counted in
// vitals.input.rejections as negative_limit, and taken as 0 (unknown).
// SetLimits is safe for concurrent use. On the overflow pool, which several
// pools share, the last call's limits apply to all of them. On a nil Pool
// it does nothing.
func (p *Pool) SetLimits(l Limits) {
	if p == nil {
		return
	}
	if l.MaxOpen < 0 {
		p.t.reject(reasonNegativeLimit)
		l.MaxOpen = 0
	}
	if l.MaxAge < 0 {
		p.t.reject(reasonNegativeLimit)
		l.MaxAge = 0
	}
	p.limits.Store(&l)
	p.t.shell.Touch()
}

// SetStats sets the function that reports the pool's own [Stats], for a
// pool that hands its connections out and takes them back out of the
// tracker's sight (database/sql, go-redis): it is how a snapshot learns the
// pool's maximum, its connections in use and its waits. fn is called at
// each snapshot and collection, outside the pool's lock; it must be quick,
// safe for concurrent use, and must not panic. A nil fn removes it.
// Negative values fn reports are taken as 0. Set it when the pool is made:
// the window counts from zeros at the pool's creation, so waits reported
// at the first read count as recent. SetStats is safe for concurrent use,
// and costs the hot path nothing. On a nil Pool it does nothing.
func (p *Pool) SetStats(fn func() Stats) {
	if p == nil {
		return
	}
	defer p.t.shell.Touch()
	var old *func() Stats
	if fn == nil {
		old = p.stats.Swap(nil)
	} else {
		old = p.stats.Swap(&fn)
	}
	switch {
	case old == nil && fn != nil:
		p.t.statsPools.Add(1)
	case old != nil && fn == nil:
		p.t.statsPools.Add(-1)
	}
}

// poolStats calls the pool's stats function, if any, with negative values
// taken as 0.
func (p *Pool) poolStats() (Stats, bool) {
	fn := p.stats.Load()
	if fn == nil {
		return Stats{}, false
	}
	s := (*fn)()
	s.MaxOpen, s.InUse = max(s.MaxOpen, 0), max(s.InUse, 0)
	s.Waits, s.WaitTime = max(s.Waits, 0), max(s.WaitTime, 0)
	return s, true
}

// maxAgeWalk bounds the connections [Pool.read] looks at to count those
// older than [Limits].MaxAge: past it, OlderThanLimit stops counting.
const maxAgeWalk = 100_000

// olderThan returns the number of open connections older than d at now, at
// most maxAgeWalk. The open connections are in creation order, so the walk
// stops at the first younger one. The caller holds p.mu.
func (p *Pool) olderThan(now int64, d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	var n int64
	for c := p.ages.head; c != nil && n < maxAgeWalk && now-c.created > int64(d); c = c.next {
		n++
	}
	return n
}
