// Package admission is an HTTP admission queue: middleware that lets at
// most a given number of requests run at once, queues the excess in arrival
// order for a bounded time, and turns the rest away with 503 Service
// Unavailable and a Retry-After header, reporting all of it through a
// [github.com/otelvitals/vitals/instrument/queue] monitor. In a service
// set up by [github.com/otelvitals/vitals.Start], give the monitor Start's
// provider and producer, so that its metrics leave through Start's
// exporters (the package example shows it whole):
//
//	m, err := queue.New(queue.WithMeterProvider(sys.MeterProvider()), queue.WithProducer(sys.Producer()))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer m.Shutdown(ctx)
//	limit := admission.New(m, "api", admission.Config{Limit: 4, QueueLength: 50, Timeout: time.Second})
//
// then serve limit.Handler(mux) in place of mux, as in
// http.ListenAndServe("127.0.0.1:8080", limit.Handler(mux)).
//
// Two queues are reported, of type "http":
//
//   - name: the admission queue, of capacity QueueLength: the requests
//     waiting for a slot. A request that cannot run at once enters it, and
//     leaves it when a slot frees up (oldest first), its wait recorded. A
//     request that finds it full is turned away at once (counted in
//     vitals.queue.rejections); one that waits longer than Timeout, or whose
//     client gives up, leaves with its wait recorded and is counted as
//     rejected.
//   - name + "_in_flight": the requests running (at most Limit), reported
//     without a capacity. A limiter at its limit is at work, not backed up:
//     with a capacity, a busy but healthy server would count an overflow
//     at every request that takes the last slot, and the health rules
//     would judge the running requests as a full queue. The admission
//     queue carries the verdict: the requests that wait, how long, and
//     those turned away.
//
// With Limit 0 nothing is limited: every request is admitted at once and
// only the in-flight queue is reported.
//
// # Bad input
//
// Nothing here panics on bad input. The name is cleaned as the trackers
// clean names ([github.com/otelvitals/vitals/semconv.CleanValueFunc]) and
// cut short enough that name + "_in_flight" still fits, so the two queues
// never merge. Negative limits are taken as 0, a negative Timeout as no
// wait, a negative RetryAfter as 1 second. A nil monitor gives a Limiter
// that limits and reports nothing; a nil *Limiter's Handler admits every
// request; a nil handler is [net/http.DefaultServeMux].
package admission // import "github.com/otelvitals/vitals/integrations/admission"
