// Package instrument holds what the four trackers share: the [Producer]
// they report to, and one API shape, the same verb with the same meaning
// and argument order in each of them.
//
// # Trackers
//
// | package | tracker | handle | what it sees |
// |---|---|---|---|
// | [github.com/otelvitals/vitals/instrument/conn] | conn.Tracker | conn.Pool, conn.Conn | connection ages, lifetimes, leaks, pool saturation |
// | [github.com/otelvitals/vitals/instrument/queue] | queue.Monitor | queue.Queue | depth, utilization, overflow time, rejections |
// | [github.com/otelvitals/vitals/instrument/cache] | cache.Monitor | cache.Cache | hit ratio and efficiency over a window |
// | [github.com/otelvitals/vitals/instrument/feature] | feature.Analytics | feature.Feature | uses, distinct users, success ratio, durations |
//
// # Verbs
//
// | verb | meaning | in |
// |---|---|---|
// | New(opts...) (T, error) | makes a tracker; a partial failure returns the error with a working tracker | all four |
// | T.X(type, name) | the handle of one pool, queue, cache or feature, made on first use; keep it | Pool, Queue, Cache, Feature |
// | Snapshot() Snapshot | the tracker's state, read once per collection cycle and shared by every consumer of it; one Entry per pool, queue, cache or feature | all four |
// | Shutdown(ctx) error | stops the tracker once: its series are no longer reported, recording is a no-op, Snapshot returns the state at Shutdown | all four |
// | WithMeterProvider, WithProducer, WithClock | where the points go, and the clock the tracker reads | all four |
// | Start(…) Op, then Op.End | begins a timed operation; End ends it and records it, once, allocating nothing | cache (Op.Hit, Op.End), feature (Op.End(err)) |
// | Do(ctx, …, fn) | runs fn as one timed operation and returns its error | feature |
// | GetOrFill / LookupOrFill | a lookup that fills a miss, timed with its fill | cache |
// | Wrap(value, handle) | wraps the caller's value (a function, a getter) so that its use is tracked | conn, cache |
// | StartSampler(ctx) | starts the background sampler, until Shutdown | queue |
// | TrendGrowing, TrendStable, TrendDeclining | the values of a queue's and a feature's Trend, defined here once | queue, feature |
// | ErrNilFunc | returned, and counted as nil_function, for a nil function where one is called | all that take one |
//
// # Producer
//
// A tracker reports its points through observable instruments of the
// MeterProvider it is given, or, given a [Producer] with its
// WithProducer option, through that producer, which a reader collects
// directly (vitals.NewProducer). With a producer the tracker's durations go
// to lock-free histograms the producer emits with their min and max;
// without one, to the SDK's histograms as they happen.
package instrument
