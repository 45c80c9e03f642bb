package conn

import (
	"context"
	"sync/atomic"
	"time"
)

// Connection states held in Conn.state.
const (
	stateIdle int32 = iota
	stateUsed
	stateClosed
)

// Conn is the handle of one open connection, returned by [Pool.Open]. Its
// methods are safe for concurrent use and cost a few atomic operations:
// no lock, no allocation. After Close, or once the connection has expired,
// they are counted no-ops. On a nil *Conn (what [Pool.Open] of a nil
// [Pool] returns) every method is a no-op, counted nowhere, and Age
// returns 0.
type Conn struct {
	pool     *Pool
	created  int64 // clock nanoseconds
	lastUsed atomic.Int64
	state    atomic.Int32
	id       string // keyed API only

	// Guarded by the pool's mutex.
	prev, next *Conn
	seq        uint64
}

// Use records one use of the connection, counted as a "reused" event, and
// marks it as used now for the retention.
func (c *Conn) Use() {
	if c == nil {
		return
	}
	if c.state.Load() == stateClosed {
		c.pool.t.reject(reasonUseAfterClose)
		return
	}
	c.touch()
	c.pool.reused.Add(1)
	c.pool.t.shell.Touch()
}

// touch marks the connection as used now. The coarse clock moves every
// 10 ms, so most calls find the time already stored and skip the write,
// which keeps the connection's cache line shared between cores that use it
// at once. A clock that stepped back behind the last use leaves it: no
// time passed, so the connection does not look unused for longer than it
// was and expire early once the clock is past again.
func (c *Conn) touch() {
	if now := c.pool.t.shell.Clock.Nanotime(); c.lastUsed.Load() < now {
		c.lastUsed.Store(now)
	}
}

// Acquire records that the pool handed the connection out: a use, and the
// state "used" until [Conn.Release]. Pools that call Acquire and Release
// report their open connections by state.
func (c *Conn) Acquire() {
	if c == nil {
		return
	}
	if !c.state.CompareAndSwap(stateIdle, stateUsed) {
		if c.state.Load() == stateClosed {
			c.pool.t.reject(reasonUseAfterClose)
			return
		}
		// Already used: one more use of a shared connection.
		c.touch()
		c.pool.reused.Add(1)
		c.pool.t.shell.Touch()
		return
	}
	if !c.pool.stateful.Load() {
		c.pool.stateful.Store(true)
	}
	c.pool.used.Add(1)
	c.touch()
	c.pool.reused.Add(1)
	c.pool.t.shell.Touch()
}

// Release records that the connection went back to its pool, idle.
// Releasing a connection that is not acquired is a counted no-op.
func (c *Conn) Release() {
	if c == nil {
		return
	}
	if !c.state.CompareAndSwap(stateUsed, stateIdle) {
		c.pool.t.reject(reasonReleaseNotHeld)
		return
	}
	c.pool.used.Add(-1)
	c.touch()
	c.pool.t.shell.Touch()
}

// Close records the destruction of the connection and its lifetime. A
// second Close, or a Close after the connection expired, is a counted no-op.
func (c *Conn) Close() {
	if c == nil {
		return
	}
	c.close(context.Background())
}

// CloseContext records the destruction as [Conn.Close] does, with the
// trace of ctx: with exemplars on (vitals.Config.Exemplars, or
// OTEL_METRICS_EXEMPLAR_FILTER), the lifetime can carry the trace as an
// exemplar. A nil ctx is taken as context.Background().
func (c *Conn) CloseContext(ctx context.Context) {
	if c == nil {
		return
	}
	if ctx == nil {
		ctx = context.Background()
	}
	c.close(ctx)
}

func (c *Conn) close(ctx context.Context) bool {
	prev := c.state.Swap(stateClosed)
	if prev == stateClosed {
		c.pool.t.reject(reasonDoubleClose)
		return false
	}
	if prev == stateUsed {
		c.pool.used.Add(-1)
	}
	p := c.pool
	p.mu.Lock()
	now := p.t.shell.Clock.Nanotime()
	p.ages.remove(c)
	p.mu.Unlock()
	life := float64(max(now-c.created, 0)) / 1e9 // a clock that stepped back: no time passed
	// The lifetime first: whoever sees the destruction counted sees the
	// lifetime recorded too.
	p.lifetime.Record(ctx, life)
	p.destroyed.Add(1)
	p.t.shell.Touch()
	return true
}

// Age returns how long the connection has been open, never less than 0 (a
// clock that stepped back reads as one that stood still).
func (c *Conn) Age() time.Duration {
	if c == nil {
		return 0
	}
	return time.Duration(max(c.pool.t.shell.Clock.Nanotime()-c.created, 0))
}
