package queue

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/otelvitals/vitals/internal/core"
	"github.com/otelvitals/vitals/internal/keyset"
	"github.com/otelvitals/vitals/internal/rejected"
	"github.com/otelvitals/vitals/semconv"
	"go.opentelemetry.io/otel"
)

// ScopeName is the instrumentation scope of the monitor's meter.
const ScopeName = "github.com/otelvitals/vitals/instrument/queue"

// Monitor watches queues: their depth against capacity, overflows, waits and
// the shape of their depth over a recent window. Make one with [New], get a
// handle per queue with [Monitor.Queue] or [Monitor.Observe], and keep it. A
// Monitor is safe for concurrent use.
//
// A nil *Monitor records nothing: Queue and Observe return a nil [Queue],
// StartSampler and Shutdown return nil, and Snapshot is empty.
type Monitor struct {
	cfg   config
	shell core.Shell[state]

	rejects *rejected.Counter

	queues keyset.Set[*Queue]

	runMu   sync.Mutex // guards stop and done
	stop    chan struct{}
	done    chan struct{}
	stopped atomic.Bool
	sampled atomic.Pointer[time.Time] // when sampleAll last completed; nil before

	probing       atomic.Bool   // a read's round of probes is running
	stuckReported atomic.Bool   // a stuck probe went to otel.Handle
	probeWait     time.Duration // how long a read waits for its probes; 0: probeWait (tests shorten it)
}

// state is one read of the monitor: its snapshot, and the handle of each
// of its queues, in the same order.
type state struct {
	snap          Snapshot
	queues        []*Queue
	depths, waits []core.HistRead // on the fast path
}

// The monitor's metrics, indexed as its Sink points name them.
const (
	mDepth = iota
	mCapacity
	mUtilization
	mDepthMax
	mOverflows
	mOverflowTime
	mRejectedItems
	mDepthSampled
	mWait
	mRejected
)

var metrics = []semconv.Metric{
	mDepth:         semconv.QueueDepth.Metric,
	mCapacity:      semconv.QueueCapacity.Metric,
	mUtilization:   semconv.QueueUtilization.Metric,
	mDepthMax:      semconv.QueueMaxDepth.Metric,
	mOverflows:     semconv.QueueOverflows.Metric,
	mOverflowTime:  semconv.QueueOverflowTime.Metric,
	mRejectedItems: semconv.QueueRejections.Metric,
	mDepthSampled:  semconv.QueueSampledDepth.Metric,
	mWait:          semconv.QueueWaitDuration.Metric,
	mRejected:      semconv.InputRejections.Metric,
}

// New returns a Monitor recording into the configured MeterProvider (the
// global one by default). It emits, per queue:
//
//   - vitals.queue.depth, vitals.queue.capacity and vitals.queue.utilization
//     (depth over capacity), read at collection;
//   - vitals.queue.sampled_depth: the depth histogram over samples, in
//     0 to 2500 buckets;
//   - vitals.queue.max_depth: the largest depth over the window;
//   - vitals.queue.overflows and vitals.queue.overflow.time: transitions
//     into overflow, and the time spent there;
//   - vitals.queue.wait.duration: the wait from Enter to Leave;
//   - vitals.queue.rejections: items turned away;
//   - vitals.input.rejections: calls whose input was rejected or cleaned.
//
// Probes are read at every collection; call [Monitor.StartSampler] to sample them,
// and queues fed by Enter and Leave, in the background as well.
func New(opts ...Option) (*Monitor, error) {
	cfg := newConfig(opts)
	m := &Monitor{cfg: cfg, queues: keyset.Set[*Queue]{Max: cfg.maxQueues, Limit: ErrQueueLimit}}
	m.rejects = rejected.New(semconv.SignalQueue,
		reasonNegativeDepth, reasonNegativeCapacity, reasonDepthAboveCapacity,
		reasonLeaveWithoutEnter, reasonInvalidUTF8, reasonNameTooLong, reasonEmptyName)
	setup := cfg.Setup
	setup.Scope, setup.Metrics = ScopeName, metrics
	setup.Traced = []string{semconv.QueueWaitDuration.Name} // LeaveContext
	setup.Before = m.readProbes
	err := m.shell.Init(setup, m.read, m.emit)
	return m, err
}

// Queue returns the handle of the queue name of type queueType ("http",
// "database", "ml_inference", "redis" or any other string) holding at most
// capacity items, making it on first use; a later call with another
// capacity sets it. A capacity of 0 means unknown (no utilization, no
// overflow); a negative one is counted as bad input and taken as 0.
//
// Keep the handle: Queue takes a lock and a map lookup, the handle's
// methods do not. Names are cleaned as for connection pools: invalid UTF-8
// becomes U+FFFD, an empty name "unknown", and a name longer than
// [MaxNameLength] bytes is cut, each counted. Past the queue limit, Queue
// returns the shared overflow queue.
func (m *Monitor) Queue(queueType, name string, capacity int) *Queue {
	return m.queue(queueType, name, capacity, nil)
}

// Observe registers a queue whose depth and capacity probe reports, and
// returns its handle. The probe is read at every collection and, once the
// monitor is started, at every sample interval; each read is a sample. A
// nil probe makes Observe the same as [Monitor.Queue] with capacity 0.
// Keep probes quick: a collection waits at most a second for its round of
// probes, and while a probe has not returned, collections and snapshots go
// on with the last samples (the stuck probe is reported to otel.Handle
// once), and the background sampler, stopped at it, fails vitals'
// liveness check.
//
//	jobs := make(chan Job, 100)
//	m.Observe(queue.TypeMLInference, "inference_jobs", queue.Chan(jobs))
func (m *Monitor) Observe(queueType, name string, probe Probe) *Queue {
	return m.queue(queueType, name, 0, probe)
}

func (m *Monitor) queue(typ, name string, capacity int, probe Probe) *Queue {
	if m == nil {
		return nil
	}
	typ, name = m.clean(typ), m.clean(name)
	if capacity < 0 {
		m.reject(reasonNegativeCapacity)
		capacity = 0
	}
	q, found := m.queues.Get(typ, name, func(typ, name string, overflow bool) *Queue {
		if overflow {
			return m.newQueue(typ, name, true, 0, nil)
		}
		return m.newQueue(typ, name, false, capacity, probe)
	})
	if found && probe == nil {
		q.capacity.Store(int64(capacity))
	}
	return q
}

func (m *Monitor) queueList() []*Queue { return m.queues.List() }

// clean makes s a valid, bounded attribute value, counting each repair.
func (m *Monitor) clean(s string) string { return keyset.Clean(s, MaxNameLength, m.reject) }

// SampleInterval returns how often the background sampler samples, after
// the default and clamping of [WithSampleInterval]. On a nil Monitor it
// returns [DefaultSampleInterval].
func (m *Monitor) SampleInterval() time.Duration {
	if m == nil {
		return DefaultSampleInterval
	}
	return m.cfg.interval
}

// StartSampler starts the background sampler: every sample interval it reads each
// probe and samples the depth of each queue fed by Enter and Leave. It
// returns at once; the sampler runs until [Monitor.Shutdown] or until ctx is
// done (at once for a ctx already done). A nil ctx is taken as
// context.Background(). Starting a started monitor does nothing; starting
// one that was shut down returns [ErrShutdown]. On a nil Monitor it does
// nothing and returns nil.
func (m *Monitor) StartSampler(ctx context.Context) error {
	if m == nil {
		return nil
	}
	if m.stopped.Load() {
		return ErrShutdown
	}
	if ctx == nil {
		ctx = context.Background()
	}
	m.runMu.Lock()
	defer m.runMu.Unlock()
	if m.stop != nil {
		return nil
	}
	m.stop, m.done = make(chan struct{}), make(chan struct{})
	go m.run(ctx, m.stop, m.done)
	return nil
}

func (m *Monitor) run(ctx context.Context, stop, done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(m.cfg.interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-stop:
			return
		case <-tick.C:
			m.sampleAll()
		}
	}
}

// probeWait is how long a read waits for its round of probes; a round
// that takes longer goes on in the background, and the read uses the
// samples it has.
const probeWait = time.Second

// readProbes samples every probed queue, before a fresh read of the
// monitor: each read takes one sample of each probe, and a read reused
// takes none. A probe that does not return must not stop every export and
// health probe with it: the round runs on a goroutine of its own, the read
// waits for it at most probeWait, and while a round is still running (a
// probe stuck) reads start no other and use the last samples. The stuck
// probe is reported to otel.Handle once; the sampler, which calls probes
// too, stops at it, which the liveness check of vitals.System reports.
func (m *Monitor) readProbes(int64) {
	queues := m.queueList()
	if !slices.ContainsFunc(queues, func(q *Queue) bool { return q.probe != nil }) {
		return // nothing to probe: no round, no goroutine
	}
	if !m.probing.CompareAndSwap(false, true) {
		return // the last round is still running
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer m.probing.Store(false)
		now := m.shell.Mono.Nanotime()
		for _, q := range queues {
			if q.probe != nil {
				q.read(now)
			}
		}
	}()
	wait := m.probeWait
	if wait <= 0 {
		wait = probeWait
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-done:
	case <-timer.C:
		if !m.stuckReported.Swap(true) {
			otel.Handle(fmt.Errorf("queue: a probe has not returned in %v; reads go on with the last samples until it does", wait))
		}
	}
}

// sampleAll takes one sample of every probed or Enter/Leave queue, then
// records when it was done, for [Snapshot.Sampled].
func (m *Monitor) sampleAll() {
	now := m.shell.Mono.Nanotime()
	for _, q := range m.queueList() {
		switch {
		case q.probe != nil:
			q.read(now)
		case q.owned.Load():
			q.sample(q.depth.Load(), now)
		}
	}
	done := m.shell.Mono.Now()
	m.sampled.Store(&done)
}

// Shutdown stops the background sampler, waiting for it until ctx is done
// (a nil ctx is taken as context.Background()). Then the monitor's metrics
// are no longer reported (its series leave the producer, or its callback
// is unregistered), handles stay safe to use and record nothing, and
// Snapshot returns the state at Shutdown. Under a MeterProvider without
// the producer, the SDK goes on reporting the last values of the
// histograms it holds, as it does for every synchronous instrument.
// Shutdown is idempotent; on a nil Monitor it returns nil.
func (m *Monitor) Shutdown(ctx context.Context) error {
	if m == nil {
		return nil
	}
	if ctx == nil {
		ctx = context.Background()
	}
	return m.shell.Shutdown(ctx, func(ctx context.Context) error {
		m.stopped.Store(true)
		m.runMu.Lock()
		stop, done := m.stop, m.done
		m.runMu.Unlock()
		if stop != nil {
			close(stop)
			select {
			case <-done:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		return nil
	})
}

// emit reports one read, st, to out.
func (m *Monitor) emit(st *state, out core.Sink) {
	for i, q := range st.queues {
		qs := &st.snap.Queues[i]
		out.Int64(mDepth, q.attrs, qs.Depth)
		if qs.Capacity > 0 {
			out.Int64(mCapacity, q.attrs, qs.Capacity)
			out.Float64(mUtilization, q.attrs, qs.Utilization)
		}
		if qs.Samples > 0 {
			out.Int64(mDepthMax, q.attrs, qs.MaxDepth)
		}
		out.Int64(mOverflows, q.attrs, qs.Overflows)
		out.Float64(mOverflowTime, q.attrs, qs.OverflowSeconds)
		out.Int64(mRejectedItems, q.attrs, qs.Rejected)
	}
	core.EmitHists(out, mDepthSampled, st.depths)
	core.EmitHists(out, mWait, st.waits)
	m.rejects.Emit(out, mRejected)
}

// Reasons counted in vitals.input.rejections (error.type).
const (
	reasonNegativeDepth      = "negative_depth"
	reasonNegativeCapacity   = "negative_capacity"
	reasonDepthAboveCapacity = "depth_above_capacity"
	reasonLeaveWithoutEnter  = "leave_without_enter"
	reasonInvalidUTF8        = keyset.ReasonInvalidUTF8
	reasonNameTooLong        = keyset.ReasonNameTooLong
	reasonEmptyName          = keyset.ReasonEmptyName
)

// reject counts bad input, until Shutdown.
func (m *Monitor) reject(reason string) {
	if m != nil && m.shell.Live() {
		m.rejects.Add(reason)
		m.shell.Touch()
	}
}
