package queue

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"sync/atomic"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/semconv"
)

// Errors of the queue API.
var (
	// ErrNegativeDepth is returned by [Queue.Sample] for a depth below 0; the
	// sample is dropped.
	ErrNegativeDepth = errors.New("queue: negative depth")
	// ErrQueueLimit is reported through otel.Handle, once, when the monitor
	// reaches its maximum of queues.
	ErrQueueLimit = errors.New("queue: queue limit reached")
	// ErrShutdown is returned by [Monitor.StartSampler] after [Monitor.Shutdown].
	ErrShutdown = errors.New("queue: monitor shut down")
)

// Probe reports a queue's depth and capacity when the monitor asks; see
// [Monitor.Observe]. It is called from the sampler and from collections, so
// it must be quick and safe for concurrent use.
type Probe func() (depth, capacity int)

// Chan returns a probe of ch: its length and its capacity.
func Chan[T any](ch chan T) Probe {
	return func() (int, int) { return len(ch), cap(ch) }
}

// Queue is the handle of one queue, returned by [Monitor.Queue] or
// [Monitor.Observe]. Its methods are safe for concurrent use. A nil *Queue
// (what a nil [Monitor] returns) records nothing: Enter returns the zero
// [Ticket], Depth is 0, Type and Name are empty, and Sample returns nil,
// or [ErrNegativeDepth], uncounted, for a negative depth.
type Queue struct {
	m        *Monitor
	typ      string
	name     string
	overflow bool
	probe    Probe

	depth     atomic.Int64
	capacity  atomic.Int64
	owned     atomic.Bool  // Enter was called: the sampler samples the depth
	overSince atomic.Int64 // clock nanoseconds when the current overflow began; none: not in overflow
	overTotal atomic.Int64 // nanoseconds in overflow, ended spells only
	overflows atomic.Int64
	rejected  atomic.Int64

	mu  sync.Mutex // guards win and led, and the end of an overflow
	win *window
	led ledger

	depthHist, waitHist *core.Hist
	attrs               *core.Attrs
}

func (m *Monitor) newQueue(typ, name string, overflow bool, capacity int, probe Probe) *Queue {
	q := &Queue{m: m, typ: typ, name: name, overflow: overflow, probe: probe,
		win: newWindow(int64(m.cfg.window)), led: newLedger(int64(m.cfg.window))}
	q.capacity.Store(int64(capacity))
	q.overSince.Store(none)
	q.led.note(m.shell.Mono.Nanotime(), 0) // a queue made within the window counts its rejects from 0
	q.attrs = core.NewAttrs(semconv.QueueTypeKey.String(typ), semconv.QueueNameKey.String(name))
	if overflow {
		q.attrs = core.NewAttrs(semconv.Overflow)
	}
	q.depthHist = m.shell.Hist(mDepthSampled, q.attrs)
	q.waitHist = m.shell.Hist(mWait, q.attrs)
	return q
}

// Type returns the queue's type, and [Queue.Name] its name; both are empty
// for the overflow queue.
func (q *Queue) Type() string {
	if q == nil {
		return ""
	}
	return q.typ
}

// Name returns the queue's name.
func (q *Queue) Name() string {
	if q == nil {
		return ""
	}
	return q.name
}

// SetCapacity changes the queue's capacity. A capacity of 0 or less means
// unknown: no utilization is reported and the queue never overflows;
// negative values are counted as bad input.
func (q *Queue) SetCapacity(capacity int) {
	if q == nil || !q.m.shell.Live() {
		return
	}
	if capacity < 0 {
		q.m.reject(reasonNegativeCapacity)
		capacity = 0
	}
	q.capacity.Store(int64(capacity))
	q.m.shell.Touch()
}

// Sample records the queue's depth, pushed by the code that owns the queue:
// it becomes the current depth, one sample of the depth histogram and of the
// window, and may start or end an overflow. A negative depth returns
// [ErrNegativeDepth], counted, and is dropped; a depth above the capacity
// is kept (utilization then exceeds 1) and counted.
func (q *Queue) Sample(depth int) error {
	if depth < 0 {
		if q != nil {
			q.m.reject(reasonNegativeDepth)
		}
		return fmt.Errorf("%w: %d", ErrNegativeDepth, depth)
	}
	if q == nil || !q.m.shell.Live() {
		return nil
	}
	q.depth.Store(int64(depth))
	q.sample(int64(depth), q.m.shell.Mono.Nanotime())
	return nil
}

// sample records one depth sample taken at now.
func (q *Queue) sample(depth, now int64) {
	capacity := q.capacity.Load()
	if capacity > 0 && depth > capacity {
		q.m.reject(reasonDepthAboveCapacity)
	}
	q.depthHist.Record(context.Background(), float64(depth))
	q.check(depth, capacity, now)
	rejected := q.rejected.Load()
	q.mu.Lock()
	q.win.add(now, depth)
	q.led.note(now, rejected)
	q.mu.Unlock()
	q.m.shell.Touch()
}

// check starts or ends an overflow on a transition of utilization across
// the threshold, so the count of overflows depends on what the queue did,
// not on how often it was sampled. Starting one is a compare-and-swap of
// overSince; only ending one takes the mutex.
func (q *Queue) check(depth, capacity, now int64) {
	if capacity <= 0 {
		return
	}
	if float64(depth) >= q.m.cfg.threshold*float64(capacity) {
		if q.overSince.Load() == none && q.overSince.CompareAndSwap(none, now) {
			q.overflows.Add(1)
		}
	} else if since := q.overSince.Load(); since != none {
		q.endOverflow(since, now)
	}
}

// endOverflow ends the overflow begun at since, unless another call ended
// it first, adds it to the total and books it to the window's ledger. The
// mutex makes the end and the booking one step for the readers of the
// ledger. A spell that would end before it began (the clock stepped back)
// counts as no time.
func (q *Queue) endOverflow(since, now int64) {
	q.mu.Lock()
	if q.overSince.CompareAndSwap(since, none) {
		q.overTotal.Add(max(now-since, 0))
		q.led.credit(since, now)
	}
	q.mu.Unlock()
}

// Ticket is an item's place in a queue, from [Queue.Enter] to
// [Ticket.Leave]. It is a value: keeping it allocates nothing. The zero
// Ticket, which a nil [Queue] hands out, leaves and cancels as a no-op.
type Ticket struct {
	q  *Queue
	at int64
}

// Enter records an item joining the queue: the depth rises by one, which
// may start an overflow. Call Leave on the returned ticket when the item
// leaves; the wait between the two is recorded.
func (q *Queue) Enter() Ticket {
	if q == nil || !q.m.shell.Live() {
		return Ticket{}
	}
	now := q.m.shell.Mono.Nanotime()
	if !q.owned.Load() {
		q.owned.Store(true)
	}
	d := q.depth.Add(1)
	q.check(d, q.capacity.Load(), now)
	q.m.shell.Touch()
	return Ticket{q: q, at: now}
}

// Leave records the item leaving the queue and its wait. The depth never
// goes below 0: a Leave that would take it there is a counted no-op, and a
// zero Ticket's Leave does nothing. A clock that stepped back since Enter
// records a wait of 0: no time passed.
func (t Ticket) Leave() { t.leave(context.Background()) }

// LeaveContext records the item leaving as [Ticket.Leave] does, with the
// trace of ctx: with exemplars on (vitals.Config.Exemplars, or
// OTEL_METRICS_EXEMPLAR_FILTER), its wait can carry the trace as an
// exemplar. A nil ctx is taken as context.Background().
func (t Ticket) LeaveContext(ctx context.Context) {
	if ctx == nil {
		ctx = context.Background()
	}
	t.leave(ctx)
}

// leave records the item leaving, its wait with the trace of ctx.
func (t Ticket) leave(ctx context.Context) {
	q := t.q
	if q == nil || !q.m.shell.Live() {
		return
	}
	defer q.m.shell.Touch()
	now := q.m.shell.Mono.Nanotime()
	d := q.depth.Add(-1)
	if d < 0 {
		q.depth.Add(1)
		q.m.reject(reasonLeaveWithoutEnter)
		return
	}
	wait := float64(max(now-t.at, 0)) / 1e9
	q.waitHist.Record(ctx, wait)
	q.check(d, q.capacity.Load(), now)
}

// Cancel records the item leaving the queue without a wait to record: it
// was never really queued, as when it is turned away at once because the
// queue is full. The depth falls as with Leave.
func (t Ticket) Cancel() {
	q := t.q
	if q == nil || !q.m.shell.Live() {
		return
	}
	defer q.m.shell.Touch()
	d := q.depth.Add(-1)
	if d < 0 {
		q.depth.Add(1)
		q.m.reject(reasonLeaveWithoutEnter)
		return
	}
	q.check(d, q.capacity.Load(), q.m.shell.Mono.Nanotime())
}

// Reject counts an item the queue turned away: full, or waited too long. It
// is one atomic add; the count within the window is derived at reads.
func (q *Queue) Reject() {
	if q == nil || !q.m.shell.Live() {
		return
	}
	q.rejected.Add(1)
	q.m.shell.Touch()
}

// Depth returns the current depth: the last sample, or what Enter and Leave
// left; 0 on a nil Queue.
func (q *Queue) Depth() int {
	if q == nil {
		return 0
	}
	return int(q.depth.Load())
}

// read samples a probed queue.
func (q *Queue) read(now int64) {
	depth, capacity := q.probe()
	if capacity < 0 {
		q.m.reject(reasonNegativeCapacity)
		capacity = 0
	}
	if depth < 0 {
		q.m.reject(reasonNegativeDepth)
		return
	}
	q.capacity.Store(int64(capacity))
	q.depth.Store(int64(depth))
	q.sample(int64(depth), now)
}

// overflowTime returns the time spent in overflow up to now, the current
// spell included.
func (q *Queue) overflowTime(now int64) int64 {
	total := q.overTotal.Load()
	if since := q.overSince.Load(); since != none {
		total += max(now-since, 0)
	}
	return total
}

// utilization returns depth over capacity, NaN with no capacity.
func utilization(depth, capacity int64) float64 {
	if capacity <= 0 {
		return math.NaN()
	}
	return float64(depth) / float64(capacity)
}
