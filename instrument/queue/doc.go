// Package queue monitors how full queues are: depth against capacity,
// utilization, overflows and time spent overflowing, waits, and the shape of
// the depth over a recent window, for any kind of queue: an HTTP server's
// admission queue, a database pool's waiters, an inference queue, a Redis
// pipeline, a channel, a worker pool.
//
// # Three ways to feed a queue
//
// In a service set up by [github.com/otelvitals/vitals.Start], give the
// monitor Start's provider and producer, so that its metrics leave through
// Start's exporters (the package example shows it whole); without options,
// queue.New() records into the global MeterProvider, which Start does not
// set.
//
//	m, err := queue.New(queue.WithMeterProvider(sys.MeterProvider()), queue.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//
//	// Pushed: the code that owns the queue reports its depth.
//	q := m.Queue(queue.TypeDatabase, "waiters", 50)
//	q.Sample(len(waiters))
//
//	// Owned: items enter and leave; the depth is kept in atomics and each
//	// item's wait is recorded.
//	requests := m.Queue(queue.TypeHTTP, "requests", 100)
//	t := requests.Enter()
//	defer t.Leave()
//
//	// Probed: the monitor asks, at each collection and, once started, at
//	// every sample interval.
//	m.Observe(queue.TypeMLInference, "jobs", queue.Chan(jobs))
//	m.StartSampler(ctx)
//	defer m.Shutdown(ctx)
//
// Keep the handles: [Monitor.Queue] takes a lock and a map lookup, the
// handle's methods a few atomic operations. Each pushed sample, probe read
// and background sample of an owned queue is one sample of the depth
// histogram and of the window.
//
// # Overflow
//
// A queue overflows while its utilization (depth over capacity) is at or
// above the threshold (default 0.8, [WithOverflowThreshold]). An overflow
// event is a transition from below to at or above it, detected wherever the
// depth changes (each sample, Enter and Leave), so the count reflects what
// the queue did, not how often it was sampled; the time between entering
// and leaving overflow is summed. A queue of unknown capacity (0) never
// overflows.
//
// # Window and trend
//
// Over the recent window (default 5m, [WithWindow]) the monitor keeps the
// min, mean and max depth of the samples, in 30 time buckets (exact to a
// bucket). The trend compares the mean depth of the newest third of the
// window with the oldest third: growing when it is higher by more than 5%
// of the capacity (of the oldest mean for a queue without capacity, and at
// least one item), declining when lower by as much, stable otherwise or
// without samples in both thirds.
//
// The share of the window spent in overflow does not depend on samples:
// each overflow, however it ended (a sample, Leave or Cancel), is booked to
// the buckets it covers when it ends, and the one still open is added at
// each read. The share is the overflow time within the last window over the
// window: exact when the window starts on a bucket boundary, otherwise off
// by less than 1/30, the bucket straddling its start being counted pro
// rata. A queue in overflow for the whole window reads 1, however long ago
// it was last sampled; one whose last overflow ended more than a window ago
// reads 0. A clock that steps back counts as no time passing.
//
// The items rejected within the window ([Entry.WindowRejected])
// are counted from marks of the cumulative count, taken when the queue is
// made and at the first read or sample in each bucket, so [Queue.Reject]
// stays one atomic add: the count never includes a reject from before the
// window, and may miss those from its start to the oldest mark in it (with
// the sampler running, at most 1/30 of the window and one sample interval).
// [Monitor.Snapshot] returns all of it, and when the background sampler
// last completed a round ([Snapshot.Sampled]).
//
// # Bad input
//
// Nothing panics. A negative depth passed to [Queue.Sample] returns
// [ErrNegativeDepth] and is dropped; a negative capacity is taken as 0; a
// depth above the capacity is kept (utilization above 1); a Leave that
// would take the depth below 0 is ignored; names are cleaned as in package
// conn. Each is counted in vitals.input.rejections with its reason. A clock
// that steps back ([WithClock]) counts as no time passing: a wait across
// the step is 0, and the window's statistics stay where they were until
// the clock is past their newest bucket again.
//
// Options out of range are clamped, and reported to otel.Handle, never
// refused: the sample interval to [MinSampleInterval] (10ms) to
// [MaxSampleInterval] (1h), the window to [MinWindow] (1s) to [MaxWindow]
// (24h) and then to at least the sample interval, so that no value has the
// sampler spin or the window's buckets shrink to nothing; values <= 0 keep
// the defaults.
//
// Nil handles are no-ops: every method of a nil [*Monitor] or [*Queue], and
// of the zero [Ticket], does nothing and returns zero values (a nil Queue,
// the zero Ticket, an empty Snapshot, a nil error), except that
// [Queue.Sample] still returns [ErrNegativeDepth] for a negative depth,
// uncounted. A nil check is all it costs.
package queue // import "github.com/otelvitals/vitals/instrument/queue"
