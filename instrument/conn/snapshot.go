package conn

import (
	"time"
)

// Snapshot is the state of every pool of a tracker at one moment, for the
// health score and for people.
type Snapshot struct {
	// Time is when the snapshot was taken.
	Time time.Time `json:"time"`
	// Pools holds one entry per pool, in the order the pools were made; the
	// overflow pool, if any, has Overflow set.
	Pools []PoolSnapshot `json:"pools"`
}

// PoolSnapshot is the state of one pool.
type PoolSnapshot struct {
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
}

// AgeCount is one bound of the live-age distribution.
type AgeCount struct {
	// LE is the bound, in seconds.
	LE float64 `json:"le"`
	// Count is the number of open connections at most LE seconds old.
	Count int64 `json:"count"`
}

// Snapshot returns the state of every pool now. Its cost grows with the
// number of pools, not of connections.
func (t *Tracker) Snapshot() Snapshot {
	now := t.clock.Nanotime()
	pools := t.poolList()
	s := Snapshot{Time: t.clock.Now(), Pools: make([]PoolSnapshot, 0, len(pools))}
	for _, p := range pools {
		s.Pools = append(s.Pools, p.read(now))
	}
	return s
}

// read returns the pool's state at now.
func (p *Pool) read(now int64) PoolSnapshot {
	ps := PoolSnapshot{
		Type: p.typ, Name: p.name, Overflow: p.overflow,
		Created: p.created.Load(), Reused: p.reused.Load(),
		Destroyed: p.destroyed.Load(), Expired: p.expired.Load(),
		Stateful: p.stateful.Load(),
		Ages:     make([]AgeCount, len(p.t.ageLabels)),
	}
	p.mu.Lock()
	p.ages.advance(now)
	ps.Open = p.ages.n
	for i := range ps.Ages {
		ps.Ages[i] = AgeCount{LE: float64(p.t.ageBounds[i]) / 1e9, Count: p.ages.atMost(i)}
	}
	young := p.ages.atMost(p.maxAgeIndex)
	ps.OldestSeconds = float64(p.ages.oldest(now)) / 1e9
	ps.MeanAgeSeconds = p.ages.mean(now) / 1e9
	p.mu.Unlock()
	ps.OlderThanMaxAge = ps.Open - young
	if ps.Stateful {
		ps.Used = min(max(p.used.Load(), 0), ps.Open)
	}
	ps.Idle = ps.Open - ps.Used
	ps.Health = p.health(ps.Open, young)
	return ps
}
