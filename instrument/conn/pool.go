package conn

import (
	"sync"
	"sync/atomic"

	"github.com/otelvitals/vitals/internal/rejected"

	"go.opentelemetry.io/otel/attribute"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/semconv"
)

// Pool is the handle of one pool of connections of one type, returned by
// [Tracker.Pool]. Its methods are safe for concurrent use. A nil *Pool
// (what a nil [Tracker] returns) records nothing: Open returns a nil
// [Conn], Track runs its function with one, SetLimits and SetStats do
// nothing, and Type and Name are empty.
type Pool struct {
	t        *Tracker
	typ      string
	name     string
	overflow bool

	created   atomic.Int64
	reused    atomic.Int64
	destroyed atomic.Int64
	expired   atomic.Int64
	used      atomic.Int64 // acquired and not released
	stateful  atomic.Bool  // Acquire was called once

	limits atomic.Pointer[Limits]       // nil: none set
	stats  atomic.Pointer[func() Stats] // nil: none reported

	mu   sync.Mutex // guards ages and win
	ages *ages
	win  window

	// lifetime is the pool's lifetime histogram series.
	lifetime *core.Hist

	// Attributes built once, for every record and observation.
	attrs       *core.Attrs
	usedAttrs   *core.Attrs
	idleAttrs   *core.Attrs
	eventAttrs  [4]*core.Attrs // created, reused, destroyed, expired
	ageAttrs    []*core.Attrs  // per age bound, then +Inf
	maxAgeIndex int
}

func (t *Tracker) newPool(typ, name string, overflow bool) *Pool {
	p := &Pool{t: t, typ: typ, name: name, overflow: overflow, ages: newAges(t.ageBounds)}
	p.win.init(int64(t.cfg.window), t.shell.Clock.Nanotime())
	base := []attribute.KeyValue{semconv.ConnectionTypeKey.String(typ), semconv.ConnectionPoolNameKey.String(name)}
	if overflow {
		base = []attribute.KeyValue{semconv.Overflow}
	}
	with := func(extra ...attribute.KeyValue) *core.Attrs {
		return core.NewAttrs(append(append([]attribute.KeyValue(nil), base...), extra...)...)
	}
	p.attrs = with()
	p.usedAttrs = with(semconv.ConnectionStateKey.String(semconv.ConnectionStateUsed))
	p.idleAttrs = with(semconv.ConnectionStateKey.String(semconv.ConnectionStateIdle))
	for i, ev := range []string{
		semconv.ConnectionEventCreated, semconv.ConnectionEventReused,
		semconv.ConnectionEventDestroyed, semconv.ConnectionEventExpired,
	} {
		p.eventAttrs[i] = with(semconv.ConnectionEventKey.String(ev))
	}
	for _, label := range t.ageLabels {
		p.ageAttrs = append(p.ageAttrs, with(semconv.ConnectionAgeBoundKey.String(label)))
	}
	p.ageAttrs = append(p.ageAttrs, with(semconv.ConnectionAgeBoundKey.String("+Inf")))
	p.maxAgeIndex = len(t.ageBounds) - 1
	p.lifetime = t.shell.Hist(mLifetime, p.attrs)
	return p
}

// Type returns the pool's connection type, and Name its name; both are
// empty for the overflow pool.
func (p *Pool) Type() string {
	if p == nil {
		return ""
	}
	return p.typ
}

// Name returns the pool's name.
func (p *Pool) Name() string {
	if p == nil {
		return ""
	}
	return p.name
}

// Open records a new connection, counted as a "created" event, and returns
// its handle. It takes the pool's lock briefly and makes one allocation, the
// handle. On a nil Pool it returns a nil Conn, whose methods do nothing.
func (p *Pool) Open() *Conn {
	if p == nil {
		return nil
	}
	c := &Conn{pool: p}
	if !p.t.shell.Live() {
		c.state.Store(stateClosed)
		return c
	}
	defer p.t.shell.Touch()
	p.mu.Lock()
	c.created = p.t.shell.Clock.Nanotime()
	if last := p.ages.tail; last != nil && c.created < last.created {
		// The clock stepped back: no time passed, and the connections stay
		// in creation order.
		c.created = last.created
	}
	c.lastUsed.Store(c.created)
	p.ages.add(c)
	p.mu.Unlock()
	p.created.Add(1)
	return c
}

// Track runs fn inside the life of a new connection: it opens one, passes
// it to fn, and closes it when fn returns or panics. It returns fn's error,
// or [ErrNilFunc] for a nil fn. On a nil Pool, fn still runs, with a nil
// Conn, and nothing is recorded or counted.
//
//	err := pool.Track(func(c *conn.Conn) error {
//		c.Use()
//		return work()
//	})
func (p *Pool) Track(fn func(c *Conn) error) error {
	if fn == nil {
		if p != nil {
			p.t.reject(rejected.ReasonNilFunc)
		}
		return ErrNilFunc
	}
	c := p.Open()
	defer c.Close()
	return fn(c)
}

// Wrap returns fn wrapped so that each call runs inside the life of a new
// connection of p, as [Pool.Track] does.
func Wrap(fn func(c *Conn) error, p *Pool) func() error {
	return func() error { return p.Track(fn) }
}

// emit reports the pool's series of one read, ps.
func (p *Pool) emit(out core.Sink, ps *Entry) {
	if ps.Stateful {
		out.Int64(mOpen, p.usedAttrs, ps.Used)
		out.Int64(mOpen, p.idleAttrs, ps.Idle)
	} else {
		out.Int64(mOpen, p.attrs, ps.Open)
	}
	out.Int64(mEvents, p.eventAttrs[0], ps.Created)
	out.Int64(mEvents, p.eventAttrs[1], ps.Reused)
	out.Int64(mEvents, p.eventAttrs[2], ps.Destroyed)
	out.Int64(mEvents, p.eventAttrs[3], ps.Expired)
	for i, a := range ps.Ages {
		out.Int64(mAgeDist, p.ageAttrs[i], a.Count)
	}
	out.Int64(mAgeDist, p.ageAttrs[len(p.ageAttrs)-1], ps.Open)
	out.Float64(mAgeOldest, p.attrs, ps.OldestSeconds)
	out.Float64(mAgeMean, p.attrs, ps.MeanAgeSeconds)
	out.Float64(mHealth, p.attrs, ps.Health)
}

// health is the pool's age-based health from 0 to 1:
//
//	health = (1 - old/open) × (1 - expired/(destroyed + expired))
//
// where old counts the open connections older than the max age. The first
// factor falls as connections fail to rotate; the second as connections are
// leaked (expired rather than closed). Each factor is 1 when its
// denominator is 0.
func (p *Pool) health(open, young int64) float64 {
	h := 1.0
	if open > 0 {
		h *= 1 - float64(open-young)/float64(open)
	}
	expired, destroyed := p.expired.Load(), p.destroyed.Load()
	if ended := expired + destroyed; ended > 0 {
		h *= 1 - float64(expired)/float64(ended)
	}
	return h
}

// expire removes the connections unused for longer than retention at now
// and returns them. Only connections created before now-retention can
// qualify, and the list is in creation order, so the walk stops at the
// first younger one.
func (p *Pool) expire(now, retention int64) []*Conn {
	if p.stats.Load() != nil {
		return nil // the pool closes what it holds idle; its leaks show as connections in use
	}
	var gone []*Conn
	stateful := p.stateful.Load()
	p.mu.Lock()
	for c := p.ages.head; c != nil && now-c.created > retention; {
		next := c.next
		if now-c.lastUsed.Load() > retention && !(stateful && c.state.Load() == stateIdle) {
			if prev := c.state.Swap(stateClosed); prev != stateClosed {
				if prev == stateUsed {
					p.used.Add(-1)
				}
				p.ages.remove(c)
				gone = append(gone, c)
			}
		}
		c = next
	}
	p.mu.Unlock()
	p.expired.Add(int64(len(gone)))
	return gone
}
