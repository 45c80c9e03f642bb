// Package instrument holds what the four trackers share: the [Producer]
// they report to, and one API shape, the same verb with the same meaning
// and argument order in each of them.
//
// # Trackers
//
//   - [github.com/otelvitals/vitals/instrument/conn]: conn.Tracker, with
//     handles conn.Pool and conn.Conn; connection ages, lifetimes, leaks
//     and pool saturation.
//   - [github.com/otelvitals/vitals/instrument/queue]: queue.Monitor, with
//     handle queue.Queue; depth, utilization, overflow time, rejections.
//   - [github.com/otelvitals/vitals/instrument/cache]: cache.Monitor, with
//     handle cache.Cache; hit ratio and efficiency over a window.
//   - [github.com/otelvitals/vitals/instrument/feature]: feature.Analytics,
//     with handle feature.Feature; uses, distinct users, success ratio and
//     durations.
//
// # Verbs
//
// Each verb has one meaning, and one argument order, wherever it appears:
//
//   - New(opts...) (T, error), all four: makes a tracker; a partial
//     failure returns the error with a working tracker.
//   - Pool, Queue, Cache, Feature (type, name): the handle of one entity,
//     made on first use; keep it.
//   - Snapshot() Snapshot, all four: the tracker's state, read once per
//     collection cycle and shared by every consumer of it, one Entry per
//     entity.
//   - Shutdown(ctx) error, all four: stops the tracker, once; its series
//     are no longer reported, recording is a no-op, and Snapshot returns
//     the state at Shutdown.
//   - WithMeterProvider, WithProducer, WithClock, all four: where the
//     points go, and the clock the tracker reads.
//   - Start(...) Op, then Op.End: begins a timed operation; End ends it and
//     records it, once, allocating nothing (cache: Op.Hit, Op.End; feature:
//     Op.End(err)).
//   - Do(ctx, ..., fn), feature: runs fn as one timed operation and returns
//     its error.
//   - GetOrFill, LookupOrFill, cache: a lookup that fills a miss, timed
//     with its fill.
//   - Wrap(value, handle), conn and cache: wraps the caller's value (a
//     function, a getter) so that its use is tracked.
//   - StartSampler(ctx), queue: starts the background sampler, until
//     Shutdown.
//   - [TrendGrowing], [TrendStable], [TrendDeclining]: the values of a
//     queue's and a feature's Trend, defined here once.
//   - ErrNilFunc, wherever a function is called: returned, and counted as
//     nil_function, for a nil one.
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
