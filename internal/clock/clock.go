package clock

import (
	"sync"
	"sync/atomic"
	"time"
)

// Resolution is how often the shared coarse clock refreshes its reading: the
// most its Nanotime can lag behind the real monotonic clock.
const Resolution = 10 * time.Millisecond

// Clock tells the time.
type Clock interface {
	// Now returns the wall-clock time.
	Now() time.Time
	// Nanotime returns monotonic nanoseconds since a fixed origin; only
	// differences between readings mean anything.
	Nanotime() int64
}

// FromFunc returns a Clock that calls now on every reading; Nanotime is
// now() less the first reading. A nil now means time.Now.
func FromFunc(now func() time.Time) Clock {
	if now == nil {
		now = time.Now
	}
	return &funcClock{now: now, origin: now()}
}

type funcClock struct {
	now    func() time.Time
	origin time.Time
}

func (c *funcClock) Now() time.Time  { return c.now() }
func (c *funcClock) Nanotime() int64 { return int64(c.now().Sub(c.origin)) }

// Monotonic returns the system clock read exactly on every call: Nanotime
// is time.Since a fixed origin, about 25 ns, half a time.Now. Trackers that
// time short intervals (queue waits) use it where the coarse clock's 10 ms
// would be too rough.
func Monotonic() Clock { return monotonic{origin: time.Now()} }

type monotonic struct{ origin time.Time }

func (m monotonic) Now() time.Time  { return time.Now() }
func (m monotonic) Nanotime() int64 { return int64(time.Since(m.origin)) }

// coarse is the process's shared coarse clock.
type coarse struct {
	origin time.Time
	nanos  atomic.Int64

	mu    sync.Mutex
	users int
	stop  chan struct{}
	done  chan struct{}
}

var shared = &coarse{origin: time.Now()}

// Shared returns the process's coarse clock and a release function to call
// when the caller no longer needs it; the refresh goroutine runs while any
// caller holds it. Release is idempotent.
func Shared() (Clock, func()) {
	shared.acquire()
	var once sync.Once
	return shared, func() { once.Do(shared.release) }
}

func (c *coarse) Now() time.Time  { return time.Now() }
func (c *coarse) Nanotime() int64 { return c.nanos.Load() }

func (c *coarse) refresh() { c.nanos.Store(int64(time.Since(c.origin))) }

func (c *coarse) acquire() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users++
	if c.users > 1 {
		return
	}
	c.refresh()
	c.stop, c.done = make(chan struct{}), make(chan struct{})
	go c.run(c.stop, c.done)
}

func (c *coarse) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users--
	if c.users > 0 {
		return
	}
	close(c.stop)
	<-c.done
}

func (c *coarse) run(stop, done chan struct{}) {
	defer close(done)
	t := time.NewTicker(Resolution)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-t.C:
			c.refresh()
		}
	}
}

// Fake is a clock for tests that moves only when told. Its methods are safe
// for concurrent use.
type Fake struct {
	mu  sync.Mutex
	now time.Time
}

// NewFake returns a Fake reading start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake's time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fake's time forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
}
