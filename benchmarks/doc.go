// Package benchmarks compares, in one go test -bench run, the same
// instrumentation work done by vitals, by the raw OpenTelemetry Go SDK and by
// Prometheus client_golang. It holds benchmarks and their tests only.
//
// # What is compared
//
// Each benchmark is a group of rows, one sub-benchmark per implementation,
// named with an impl key (BenchmarkCounterAdd/impl=otel-kept-set). Every row
// records into one series with the two attributes a cache tracker carries
// (vitals.cache.type="application", vitals.cache.name="users"), on an
// instrument made before the timed loop:
//
//   - BenchmarkCounterAdd, BenchmarkCounterAddParallel: add 1 to a counter.
//   - BenchmarkHistogramRecord, BenchmarkHistogramRecordParallel: record a
//     latency, varying per iteration, in a histogram with the buckets of
//     semconv.LatencyBuckets.
//
// The Parallel groups run the same operation on the same series from all
// GOMAXPROCS goroutines of b.RunParallel. The rows are:
//
//   - otel-kept-set: the OTel SDK (ManualReader, exemplars off, as vitals
//     configures its provider) with a []metric.AddOption or
//     []metric.RecordOption built once from a precomputed attribute.Set and
//     kept: the best a careful hand-written OTel user gets, and the baseline
//     of every ratio.
//   - otel-set-per-call: the same set, wrapped in metric.WithAttributeSet on
//     every call.
//   - otel-attrs-per-call: metric.WithAttributes(attribute.String(…), …) on
//     every call: what most instrumented code does.
//   - prom-kept: client_golang on a Counter or Observer resolved once with
//     WithLabelValues and kept.
//   - prom-labels-per-call: client_golang with WithLabelValues on every call.
//   - atomic (counters only): a bare atomic.Int64.Add, the floor.
//
// vitals' own rows (a cache hit, a queue sample, a connection use, a feature
// use on a handle) join these groups as impl=vitals-<op>.
//
// # Collections
//
// The collection groups measure one collection of n connection pools,
// caches or features, n = 10, 1,000 and 10,000, each in a realistic state
// (BenchmarkCollectPools/n=1000/impl=vitals, BenchmarkCollectCaches,
// BenchmarkCollectFeatures), and one Prometheus /metrics render of 1,000 of
// each (BenchmarkCollectRender/n=1000). Each iteration records one event on
// one entity, so that the tracker reads its state afresh, then collects.
// Every row collects once before its loop, so that the loop measures the
// steady state. The rows hold the same data, checked point by point:
//
//   - vitals: the tracker reporting through vitals.NewProducer, whose view
//     for one reader (Producer.ForReader) is on the reader, as vitals.Start
//     builds it.
//   - otel-sync: the raw SDK with synchronous instruments recording the
//     same series as the events happen; the baseline of these groups.
//   - otel-observable: the same series through observable instruments and
//     one callback reading atomics, durations in synchronous histograms.
//
// Every row reports allocations, and checks after its loop that the
// instrument counted exactly one operation per iteration; the tests of this
// package read exact sums, counts and buckets back through a ManualReader
// and a Registry, and hold the kept paths to zero allocations.
//
// # Running
//
// From the module root, make bench (scripts/bench.sh) runs COUNT passes of
// every group, each a go test -count 1, keeps the raw output in
// .cache/bench/latest.txt and prints a benchstat table with the
// implementations side by side, followed by the ratios of each row's ns/op
// to the otel-kept-set, prom-kept and otel-sync rows of its group: the ratio
// of the medians, and the paired ratio, the median over the passes of the
// ratio within each pass. COUNT and BENCHTIME set the number of passes and
// the time of each run. A single group runs with
//
//	go test ./benchmarks -run '^$' -bench 'CounterAdd$' -benchmem -count 10
//
// # Reading the ratios
//
// Only ratios within one run mean anything: absolute ns/op move with the
// machine and its load, while rows of the same group measured in the same
// run share them, and rows of the same pass share them most. A ratio of 0.5 to otel-kept-set means the row does the
// same work in half the time; compare vitals' rows with otel-kept-set (the
// best raw OTel), with otel-attrs-per-call (what most code does) and with
// prom-kept. The benchmarks assert no timings; see README.md.
package benchmarks
